/* MultiPL-E (nuprl/MultiPL-E): HumanEval and MBPP translated to many languages; records with
 * name, language, prompt, tests, stop_tokens. One language per subset, from local files
 * (local_path: a directory of one JSONL file per language, or one such file); no reference
 * solutions. The program is prompt + completion + "\n" + tests, as MultiPL-E builds it, inside
 * the completion proof, with MultiPL-E's run rules: Java with assertions on and javatuples on
 * the class path, C# compiled with DEBUG (Debug.Assert reports on stderr), Racket's rackunit
 * and Scala failing on any stderr.
 *
 * multiple_humaneval and multiple_mbpp are EvalScope's names (subsets such as humaneval-cpp);
 * multiple takes either kind. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/dataset_json.h"
#include "evaluator/extract.h"
#include "evaluator/multilang.h"
#include "evaluator/strutil.h"
#include "util.h"

/* The language of a MultiPL-E file whose problems come from `origin` ("HumanEval_", "mbpp_";
 * NULL: either). */
static const char *record_lang(const cJSON *first, const char *origin)
{
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(first, "language");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(first, "name");

        if (!cJSON_IsString(l) || !cJSON_IsString(name))
                return NULL;
        if (origin && strncasecmp(name->valuestring, origin, strlen(origin)))
                return NULL;
        return l->valuestring;
}

static const char *any_lang(const cJSON *first, char *buf, size_t size)
{
        return record_lang(first, NULL);
}

static const char *humaneval_lang(const cJSON *first, char *buf, size_t size)
{
        return record_lang(first, "HumanEval_");
}

static const char *mbpp_lang(const cJSON *first, char *buf, size_t size)
{
        return record_lang(first, "mbpp_");
}

static const struct sbx_eval_ml_layout layouts[] = {
    {"multiple", any_lang},
    {"multiple_humaneval", humaneval_lang},
    {"multiple_mbpp", mbpp_lang},
};

/* MultiPL-E's run rules, per language. */
static void run_rules(struct sbx_eval_problem *p)
{
        const char *name = p->lang->name;

        p->wrap.java_assertions = p->wrap.java_tuples = !strcmp(name, "java");
        p->wrap.csharp_debug = !strcmp(name, "csharp");
        p->quiet_stderr = !strcmp(name, "racket") || !strcmp(name, "scala");
}

static int multiple_record(struct sbx_eval_problem *p, const cJSON *j, const char *where,
                           struct sbx_error **err)
{
        const char *id_key = cJSON_GetObjectItemCaseSensitive(j, "name") ? "name" : "task_id";
        int r;

        run_rules(p);
        if ((r = sbx_eval_json_string(j, id_key, true, where, &p->task_id, err)) < 0 ||
            (r = sbx_eval_json_string(j, "prompt", true, where, &p->prompt, err)) < 0 ||
            (r = sbx_eval_json_string(j, "tests", true, where, &p->test, err)) < 0 ||
            (r = sbx_eval_json_string(j, "canonical_solution", false, where, &p->reference, err)) <
                0)
                return r;
        return 0;
}

static char *multiple_program(const struct sbx_eval_problem *p, const char *code)
{
        _cleanup_free_ char *head = sbx_eval_ml_head(p, code);
        _cleanup_free_ char *tests = sbx_strdup_printf("\n%s", p->test);

        if (!head || !tests)
                return NULL;
        return sbx_eval_harness_program(p->lang, head, tests, &p->wrap);
}

static const struct sbx_eval_ml_layout *layout_of(const char *bench)
{
        for (size_t i = 0; i < ELEMENTSOF(layouts); i++)
                if (!strcmp(layouts[i].bench, bench))
                        return &layouts[i];
        return &layouts[0];
}

#define MULTIPLE_BENCHMARK(var, bench_name)                                                        \
        static int var##_subsets(const char *path, const struct sbx_eval_dataset_args *args,       \
                                 char ***out, struct sbx_error **err)                              \
        {                                                                                          \
                return sbx_eval_ml_subsets(layout_of(bench_name), path, args, out, err);           \
        }                                                                                          \
        static int var##_load(const char *path, const struct sbx_eval_dataset_args *args,          \
                              const char *subset, struct sbx_eval_problem_set *out,                \
                              struct sbx_error **err)                                              \
        {                                                                                          \
                return sbx_eval_ml_load(layout_of(bench_name), path, subset, multiple_record,      \
                                        multiple_program, out, err);                               \
        }                                                                                          \
        const struct sbx_eval_benchmark var = {                                                    \
            .name = bench_name,                                                                    \
            .default_file = NULL,                                                                  \
            .default_timeout_ms = 30000,                                                           \
            .subsets = var##_subsets,                                                              \
            .load = var##_load,                                                                    \
            .prompt = sbx_eval_ml_prompt,                                                          \
            .extract = sbx_eval_extract_first_fence,                                               \
            .program = multiple_program,                                                           \
        }

MULTIPLE_BENCHMARK(sbx_eval_multiple, "multiple");
MULTIPLE_BENCHMARK(sbx_eval_multiple_humaneval, "multiple_humaneval");
MULTIPLE_BENCHMARK(sbx_eval_multiple_mbpp, "multiple_mbpp");
