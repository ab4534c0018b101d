#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evaluator/passk.h"
#include "evaluator/report.h"
#include "evaluator/strutil.h"
#include "util.h"

int sbx_eval_result_score(struct sbx_eval_dataset_result *r, const uint32_t *n, const uint32_t *c,
                          size_t n_problems, size_t limit_k)
{
        size_t min_n = SIZE_MAX, samples = 0, passed = 0;

        for (size_t i = 0; i < n_problems; i++) {
                min_n = n[i] < min_n ? n[i] : min_n;
                samples += n[i];
                passed += c[i];
        }
        r->n_problems = n_problems;
        r->n_samples = samples;
        r->mean_acc = samples ? (double)passed / (double)samples : 0.0;
        r->max_k = n_problems && min_n != SIZE_MAX ? min_n : 0;
        if (limit_k && r->max_k > limit_k)
                r->max_k = limit_k;
        free(r->pass_at_k);
        r->pass_at_k = calloc(r->max_k ? r->max_k : 1, sizeof(double));
        if (!r->pass_at_k)
                return -ENOMEM;
        for (size_t k = 1; k <= r->max_k; k++) {
                double sum = 0;
                for (size_t i = 0; i < n_problems; i++)
                        sum += sbx_eval_pass_at_k(n[i], c[i], k);
                r->pass_at_k[k - 1] = sum / (double)n_problems;
        }
        return 0;
}

void sbx_eval_result_release(struct sbx_eval_dataset_result *r)
{
        free(r->model);
        free(r->dataset);
        free(r->subset);
        free(r->pass_at_k);
        memset(r, 0, sizeof(*r));
}

struct sbx_eval_summary *sbx_eval_summary_free(struct sbx_eval_summary *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n; i++)
                sbx_eval_result_release(&s->results[i]);
        free(s->results);
        free(s->run_dir);
        free(s);
        return NULL;
}

/* Scores rounded as shown, so reports compare equal across float summation noise. */
static double round6(double v)
{
        char buf[32];
        double out;

        snprintf(buf, sizeof(buf), "%.6f", v);
        return sscanf(buf, "%lf", &out) == 1 ? out : v;
}

static cJSON *result_json(const struct sbx_eval_dataset_result *r)
{
        cJSON *o = cJSON_CreateObject(), *metrics, *outcomes;
        char key[32];

        if (!o)
                return NULL;
        cJSON_AddStringToObject(o, "model", r->model);
        cJSON_AddStringToObject(o, "dataset", r->dataset);
        cJSON_AddStringToObject(o, "subset", r->subset);
        cJSON_AddNumberToObject(o, "num_problems", (double)r->n_problems);
        cJSON_AddNumberToObject(o, "num_samples", (double)r->n_samples);
        metrics = cJSON_AddObjectToObject(o, "metrics");
        for (size_t k = 1; metrics && k <= r->max_k; k++) {
                snprintf(key, sizeof(key), "pass@%zu", k);
                cJSON_AddNumberToObject(metrics, key, round6(r->pass_at_k[k - 1]));
        }
        if (metrics)
                cJSON_AddNumberToObject(metrics, "mean_acc", round6(r->mean_acc));
        outcomes = cJSON_AddObjectToObject(o, "outcomes");
        for (int i = 0; outcomes && i < _SBX_EVAL_OUTCOME_MAX; i++)
                cJSON_AddNumberToObject(outcomes, sbx_eval_outcome_to_string(i),
                                        (double)r->outcomes[i]);
        cJSON_AddNumberToObject(o, "early_exits", (double)r->early_exits);
        return o;
}

int sbx_eval_result_write_json(const struct sbx_eval_dataset_result *r, const char *path,
                               struct sbx_error **err)
{
        cJSON *o = result_json(r);
        _cleanup_free_ char *text = o ? cJSON_Print(o) : NULL;
        _cleanup_free_ char *tmp = sbx_strdup_printf("%s.tmp", path);
        _cleanup_close_ int fd = -1;

        cJSON_Delete(o);
        if (!text || !tmp)
                return sbx_error_set(err, ENOMEM, "out of memory");
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || sbx_write_all(fd, text, strlen(text)) < 0 || sbx_write_all(fd, "\n", 1) < 0 ||
            rename(tmp, path) < 0)
                return sbx_error_set(err, errno ? errno : EIO, "%s: %s", path, strerror(errno));
        return 0;
}

/* ---- the table ------------------------------------------------------------------------------ */

struct row {
        char cells[6][160];
};

static const char *const headers[6] = {"Model Name",  "Dataset Name", "Metric Name",
                                       "Subset Name", "Num",          "Score"};

static void border(struct sbx_eval_buf *b, const size_t *w, char fill)
{
        for (int i = 0; i < 6; i++) {
                sbx_eval_buf_puts(b, "+");
                for (size_t j = 0; j < w[i] + 2; j++)
                        sbx_eval_buf_append(b, &fill, 1);
        }
        sbx_eval_buf_puts(b, "+\n");
}

