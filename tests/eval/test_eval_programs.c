/* The benchmarks: loading the bundled files and fixtures, the programs each one builds (fixed
 * strings), the prompts, and refusing pickled LiveCodeBench tests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/harness.h"
#include "util.h"

#define FIXTURES SBX_SOURCE_DIR "/tests/eval"

static const struct sbx_eval_dataset_args no_args = {.few_shot_num = -1};

static void test_humaneval_program(void **state)
{
        struct sbx_eval_problem p = {
            .prompt = (char *)"def f(x):\n",
            .entry_point = (char *)"f",
            .test = (char *)"def check(c):\n    assert c(1) == 1\n",
        };
        char *prog = sbx_eval_humaneval.program(&p, "    return x\n");
        char *want = sbx_strdup_printf("%sdef f(x):\n    return x\n\ndef check(c):\n    assert "
                                       "c(1) == 1\n\ncheck(f)\n_sbx_proof()\n",
                                       sbx_eval_python_proof_prologue);

        /* the tests between the completion proof's prologue and its last line */
        assert_string_equal(prog, want);
        free(prog);
        free(want);
}

static void test_mbpp_program(void **state)
{
        char *asserts[] = {(char *)"assert f() == 1", (char *)"assert f() != 2", NULL};
        struct sbx_eval_problem p = {.setup = (char *)"import math", .asserts = asserts};
        char *prog = sbx_eval_mbpp.program(&p, "def f(): return 1");
        size_t pro = strlen(sbx_eval_python_proof_prologue);

        assert_true(!strncmp(prog, sbx_eval_python_proof_prologue, pro));
        assert_string_equal(prog + pro, "import math\ndef f(): return 1\nassert f() == 1\nassert "
                                        "f() != 2\n_sbx_proof()\n");
        free(prog);
        p.setup = (char *)"";
        prog = sbx_eval_mbpp.program(&p, "x");
        assert_string_equal(prog + pro, "\nx\nassert f() == 1\nassert f() != 2\n_sbx_proof()\n");
        free(prog);
}

static void test_bundled_humaneval(void **state)
{
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;
        char *prog, *want, *prompt;

        assert_int_equal(sbx_eval_dataset_load(&sbx_eval_humaneval, &no_args, NULL, &set, &err), 0);
        assert_int_equal(set.n, 164);
        assert_string_equal(set.items[0].task_id, "HumanEval/0");
        assert_string_equal(set.items[163].task_id, "HumanEval/163");
        assert_string_equal(set.items[0].entry_point, "has_close_elements");
        prog = sbx_eval_humaneval.program(&set.items[0], set.items[0].reference);
        want = sbx_strdup_printf("%s%s%s\n%s\ncheck(has_close_elements)\n_sbx_proof()\n",
                                 sbx_eval_python_proof_prologue, set.items[0].prompt,
                                 set.items[0].reference, set.items[0].test);
        assert_string_equal(prog, want);
        prompt = sbx_eval_humaneval.prompt(&set, &set.items[0], &no_args);
        const char *intro = "Read the following function signature and docstring";
        assert_true(!strncmp(prompt, intro, strlen(intro)));
        assert_non_null(strstr(prompt, "\nfrom typing import List\n"));
        free(prog);
        free(want);
        free(prompt);
        sbx_eval_problem_set_release(&set);
}

static void test_bundled_mbpp(void **state)
{
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;
        char *prompt;

        assert_int_equal(sbx_eval_dataset_load(&sbx_eval_mbpp, &no_args, NULL, &set, &err), 0);
        assert_int_equal(set.n, 500);
        assert_string_equal(set.items[0].task_id, "11");
        assert_string_equal(set.items[499].task_id, "510");
        assert_int_equal(set.n_shots, 3);
        assert_string_equal(set.shots[0].task_id, "2");
        assert_string_equal(set.shots[2].task_id, "4");
        assert_non_null(set.items[0].asserts[2]);
        assert_null(set.items[0].asserts[3]);
        prompt = sbx_eval_mbpp.prompt(&set, &set.items[0], &no_args);
        /* three examples, each closed by [DONE], then the task left open at [BEGIN] */
        const char *p = prompt;
        int done = 0;
        while ((p = strstr(p, "[DONE]")))
                done++, p++;
        assert_int_equal(done, 3);
        assert_true(strlen(prompt) > 9 && !strcmp(prompt + strlen(prompt) - 9, "\n[BEGIN]\n"));
        assert_non_null(strstr(prompt, "Your code should pass these tests:\n\nassert "));
        free(prompt);
        struct sbx_eval_dataset_args zero = {.few_shot_num = 0};
        prompt = sbx_eval_mbpp.prompt(&set, &set.items[0], &zero);
        assert_null(strstr(prompt, "[DONE]"));
        free(prompt);
        sbx_eval_problem_set_release(&set);
}

