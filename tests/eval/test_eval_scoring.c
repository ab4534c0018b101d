/* pass@k against hand-computed values, the scores of a dataset, the table and the report. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evaluator/passk.h"
#include "evaluator/progress.h"
#include "evaluator/report.h"

#define assert_close(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_pass_at_k_values(void **state)
{
        assert_close(sbx_eval_pass_at_k(5, 0, 1), 0.0);
        assert_close(sbx_eval_pass_at_k(5, 5, 1), 1.0);
        assert_close(sbx_eval_pass_at_k(1, 1, 1), 1.0);
        assert_close(sbx_eval_pass_at_k(5, 2, 1), 0.4);
        /* 1 - C(3,2)/C(5,2) = 1 - 3/10 */
        assert_close(sbx_eval_pass_at_k(5, 2, 2), 0.7);
        /* n - c < k: every draw of k holds a correct sample */
        assert_close(sbx_eval_pass_at_k(5, 4, 2), 1.0);
        /* 1 - C(7,5)/C(10,5) = 1 - 21/252 */
        assert_close(sbx_eval_pass_at_k(10, 3, 5), 1.0 - 21.0 / 252.0);
        /* 1 - C(199,100)/C(200,100) = 1 - 100/200: binomials far past 2^64 */
        assert_close(sbx_eval_pass_at_k(200, 1, 100), 0.5);
        assert_close(sbx_eval_pass_at_k(1000, 500, 1), 0.5);
        /* 1 - C(190,10)/C(200,10), product form: prod_{i=191}^{200} (1 - 10/i) */
        double p = 1.0;
        for (int i = 191; i <= 200; i++)
                p *= 1.0 - 10.0 / i;
        assert_close(sbx_eval_pass_at_k(200, 10, 10), 1.0 - p);
}

static void test_pass_at_k_invalid(void **state)
{
        assert_true(sbx_eval_pass_at_k(3, 4, 1) < 0);
        assert_true(sbx_eval_pass_at_k(3, 1, 0) < 0);
        assert_true(sbx_eval_pass_at_k(3, 1, 4) < 0);
}

static void test_result_score(void **state)
{
        struct sbx_eval_dataset_result r = {0};
        const uint32_t n[] = {2, 2, 3}, c[] = {1, 2, 0};

        assert_int_equal(sbx_eval_result_score(&r, n, c, 3, 0), 0);
        assert_int_equal(r.n_problems, 3);
        assert_int_equal(r.n_samples, 7);
        assert_int_equal(r.max_k, 2); /* the fewest samples of a problem */
        assert_close(r.pass_at_k[0], (0.5 + 1.0 + 0.0) / 3);
        assert_close(r.pass_at_k[1], (1.0 + 1.0 + 0.0) / 3);
        assert_close(r.mean_acc, 3.0 / 7.0);
        assert_int_equal(sbx_eval_result_score(&r, n, c, 3, 1), 0);
        assert_int_equal(r.max_k, 1);
        sbx_eval_result_release(&r);
}

static void test_table(void **state)
{
        struct sbx_eval_dataset_result res = {.model = strdup("qwen-plus"),
                                              .dataset = strdup("humaneval"),
                                              .subset = strdup("default")};
        struct sbx_eval_summary s = {.results = &res, .n = 1};
        const uint32_t n[] = {1}, c[] = {1};
        char *t;

        assert_int_equal(sbx_eval_result_score(&res, n, c, 1, 0), 0);
        res.n_problems = 164;
        res.pass_at_k[0] = 0.88414634;
        t = sbx_eval_summary_table(&s);
        assert_string_equal(
            t, "+------------+--------------+-------------+-------------+-----+--------+\n"
               "| Model Name | Dataset Name | Metric Name | Subset Name | Num |  Score |\n"
               "+============+==============+=============+=============+=====+========+\n"
               "| qwen-plus  | humaneval    | pass@1      | default     | 164 | 0.8841 |\n"
               "+------------+--------------+-------------+-------------+-----+--------+\n");
        free(t);
        res.outcomes[SBX_EVAL_OK] = 160;
        res.outcomes[SBX_EVAL_WRONG_ANSWER] = 2;
        res.outcomes[SBX_EVAL_SANDBOX_ERROR] = 2;
        res.n_samples = 164;
        t = sbx_eval_summary_breakdown(&s);
        assert_non_null(
            strstr(t, "humaneval: 164 samples: OK 160, WRONG_ANSWER 2, TIME_LIMIT 0, "
                      "MEMORY_LIMIT 0, RUNTIME_ERROR 0, OUTPUT_LIMIT 0, SANDBOX_ERROR 2\n"));
        assert_non_null(strstr(t, "WARNING: humaneval: 2 SANDBOX_ERROR"));
        assert_int_equal(sbx_eval_summary_sandbox_errors(&s), 2);
        free(t);
        sbx_eval_result_release(&res);
}

static void test_progress_format(void **state)
{
        struct sbx_eval_progress p = {0};
        char line[256];

        sbx_eval_progress_start(&p, NULL, false, "Reviewing[humaneval]", 164);
        p.done = 41;
        sbx_eval_progress_format(&p, p.start_ms + 10000, line, sizeof(line));
        assert_string_equal(line, "Reviewing[humaneval]: 41/164 (25.0%), 4.1/s, ETA 0:30");
        p.done = 164;
        sbx_eval_progress_format(&p, p.start_ms + 65000, line, sizeof(line));
        assert_string_equal(line, "Reviewing[humaneval]: 164/164 (100.0%), 2.5/s, in 1:05");
        sbx_eval_progress_format(&p, p.start_ms, line, sizeof(line));
        assert_string_equal(line, "Reviewing[humaneval]: 164/164 (100.0%), in 0:00");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pass_at_k_values), cmocka_unit_test(test_pass_at_k_invalid),
            cmocka_unit_test(test_result_score),     cmocka_unit_test(test_table),
            cmocka_unit_test(test_progress_format),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
