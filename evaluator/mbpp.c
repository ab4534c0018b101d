/* MBPP (google-research): the evaluation split is task ids 11-510, the few-shot examples are 2,
 * 3 and 4. Program: test_setup_code + "\n" + code + "\n" + each assert + "\n"; pass iff exit 0
 * with the completion proof (harness.h). */
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

#define MBPP_FIRST_TEST 11
#define MBPP_LAST_TEST  510

struct mbpp_load {
        const char *path;
        struct sbx_eval_problem_set all;
        struct sbx_error **err;
};

/* Sanitized MBPP has test_imports (a list) where the original has test_setup_code. */
static int mbpp_setup(const cJSON *j, const char *where, struct sbx_eval_problem *p,
                      struct sbx_error **err)
{
        char **imports = NULL;
        struct sbx_eval_buf b = {0};
        int r;

        if (cJSON_GetObjectItemCaseSensitive(j, "test_setup_code"))
                return sbx_eval_json_string(j, "test_setup_code", false, where, &p->setup, err);
        r = sbx_eval_json_strings(j, "test_imports", false, where, &imports, err);
        for (size_t i = 0; r == 0 && imports && imports[i]; i++)
                sbx_eval_buf_printf(&b, "%s%s", i ? "\n" : "", imports[i]);
        for (size_t i = 0; imports && imports[i]; i++)
                free(imports[i]);
        free(imports);
        if (r < 0)
                return r;
        p->setup = sbx_eval_buf_take(&b);
        return p->setup ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}

static int mbpp_record(void *ctx, const cJSON *j, const char *where)
{
        struct mbpp_load *l = ctx;
        struct sbx_eval_problem *p = sbx_eval_problem_set_push(&l->all, false);
        const char *text_key = cJSON_GetObjectItemCaseSensitive(j, "text") ? "text" : "prompt";
        int r;

        if (!p)
                return sbx_error_set(l->err, ENOMEM, "out of memory");
        p->check = SBX_EVAL_CHECK_EXIT;
        p->line = sbx_eval_where_line(where);
        if ((r = sbx_eval_json_string(j, "task_id", true, where, &p->task_id, l->err)) < 0 ||
            (r = sbx_eval_json_string(j, text_key, true, where, &p->prompt, l->err)) < 0 ||
            (r = sbx_eval_json_string(j, "code", false, where, &p->reference, l->err)) < 0 ||
            (r = sbx_eval_json_strings(j, "test_list", true, where, &p->asserts, l->err)) < 0 ||
            (r = mbpp_setup(j, where, p, l->err)) < 0)
                return r;
        return 0;
}

static int mbpp_array(struct mbpp_load *l, const char *text, size_t size)
{
        cJSON *arr = cJSON_ParseWithLength(text, size), *item;
        size_t i = 0;
        int r = 0;

        if (!cJSON_IsArray(arr)) {
                cJSON_Delete(arr);
                return sbx_error_set(l->err, EINVAL, "%s: not a JSON array of problems", l->path);
        }
        cJSON_ArrayForEach(item, arr)
        {
                _cleanup_free_ char *where = sbx_strdup_printf("%s: item %zu", l->path, ++i);
                if (!where)
                        r = sbx_error_set(l->err, ENOMEM, "out of memory");
                if (r == 0)
                        r = mbpp_record(l, item, where);
                if (r < 0)
                        break;
        }
        cJSON_Delete(arr);
        return r;
}

static uint64_t task_number(const struct sbx_eval_problem *p)
{
        uint64_t id = 0;

        return sbx_parse_u64(p->task_id, &id) == 0 ? id : 0;
}

/* Move the evaluation split into out->items and the shots into out->shots; when a file has no
 * problem in the split (a custom file), every problem is evaluated. */
