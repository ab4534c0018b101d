/* Scores: pass@k per dataset from per-problem counts, the per-outcome breakdown, the JSON
 * report and EvalScope's closing table. */
#ifndef SBX_EVAL_REPORT_H
#define SBX_EVAL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "evaluator/judge.h"
#include "sandboxrt.h"

struct sbx_eval_dataset_result {
        char *model;
        char *dataset;
        char *subset;
        size_t n_problems;
        size_t n_samples;
        size_t max_k;      /* pass@k is reported for k = 1..max_k */
        double *pass_at_k; /* [k - 1], averaged over problems */
        double mean_acc;   /* passed samples / samples */
        size_t outcomes[_SBX_EVAL_OUTCOME_MAX];
        size_t early_exits; /* of the WRONG_ANSWERs: exit status 0 before the tests finished */
};

struct sbx_eval_summary {
        char *run_dir;
        struct sbx_eval_dataset_result *results;
        size_t n;
};

/* Fill r's scores from per-problem sample counts n[i] and passes c[i] (i < n_problems). max_k
 * is min(limit_k, min n[i]); limit_k 0 means no limit. */
int sbx_eval_result_score(struct sbx_eval_dataset_result *r, const uint32_t *n, const uint32_t *c,
                          size_t n_problems, size_t limit_k);
void sbx_eval_result_release(struct sbx_eval_dataset_result *r);
struct sbx_eval_summary *sbx_eval_summary_free(struct sbx_eval_summary *s);

/* reports/<model>/<dataset>.json: deterministic (no times), so a resumed run writes the same
 * bytes as an uninterrupted one. */
int sbx_eval_result_write_json(const struct sbx_eval_dataset_result *r, const char *path,
                               struct sbx_error **err);

/* The table (one row per dataset and k), malloc'd. */
char *sbx_eval_summary_table(const struct sbx_eval_summary *s);
/* One line per dataset: "humaneval: OK 160, WRONG_ANSWER 3, TIME_LIMIT 1, ...", and a warning
 * line when sandbox errors happened. malloc'd. */
char *sbx_eval_summary_breakdown(const struct sbx_eval_summary *s);
/* Sandbox errors over every dataset. */
size_t sbx_eval_summary_sandbox_errors(const struct sbx_eval_summary *s);

#endif
