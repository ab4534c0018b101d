/* LiveCodeBench code generation (live_code_bench): JSONL with question_content, starter_code,
 * public/private test cases as JSON strings of {input, output, testtype} and metadata with
 * func_name. stdin problems get each input on stdin; functional ones run under a harness that
 * calls Solution().<func_name>(*args) (or the plain function) and prints the result as JSON.
 * Private tests as released, base64(zlib(pickle(str))), are decoded without an unpickler
 * (pickle.h); local_path may be a release directory, whose versions subset_list selects
 * (lcb_release.h), and extra_params.start_date/end_date select by contest date. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/dataset_json.h"
#include "evaluator/extract.h"
#include "evaluator/harness.h"
#include "evaluator/lcb_release.h"
#include "evaluator/pickle.h"
#include "evaluator/strutil.h"
#include "util.h"

struct lcb_load {
        const char *path;
        const struct sbx_eval_dataset_args *args;
        struct sbx_eval_problem_set *set;
        size_t filtered; /* outside the date window */
        struct sbx_error **err;
};

/* A test list: a JSON string holding a JSON array, the array itself, or (as released) base64
 * of zlib of a pickled string holding the array: decoded by a decoder that accepts a single
 * string and nothing else. */
static int lcb_tests_json(const cJSON *field, const char *key, const char *where, const char *id,
                          cJSON **out, struct sbx_error **err)
{
        _cleanup_free_ char *decoded = NULL;
        const char *s, *why = NULL;
        size_t n = 0;

        *out = NULL;
        if (!field || cJSON_IsNull(field))
                return 0;
        if (cJSON_IsArray(field)) {
                *out = cJSON_Duplicate(field, true);
                return *out ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
        }
        if (!cJSON_IsString(field))
                return sbx_error_set(err, EINVAL,
                                     "%s: problem %s: %s is neither a list nor a string", where, id,
                                     key);
        for (s = field->valuestring; isspace((unsigned char)*s); s++)
                ;
        if (*s != '[') {
                int r = sbx_eval_lcb_private_tests(s, strlen(s), &decoded, &n, &why);
                if (r == -ENOMEM)
                        return sbx_error_set(err, ENOMEM, "out of memory");
                if (r < 0)
                        return sbx_error_set(err, EINVAL,
                                             "%s: problem %s: %s is neither JSON nor "
                                             "base64(zlib(pickle(str))): %s: refused",
                                             where, id, key, why ? why : "unreadable");
                s = decoded;
        }
        *out = cJSON_Parse(s);
        if (!cJSON_IsArray(*out)) {
                cJSON_Delete(*out);
                *out = NULL;
                return sbx_error_set(err, EINVAL, "%s: problem %s: %s is not a JSON list", where,
                                     id, key);
        }
        return 0;
}

static int lcb_add_tests(struct sbx_eval_problem *p, const cJSON *tests, const char *where,
                         struct sbx_error **err)
{
        const cJSON *t;
        size_t n = p->n_tests + (size_t)cJSON_GetArraySize(tests);
        struct sbx_eval_test *all = realloc(p->tests, (n ? n : 1) * sizeof(*all));

        if (!all)
                return sbx_error_set(err, ENOMEM, "out of memory");
        p->tests = all;
        cJSON_ArrayForEach(t, tests)
        {
                _cleanup_free_ char *type = NULL;
                struct sbx_eval_test *dst = &p->tests[p->n_tests];
                int r;
                *dst = (struct sbx_eval_test){0};
                if ((r = sbx_eval_json_string(t, "input", true, where, &dst->input, err)) < 0 ||
                    (r = sbx_eval_json_string(t, "output", true, where, &dst->output, err)) < 0 ||
                    (r = sbx_eval_json_string(t, "testtype", false, where, &type, err)) < 0) {
                        free(dst->input);
                        free(dst->output);
                        return r;
                }
                p->n_tests++;
                if (type && !strcmp(type, "functional"))
                        p->check = SBX_EVAL_CHECK_FUNCTIONAL;
                else if (type && strcmp(type, "stdin"))
                        return sbx_error_set(err, EINVAL, "%s: unknown testtype '%.32s'", where,
                                             type);
        }
        return 0;
}

