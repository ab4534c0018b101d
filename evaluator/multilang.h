/* Shared by the multi-language benchmarks (humaneval_x, mbxp, multiple): one language per
 * subset, found in a directory of one file per language (or a single file), checked against the
 * runtime's languages before anything runs; the chat prompt; the head of a program. */
#ifndef SBX_EVAL_MULTILANG_H
#define SBX_EVAL_MULTILANG_H

#include <cjson/cJSON.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/harness.h"

struct sbx_eval_ml_layout {
        const char *bench;
        /* The language of a file from its first record (its language field, its task_id's
         * prefix): a name or alias sbx_eval_lang_find knows, or NULL. */
        const char *(*record_lang)(const cJSON *first, char *buf, size_t size);
};

/* The language a subset names ("cpp", "js", "humaneval-rs", "mbpp-go"). */
const struct sbx_eval_lang *sbx_eval_ml_subset_lang(const char *subset);

/* The subsets to evaluate: subset_list, else every language path holds (a directory of files,
 * or one file). Each must be a language the harness and the runtime know, and have a file. */
int sbx_eval_ml_subsets(const struct sbx_eval_ml_layout *lay, const char *path,
                        const struct sbx_eval_dataset_args *args, char ***out,
                        struct sbx_error **err);

/* The file holding a subset's problems (malloc'd). */
int sbx_eval_ml_file(const struct sbx_eval_ml_layout *lay, const char *path, const char *subset,
                     char **out, struct sbx_error **err);

/* Load a subset's problems into out: for each record of its file a problem of the subset's
 * language, checked by its exit status, whose own fields record reads (< 0 stops the load).
 * Every problem's program must then be one the harness can put its proof around: an error
 * naming the first that is not (program(p, "") is NULL for it). */
int sbx_eval_ml_load(const struct sbx_eval_ml_layout *lay, const char *path, const char *subset,
                     int (*record)(struct sbx_eval_problem *p, const cJSON *j, const char *where,
                                   struct sbx_error **err),
                     char *(*program)(const struct sbx_eval_problem *p, const char *code),
                     struct sbx_eval_problem_set *out, struct sbx_error **err);

/* The program's start: the prompt and the completion. A chat model's reply that repeats the
 * prompt's last line (the function's signature) is taken from after that line, so that the
 * prompt's imports and enclosing class stay the dataset's. */
char *sbx_eval_ml_head(const struct sbx_eval_problem *p, const char *code);

/* The chat prompt: the code to complete in a fenced block of its language. */
char *sbx_eval_ml_prompt(const struct sbx_eval_problem_set *set, const struct sbx_eval_problem *p,
                         const struct sbx_eval_dataset_args *args);

#endif