static void test_livecodebench(void **state)
{
        struct sbx_eval_dataset_args args = {.few_shot_num = -1,
                                             .local_path = (char *)FIXTURES "/lcb_sample.jsonl"};
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;
        char *prog, *prompt;

        assert_int_equal(
            sbx_eval_dataset_load(&sbx_eval_livecodebench, &args, "default", &set, &err), 0);
        assert_int_equal(set.n, 2);
        assert_string_equal(set.items[0].task_id, "abc000_a");
        assert_int_equal(set.items[0].check, SBX_EVAL_CHECK_STDIN);
        assert_int_equal(set.items[0].n_tests, 2); /* public, then private */
        assert_string_equal(set.items[0].tests[1].input, "10 -4\n");
        assert_int_equal(set.items[1].check, SBX_EVAL_CHECK_FUNCTIONAL);
        assert_string_equal(set.items[1].entry_point, "twoSum");
        prog = sbx_eval_livecodebench.program(&set.items[0], "print(1)");
        assert_string_equal(prog, "print(1)"); /* input goes to stdin, not into the code */
        free(prog);
        prog = sbx_eval_livecodebench.program(&set.items[1], "class Solution: pass");
        assert_true(
            !strncmp(prog, sbx_eval_python_proof_prologue, strlen(sbx_eval_python_proof_prologue)));
        assert_non_null(strstr(prog, "\nfrom typing import *\n"));
        assert_non_null(strstr(prog, "_sbx_proof(_sbx_json.dumps("));
        assert_non_null(strstr(prog, "\nclass Solution: pass\n"));
        assert_non_null(strstr(prog, "getattr(Solution(), \"twoSum\")"));
        assert_non_null(strstr(prog, "globals()[\"twoSum\"]"));
        assert_true(!strcmp(prog + strlen(prog) - 12, "_sbx_main()\n"));
        free(prog);
        prompt = sbx_eval_livecodebench.prompt(&set, &set.items[1], &no_args);
        assert_non_null(strstr(prompt, "class Solution:\n    def twoSum"));
        free(prompt);
        sbx_eval_problem_set_release(&set);
}

static void test_livecodebench_pickled(void **state)
{
        struct sbx_eval_dataset_args args = {.few_shot_num = -1,
                                             .local_path = (char *)FIXTURES "/lcb_pickled.jsonl"};
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;

        /* private tests as released: base64(zlib(pickle(str))) */
        assert_int_equal(
            sbx_eval_dataset_load(&sbx_eval_livecodebench, &args, "default", &set, &err), 0);
        assert_int_equal(set.n, 1);
        assert_int_equal(set.items[0].n_tests, 3);
        assert_string_equal(set.items[0].tests[2].input, "10 -4\n");
        assert_string_equal(set.items[0].tests[2].output, "6\n");
        sbx_eval_problem_set_release(&set);
        /* no bundled file: local_path is required */
        assert_true(
            sbx_eval_dataset_load(&sbx_eval_livecodebench, &no_args, "default", &set, &err) < 0);
        assert_non_null(strstr(err->message, "dataset_args.live_code_bench.local_path"));
        sbx_error_free(err);
}

static void test_bad_files(void **state)
{
        struct sbx_eval_dataset_args args = {.few_shot_num = -1,
                                             .local_path = (char *)FIXTURES "/nonexistent.jsonl"};
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_eval_dataset_load(&sbx_eval_humaneval, &args, NULL, &set, &err),
                         -ENOENT);
        assert_non_null(strstr(err->message, "nonexistent.jsonl"));
        sbx_error_free(err);
        err = NULL;
        args.local_path = (char *)FIXTURES "/lcb_sample.jsonl"; /* not HumanEval records */
        assert_int_equal(sbx_eval_dataset_load(&sbx_eval_humaneval, &args, NULL, &set, &err),
                         -EINVAL);
        assert_non_null(strstr(err->message, "lcb_sample.jsonl:1: missing field 'task_id'"));
        sbx_error_free(err);
}

/* A NUL in a string of a dataset (MBXP's problem 217 in Go, C#, TypeScript has one inside a
 * string literal): the language's escape stands for it; where no escape is known, an error. */
static void test_nul_in_dataset(void **state)
{
        static const char line[] =
            "{\"task_id\": \"MBTSP/217\", \"language\": \"typescript\", \"prompt\": \"function "
            "f(s: string): string {\\n\", \"entry_point\": \"f\", \"canonical_solution\": "
            "\"return \\\"\\\\u0000\\\";\\n}\\n\", \"test\": \"let x = \\\"\\u0000\\\" + "
            "\\\"a\\\\\\\\u0000\\u0000\\\";\\n\"}\n";
        char dir[] = "/tmp/sbx-eval-nul.XXXXXX", *file, *text;
        struct sbx_eval_dataset_args args = {.few_shot_num = -1, .local_path = dir};
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        file = sbx_strdup_printf("%s/mbtsp_release_v1.2.jsonl", dir);
        assert_non_null(f = fopen(file, "w"));
        fputs(line, f);
        fclose(f);
        assert_int_equal(sbx_eval_dataset_load(&sbx_eval_mbxp, &args, "typescript", &set, &err), 0);
        assert_int_equal(set.n, 1);
        /* escaped NULs only; an escaped backslash before "u0000" is text, kept */
        assert_string_equal(set.items[0].test, "let x = \"\\u0000\" + \"a\\\\u0000\\u0000\";\n");
        assert_string_equal(set.items[0].reference, "return \"\\u0000\";\n}\n");
        text = sbx_eval_mbxp.program(&set.items[0], set.items[0].reference);
        assert_non_null(strstr(text, "let x = \"\\u0000\""));
        free(text);
        sbx_eval_problem_set_release(&set);
        /* HumanEval's Python records: no language escape, an error naming the line and task */
        args.local_path = file;
        assert_int_equal(sbx_eval_dataset_load(&sbx_eval_humaneval, &args, NULL, &set, &err),
                         -EINVAL);
        assert_non_null(strstr(err->message, "mbtsp_release_v1.2.jsonl:1: task MBTSP/217: a "
                                             "string holds a NUL character"));
        sbx_error_free(err);
        unlink(file);
        rmdir(dir);
        free(file);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_humaneval_program), cmocka_unit_test(test_mbpp_program),
            cmocka_unit_test(test_bundled_humaneval), cmocka_unit_test(test_bundled_mbpp),
            cmocka_unit_test(test_livecodebench),     cmocka_unit_test(test_livecodebench_pickled),
            cmocka_unit_test(test_bad_files),         cmocka_unit_test(test_nul_in_dataset),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