static int lcb_func_name(const cJSON *j, const char *where, struct sbx_eval_problem *p,
                         struct sbx_error **err)
{
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "metadata");
        cJSON *parsed = NULL;
        int r;

        if (cJSON_IsString(meta))
                meta = parsed = cJSON_Parse(meta->valuestring);
        r = cJSON_IsObject(meta)
                ? sbx_eval_json_string(meta, "func_name", false, where, &p->entry_point, err)
                : 0;
        cJSON_Delete(parsed);
        if (r < 0)
                return r;
        if (p->check == SBX_EVAL_CHECK_FUNCTIONAL && !sbx_eval_is_identifier(p->entry_point))
                return sbx_error_set(err, EINVAL,
                                     "%s: functional problem without a valid metadata.func_name",
                                     where);
        return 0;
}

/* Inside extra_params' start_date..end_date? Then 1; outside 0. */
static int lcb_in_window(struct lcb_load *l, const cJSON *j, const char *where, const char *id)
{
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(j, "contest_date");
        bool in = true;

        if (sbx_eval_lcb_in_window(cJSON_IsString(date) ? date->valuestring : NULL, l->args, &in) <
            0)
                return sbx_error_set(l->err, EINVAL,
                                     "%s: problem %s: start_date/end_date need a contest_date "
                                     "such as \"2023-08-21T00:00:00\", this one has %s",
                                     where, id, cJSON_IsString(date) ? date->valuestring : "none");
        return in;
}

static int lcb_record(void *ctx, const cJSON *j, const char *where)
{
        struct lcb_load *l = ctx;
        static const char *const test_keys[] = {"public_test_cases", "private_test_cases"};
        const char *id_key =
            cJSON_GetObjectItemCaseSensitive(j, "question_id") ? "question_id" : "task_id";
        _cleanup_free_ char *id = NULL;
        struct sbx_eval_problem *p;
        int r;

        if ((r = sbx_eval_json_string(j, id_key, true, where, &id, l->err)) < 0 ||
            (r = lcb_in_window(l, j, where, id)) < 0)
                return r;
        if (r == 0) {
                l->filtered++;
                return 0;
        }
        if (!(p = sbx_eval_problem_set_push(l->set, false)))
                return sbx_error_set(l->err, ENOMEM, "out of memory");
        p->task_id = TAKE_PTR(id);
        p->line = sbx_eval_where_line(where);
        p->check = SBX_EVAL_CHECK_STDIN;
        if ((r = sbx_eval_json_string(j, "question_content", true, where, &p->prompt, l->err)) <
                0 ||
            (r = sbx_eval_json_string(j, "starter_code", false, where, &p->starter_code, l->err)) <
                0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(test_keys); i++) {
                cJSON *tests = NULL;
                r = lcb_tests_json(cJSON_GetObjectItemCaseSensitive(j, test_keys[i]), test_keys[i],
                                   where, p->task_id, &tests, l->err);
                if (r == 0 && tests)
                        r = lcb_add_tests(p, tests, where, l->err);
                cJSON_Delete(tests);
                if (r < 0)
                        return r;
        }
        if (p->n_tests == 0)
                return sbx_error_set(l->err, EINVAL, "%s: problem %s has no test cases", where,
                                     p->task_id);
        return lcb_func_name(j, where, p, l->err);
}

static int lcb_load_file(struct lcb_load *l, const char *path)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r = sbx_eval_read_dataset_file(path, &text, &size, l->err);

        l->path = path;
        return r < 0 ? r : sbx_eval_jsonl_objects(text, size, path, lcb_record, l, l->err);
}

/* A JSONL file, or a release directory whose files the subset (a version) selects. */
static int lcb_load(const char *path, const struct sbx_eval_dataset_args *args, const char *subset,
                    struct sbx_eval_problem_set *out, struct sbx_error **err)
{
        struct lcb_load l = {.args = args, .set = out, .err = err};
        struct stat st;
        char **files = NULL;
        int r = 0;

        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                r = sbx_eval_lcb_files(path, subset, &files, err);
        else
                r = lcb_load_file(&l, path);
        for (size_t i = 0; r == 0 && files && files[i]; i++)
                r = lcb_load_file(&l, files[i]);
        for (size_t i = 0; files && files[i]; i++)
                free(files[i]);
        free(files);
        if (r == 0 && !(out->label = sbx_eval_lcb_label(subset, args)))
                r = sbx_error_set(err, ENOMEM, "out of memory");
        return r;
}

