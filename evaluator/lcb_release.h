/* LiveCodeBench's release layout: the versions (subset_list) as file lists of a release
 * directory, and the contest-date window (extra_params.start_date/end_date). */
#ifndef SBX_EVAL_LCB_RELEASE_H
#define SBX_EVAL_LCB_RELEASE_H

#include <stdbool.h>

#include "evaluator/config.h"

/* The subsets to evaluate: subset_list, else release_latest for a release directory and
 * "default" for a single file. Versions are checked here: release_vN (test.jsonl, test2.jsonl
 * .. testN.jsonl), vN (testN.jsonl alone, test.jsonl for v1), vN_vM (N to M) and
 * release_latest (every test*.jsonl). */
int sbx_eval_lcb_subsets(const char *path, const struct sbx_eval_dataset_args *args, char ***out,
                         struct sbx_error **err);

/* The files of a version under dir, in order (NULL-terminated, malloc'd paths). A file the
 * version needs and dir lacks is an error naming it. */
int sbx_eval_lcb_files(const char *dir, const char *version, char ***out, struct sbx_error **err);

/* contest_date as LiveCodeBench compares it (datetime.fromisoformat) against the window
 * [start_date 00:00, end_date 00:00]; -EINVAL when contest_date is not an ISO date. */
int sbx_eval_lcb_in_window(const char *contest_date, const struct sbx_eval_dataset_args *args,
                           bool *in);

/* "release_v2 (2023-05-01 to 2024-01-31)": what the table says was evaluated; malloc'd. */
char *sbx_eval_lcb_label(const char *subset, const struct sbx_eval_dataset_args *args);

#endif
