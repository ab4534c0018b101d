/* HumanEval (openai/human-eval): 164 functions, judged by the exit status of
 * prompt + completion + "\n" + test + "\n" + "check(" + entry_point + ")", inside the
 * completion proof (harness.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/dataset_json.h"
#include "evaluator/extract.h"
#include "evaluator/harness.h"
#include "evaluator/strutil.h"
#include "util.h"

/* The instruction EvalScope (after OpenAI's simple-evals) puts before the prompt. */
#define HUMANEVAL_TEMPLATE                                                                         \
        "Read the following function signature and docstring, and fully implement the function "   \
        "described. Your response should only contain the code for this function.\n{question}"

struct he_load {
        const char *path;
        struct sbx_eval_problem_set *set;
        struct sbx_error **err;
};

static int he_record(void *ctx, const cJSON *j, const char *where)
{
        struct he_load *l = ctx;
        struct sbx_eval_problem *p = sbx_eval_problem_set_push(l->set, false);
        int r;

        if (!p)
                return sbx_error_set(l->err, ENOMEM, "out of memory");
        p->check = SBX_EVAL_CHECK_EXIT;
        p->line = sbx_eval_where_line(where);
        if ((r = sbx_eval_json_string(j, "task_id", true, where, &p->task_id, l->err)) < 0 ||
            (r = sbx_eval_json_string(j, "prompt", true, where, &p->prompt, l->err)) < 0 ||
            (r = sbx_eval_json_string(j, "entry_point", true, where, &p->entry_point, l->err)) <
                0 ||
            (r = sbx_eval_json_string(j, "test", true, where, &p->test, l->err)) < 0 ||
            (r = sbx_eval_json_string(j, "canonical_solution", false, where, &p->reference,
                                      l->err)) < 0)
                return r;
        return 0;
}

static int humaneval_load(const char *path, const struct sbx_eval_dataset_args *args,
                          const char *subset, struct sbx_eval_problem_set *out,
                          struct sbx_error **err)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        struct he_load l = {.path = path, .set = out, .err = err};
        int r = sbx_eval_read_dataset_file(path, &text, &size, err);

        if (r < 0)
                return r;
        return sbx_eval_jsonl_objects(text, size, path, he_record, &l, err);
}

static char *humaneval_prompt(const struct sbx_eval_problem_set *set,
                              const struct sbx_eval_problem *p,
                              const struct sbx_eval_dataset_args *args)
{
        return sbx_eval_fill_template(
            args->prompt_template ? args->prompt_template : HUMANEVAL_TEMPLATE, p->prompt);
}

static char *humaneval_program(const struct sbx_eval_problem *p, const char *code)
{
        struct sbx_eval_buf b = {0};

        sbx_eval_buf_puts(&b, sbx_eval_python_proof_prologue);
        sbx_eval_buf_puts(&b, p->prompt);
        sbx_eval_buf_puts(&b, code);
        sbx_eval_buf_puts(&b, "\n");
        sbx_eval_buf_puts(&b, p->test);
        sbx_eval_buf_puts(&b, "\n");
        sbx_eval_buf_printf(&b, "check(%s)\n", p->entry_point);
        sbx_eval_buf_puts(&b, SBX_EVAL_PYTHON_PROOF_EMIT);
        return sbx_eval_buf_take(&b);
}

const struct sbx_eval_benchmark sbx_eval_humaneval = {
    .name = "humaneval",
    .default_file = "humaneval/HumanEval.jsonl.gz",
    .default_timeout_ms = 4000,
    .load = humaneval_load,
    .prompt = humaneval_prompt,
    .extract = sbx_eval_extract_first_fence,
    .program = humaneval_program,
};