static int mbpp_partition(struct mbpp_load *l, struct sbx_eval_problem_set *out)
{
        bool has_split = false;

        for (size_t i = 0; i < l->all.n; i++) {
                uint64_t id = task_number(&l->all.items[i]);
                has_split |= id >= MBPP_FIRST_TEST && id <= MBPP_LAST_TEST;
        }
        for (size_t i = 0; i < l->all.n; i++) {
                struct sbx_eval_problem *src = &l->all.items[i], *dst = NULL;
                uint64_t id = task_number(src);
                if (!has_split || (id >= MBPP_FIRST_TEST && id <= MBPP_LAST_TEST))
                        dst = sbx_eval_problem_set_push(out, false);
                else if (id >= 2 && id <= 4)
                        dst = sbx_eval_problem_set_push(out, true);
                else {
                        sbx_eval_problem_release(src);
                        continue;
                }
                if (!dst) {
                        for (size_t j = i; j < l->all.n; j++)
                                sbx_eval_problem_release(&l->all.items[j]);
                        l->all.n = 0;
                        return sbx_error_set(l->err, ENOMEM, "out of memory");
                }
                *dst = *src;
        }
        l->all.n = 0;
        return 0;
}

static int mbpp_load(const char *path, const struct sbx_eval_dataset_args *args, const char *subset,
                     struct sbx_eval_problem_set *out, struct sbx_error **err)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0, i = 0;
        struct mbpp_load l = {.path = path, .err = err};
        int r = sbx_eval_read_dataset_file(path, &text, &size, err);

        if (r < 0)
                return r;
        while (i < size && strchr(" \t\r\n", text[i]))
                i++;
        r = i < size && text[i] == '['
                ? mbpp_array(&l, text, size)
                : sbx_eval_jsonl_objects(text, size, path, mbpp_record, &l, err);
        if (r == 0)
                r = mbpp_partition(&l, out);
        sbx_eval_problem_set_release(&l.all);
        return r;
}

static void mbpp_question(struct sbx_eval_buf *b, const struct sbx_eval_problem *p)
{
        sbx_eval_buf_printf(b, "%s Your code should pass these tests:\n\n", p->prompt);
        for (size_t i = 0; p->asserts && p->asserts[i]; i++)
                sbx_eval_buf_printf(b, "%s%s", i ? "\n" : "", p->asserts[i]);
}

#define MBPP_INTRO "You are an expert Python programmer, and here is your task: "

/* The MBPP paper's 3-shot format: each example ends in [BEGIN] code [DONE]; the model is
 * expected to continue the last [BEGIN]. */
static char *mbpp_prompt(const struct sbx_eval_problem_set *set, const struct sbx_eval_problem *p,
                         const struct sbx_eval_dataset_args *args)
{
        struct sbx_eval_buf b = {0};
        size_t shots = args->few_shot_num >= 0 ? (size_t)args->few_shot_num : 3;

        if (args->prompt_template) {
                _cleanup_free_ char *q = NULL;
                mbpp_question(&b, p);
                q = sbx_eval_buf_take(&b);
                return q ? sbx_eval_fill_template(args->prompt_template, q) : NULL;
        }
        for (size_t i = 0; i < shots && i < set->n_shots; i++) {
                sbx_eval_buf_puts(&b, MBPP_INTRO);
                mbpp_question(&b, &set->shots[i]);
                sbx_eval_buf_printf(&b, "\n[BEGIN]\n%s\n[DONE]\n\n",
                                    set->shots[i].reference ? set->shots[i].reference : "");
        }
        sbx_eval_buf_puts(&b, MBPP_INTRO);
        mbpp_question(&b, p);
        sbx_eval_buf_puts(&b, "\n[BEGIN]\n");
        return sbx_eval_buf_take(&b);
}

static char *mbpp_program(const struct sbx_eval_problem *p, const char *code)
{
        struct sbx_eval_buf b = {0};

        sbx_eval_buf_puts(&b, sbx_eval_python_proof_prologue);
        sbx_eval_buf_printf(&b, "%s\n%s\n", p->setup ? p->setup : "", code);
        for (size_t i = 0; p->asserts && p->asserts[i]; i++)
                sbx_eval_buf_printf(&b, "%s\n", p->asserts[i]);
        sbx_eval_buf_puts(&b, SBX_EVAL_PYTHON_PROOF_EMIT);
        return sbx_eval_buf_take(&b);
}

const struct sbx_eval_benchmark sbx_eval_mbpp = {
    .name = "mbpp",
    .default_file = "mbpp/mbpp.jsonl",
    .default_timeout_ms = 20000,
    .load = mbpp_load,
    .prompt = mbpp_prompt,
    .extract = sbx_eval_extract_mbpp,
    .program = mbpp_program,
};