static void line(struct sbx_eval_buf *b, const size_t *w, const char *const *cells)
{
        for (int i = 0; i < 6; i++) {
                /* Numbers right-aligned, text left-aligned, as EvalScope's tabulate does. */
                if (i >= 4)
                        sbx_eval_buf_printf(b, "| %*s ", (int)w[i], cells[i]);
                else
                        sbx_eval_buf_printf(b, "| %-*s ", (int)w[i], cells[i]);
        }
        sbx_eval_buf_puts(b, "|\n");
}

static size_t collect_rows(const struct sbx_eval_summary *s, struct row **out)
{
        size_t n = 0, cap = 0;
        struct row *rows = NULL;

        for (size_t d = 0; d < s->n; d++) {
                const struct sbx_eval_dataset_result *r = &s->results[d];
                for (size_t k = 1; k <= r->max_k; k++) {
                        if (n == cap) {
                                size_t more = cap ? cap * 2 : 8;
                                struct row *nr = realloc(rows, more * sizeof(*nr));
                                if (!nr)
                                        break;
                                rows = nr;
                                cap = more;
                        }
                        struct row *w = &rows[n++];
                        snprintf(w->cells[0], sizeof(w->cells[0]), "%s", r->model);
                        snprintf(w->cells[1], sizeof(w->cells[1]), "%s", r->dataset);
                        snprintf(w->cells[2], sizeof(w->cells[2]), "pass@%zu", k);
                        snprintf(w->cells[3], sizeof(w->cells[3]), "%s", r->subset);
                        snprintf(w->cells[4], sizeof(w->cells[4]), "%zu", r->n_problems);
                        snprintf(w->cells[5], sizeof(w->cells[5]), "%.4f", r->pass_at_k[k - 1]);
                }
        }
        *out = rows;
        return n;
}

char *sbx_eval_summary_table(const struct sbx_eval_summary *s)
{
        struct sbx_eval_buf b = {0};
        struct row *rows = NULL;
        size_t n = collect_rows(s, &rows), w[6];

        for (int i = 0; i < 6; i++) {
                w[i] = strlen(headers[i]);
                for (size_t r = 0; r < n; r++)
                        if (strlen(rows[r].cells[i]) > w[i])
                                w[i] = strlen(rows[r].cells[i]);
        }
        border(&b, w, '-');
        line(&b, w, headers);
        border(&b, w, '=');
        for (size_t r = 0; r < n; r++) {
                const char *cells[6];
                for (int i = 0; i < 6; i++)
                        cells[i] = rows[r].cells[i];
                line(&b, w, cells);
                border(&b, w, '-');
        }
        free(rows);
        return sbx_eval_buf_take(&b);
}

char *sbx_eval_summary_breakdown(const struct sbx_eval_summary *s)
{
        struct sbx_eval_buf b = {0};

        for (size_t d = 0; d < s->n; d++) {
                const struct sbx_eval_dataset_result *r = &s->results[d];
                bool first = true;
                bool subset = r->subset && strcmp(r->subset, "default");
                sbx_eval_buf_printf(&b, "%s%s%s: %zu samples:", r->dataset, subset ? " " : "",
                                    subset ? r->subset : "", r->n_samples);
                for (int i = 0; i < _SBX_EVAL_OUTCOME_MAX; i++) {
                        /* OK, the program's own failures, the output cap and sandbox errors
                         * always (a 0 there says it never happened); the rest when they do. */
                        if (!r->outcomes[i] && i > SBX_EVAL_RUNTIME_ERROR &&
                            i != SBX_EVAL_OUTPUT_LIMIT && i != SBX_EVAL_SANDBOX_ERROR)
                                continue;
                        sbx_eval_buf_printf(&b, "%s %s %zu", first ? "" : ",",
                                            sbx_eval_outcome_to_string(i), r->outcomes[i]);
                        if (i == SBX_EVAL_WRONG_ANSWER && r->early_exits)
                                sbx_eval_buf_printf(&b, " (%zu exited before the tests finished)",
                                                    r->early_exits);
                        first = false;
                }
                sbx_eval_buf_puts(&b, "\n");
                if (r->outcomes[SBX_EVAL_SANDBOX_ERROR])
                        sbx_eval_buf_printf(&b,
                                            "WARNING: %s: %zu SANDBOX_ERROR: the sandbox failed, "
                                            "not the program; those samples count as not passed, "
                                            "so the score is a lower bound (see reviews/)\n",
                                            r->dataset, r->outcomes[SBX_EVAL_SANDBOX_ERROR]);
                if (r->outcomes[SBX_EVAL_MODEL_ERROR])
                        sbx_eval_buf_printf(&b,
                                            "WARNING: %s: %zu MODEL_ERROR: no completion (the "
                                            "request failed); counted as not passed\n",
                                            r->dataset, r->outcomes[SBX_EVAL_MODEL_ERROR]);
        }
        return sbx_eval_buf_take(&b);
}

size_t sbx_eval_summary_sandbox_errors(const struct sbx_eval_summary *s)
{
        size_t n = 0;

        for (size_t d = 0; d < s->n; d++)
                n += s->results[d].outcomes[SBX_EVAL_SANDBOX_ERROR];
        return n;
}