#define LCB_INTRO                                                                                  \
        "You will be given a question (problem specification) and will generate a correct Python " \
        "program that matches the specification and passes all tests.\n\n### Question:\n"
#define LCB_STDIN_FORMAT                                                                           \
        "### Format: Read the inputs from stdin, solve the problem and write the answer to "       \
        "stdout (do not directly test on the sample inputs). Enclose your code within delimiters " \
        "as follows.\n```python\n# YOUR CODE HERE\n```\n\n"
#define LCB_ANSWER "### Answer: (use the provided format with backticks)\n\n"

static char *lcb_prompt(const struct sbx_eval_problem_set *set, const struct sbx_eval_problem *p,
                        const struct sbx_eval_dataset_args *args)
{
        struct sbx_eval_buf b = {0};

        if (args->prompt_template)
                return sbx_eval_fill_template(args->prompt_template, p->prompt);
        sbx_eval_buf_printf(&b, "%s%s\n\n", LCB_INTRO, p->prompt);
        if (p->starter_code && *p->starter_code)
                sbx_eval_buf_printf(&b,
                                    "### Format: You will use the following starter code to write "
                                    "the solution to the problem and enclose your code within "
                                    "delimiters.\n```python\n%s\n```\n\n",
                                    p->starter_code);
        else
                sbx_eval_buf_puts(&b, LCB_STDIN_FORMAT);
        sbx_eval_buf_puts(&b, LCB_ANSWER);
        return sbx_eval_buf_take(&b);
}

/* The names LeetCode-style solutions use without importing them. */
#define LCB_FUNCTIONAL_HEADER                                                                      \
        "from typing import *\nfrom collections import *\nfrom itertools import *\n"               \
        "from functools import *\nfrom heapq import *\nfrom bisect import *\nfrom math import *\n" \
        "import collections, itertools, functools, heapq, bisect, math, string, re, sys\n\n"

/* Reads one JSON value per non-empty stdin line as the arguments. */
#define LCB_HARNESS                                                                                \
        "\n\ndef _sbx_main():\n"                                                                   \
        "    import json as _sbx_json\n"                                                           \
        "    import sys as _sbx_sys\n"                                                             \
        "    _args = [_sbx_json.loads(_l) for _l in _sbx_sys.stdin.read().split(\"\\n\") if "      \
        "_l.strip()]\n"                                                                            \
        "    if \"Solution\" in globals():\n"                                                      \
        "        _fn = getattr(Solution(), \"%s\")\n"                                              \
        "    else:\n"                                                                              \
        "        _fn = globals()[\"%s\"]\n"                                                        \
        "    _sbx_proof(_sbx_json.dumps(_fn(*_args)))\n\n\n"                                       \
        "_sbx_main()\n"

static char *lcb_program(const struct sbx_eval_problem *p, const char *code)
{
        struct sbx_eval_buf b = {0};

        if (p->check != SBX_EVAL_CHECK_FUNCTIONAL)
                return strdup(code);
        sbx_eval_buf_puts(&b, sbx_eval_python_proof_prologue);
        sbx_eval_buf_puts(&b, LCB_FUNCTIONAL_HEADER);
        sbx_eval_buf_puts(&b, code);
        sbx_eval_buf_printf(&b, LCB_HARNESS, p->entry_point, p->entry_point);
        return sbx_eval_buf_take(&b);
}

const struct sbx_eval_benchmark sbx_eval_livecodebench = {
    .name = "live_code_bench",
    .default_file = NULL,
    .default_timeout_ms = 6000,
    .subsets = sbx_eval_lcb_subsets,
    .load = lcb_load,
    .prompt = lcb_prompt,
    .extract = sbx_eval_extract_last_fence,
    .program = lcb_program,
};
