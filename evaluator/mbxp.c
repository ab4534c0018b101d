/* MBXP (amazon-science/mxeval): MBPP in many languages, one per subset, from local files
 * (local_path: a directory of the release's mb*_release_*.jsonl files, or one of them). The
 * program is prompt + completion + test, as mxeval builds it (Python: prompt + completion +
 * "\n" + test + "\n" + check(entry_point)), inside the completion proof; pass iff it exits 0.
 * MBXP's C# tests need the CompareNetObjects NuGet package, which sandboxrt does not provide. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/dataset_json.h"
#include "evaluator/extract.h"
#include "evaluator/multilang.h"
#include "evaluator/strutil.h"
#include "util.h"

static const char *mbxp_record_lang(const cJSON *first, char *buf, size_t size)
{
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(first, "language");

        return cJSON_IsString(l) ? l->valuestring : NULL;
}

static const struct sbx_eval_ml_layout layout = {"mbxp", mbxp_record_lang};

static int mbxp_subsets(const char *path, const struct sbx_eval_dataset_args *args, char ***out,
                        struct sbx_error **err)
{
        return sbx_eval_ml_subsets(&layout, path, args, out, err);
}

static int mbxp_record(struct sbx_eval_problem *p, const cJSON *j, const char *where,
                       struct sbx_error **err)
{
        int r;

        if ((r = sbx_eval_json_string(j, "task_id", true, where, &p->task_id, err)) < 0 ||
            (r = sbx_eval_json_string(j, "prompt", true, where, &p->prompt, err)) < 0 ||
            (r = sbx_eval_json_string(j, "test", true, where, &p->test, err)) < 0 ||
            (r = sbx_eval_json_string(j, "entry_point", true, where, &p->entry_point, err)) < 0 ||
            (r = sbx_eval_json_string(j, "canonical_solution", false, where, &p->reference, err)) <
                0)
                return r;
        if (strstr(p->prompt, "KellermanSoftware"))
                return sbx_error_set(err, ENOTSUP,
                                     "%s: problem %s: MBXP's C# tests need the NuGet package "
                                     "CompareNetObjects (KellermanSoftware), which sandboxrt does "
                                     "not provide",
                                     where, p->task_id);
        return 0;
}

/* mxeval runs TypeScript's output when tsc reports type errors (exit status 2; its tests import
 * Node's assert, whose types Debian lacks): the runtime's tsc fails on them, so the file opts out
 * of type checking. */
static const char ts_nocheck[] = "// @ts-nocheck\n";

static char *mbxp_program(const struct sbx_eval_problem *p, const char *code)
{
        _cleanup_free_ char *head = sbx_eval_ml_head(p, code), *tests = NULL, *prog = NULL;

        if (!head)
                return NULL;
        if (!strcmp(p->lang->name, "python"))
                tests = sbx_strdup_printf("\n%s\ncheck(%s)\n", p->test, p->entry_point);
        prog = sbx_eval_harness_program(p->lang, head, tests ? tests : p->test, &p->wrap);
        if (prog && !strcmp(p->lang->name, "typescript"))
                return sbx_strdup_printf("%s%s", ts_nocheck, prog);
        return TAKE_PTR(prog);
}

static int mbxp_load(const char *path, const struct sbx_eval_dataset_args *args, const char *subset,
                     struct sbx_eval_problem_set *out, struct sbx_error **err)
{
        return sbx_eval_ml_load(&layout, path, subset, mbxp_record, mbxp_program, out, err);
}

const struct sbx_eval_benchmark sbx_eval_mbxp = {
    .name = "mbxp",
    .default_file = NULL,
    .default_timeout_ms = 30000,
    .subsets = mbxp_subsets,
    .load = mbxp_load,
    .prompt = sbx_eval_ml_prompt,
    .extract = sbx_eval_extract_first_fence,
    .program = mbxp_program,
};
