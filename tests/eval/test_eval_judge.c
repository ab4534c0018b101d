/* Judging: the stdin compare (trailing spaces, float formats, line counts), the functional
 * JSON compare, and how sandbox verdicts become outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evaluator/judge.h"

#define TOL 1e-6

static bool eq(const char *got, const char *want)
{
        return sbx_eval_output_equal(got, strlen(got), want, TOL);
}

static bool jeq(const char *got, const char *want)
{
        return sbx_eval_json_output_equal(got, strlen(got), want, TOL);
}

static void test_whitespace(void **state)
{
        assert_true(eq("3\n", "3"));
        assert_true(eq("1 2 3   \n4 5\n\n\n", "1 2 3\n4 5"));
        assert_true(eq("  1 2\r\n3\r\n", "1 2\n3\n"));
        assert_true(eq("a  b", "a b")); /* tokens, not spacing */
        assert_true(eq("", ""));
        assert_true(eq("\n\n", ""));
        assert_false(eq("", "0"));
        assert_false(eq("YES", "yes"));
}

static void test_line_counts(void **state)
{
        assert_false(eq("1\n2\n", "1"));
        assert_false(eq("1", "1\n2"));
        assert_false(eq("1\n\n2", "1\n2")); /* an empty line in the middle counts */
        assert_false(eq("1 2", "1\n2"));
        assert_false(eq("1 2 3", "1 2"));
}

static void test_numbers(void **state)
{
        assert_true(eq("0.5", "0.500000"));
        assert_true(eq("1e3", "1000"));
        assert_true(eq("3.0000001", "3"));         /* within 1e-6 relative/absolute */
        assert_true(eq("1000000.5", "1000000.0")); /* relative: 5e-7 */
        assert_false(eq("3.00001", "3"));
        assert_false(eq("0.001", "0.002"));
        assert_true(eq("-0.0000001", "0")); /* absolute tolerance near zero */
        assert_true(eq("007", "7"));        /* integers compare as numbers */
        assert_true(eq("-0", "0"));
        /* big integers exactly: no rounding through double */
        assert_false(eq("12345678901234567", "12345678901234568"));
        assert_true(eq("12345678901234567890", "12345678901234567890"));
        assert_false(eq("nan", "nan0"));
        assert_false(eq("1.5abc", "1.5"));
        assert_true(sbx_eval_output_equal("3.01", 4, "3", 0.01));
}

static void test_json(void **state)
{
        assert_true(jeq("[1, 2, 3]\n", "[1,2,3]"));
        assert_true(jeq("3.0", "3"));
        assert_true(jeq("0.30000000000000004", "0.3"));
        assert_true(jeq("true", "true"));
        assert_false(jeq("true", "1"));
        assert_false(jeq("[1, 2]", "[2, 1]"));
        assert_false(jeq("[1, 2]", "[1, 2, 3]"));
        assert_true(jeq("{\"a\": [1, \"x\"]}", "{\"a\":[1,\"x\"]}"));
        assert_false(jeq("\"1\"", "1"));
        assert_true(jeq("null", "null"));
        /* not JSON on one side: the text compare */
        assert_true(jeq("Infinity", "Infinity"));
}

static struct sbx_result result(enum sbx_verdict v, const char *out, const char *err)
{
        return (struct sbx_result){
            .verdict = v,
            .exit_code = v == SBX_VERDICT_OK ? 0 : 1,
            .out = {.data = (char *)out, .size = out ? strlen(out) : 0},
            .err = {.data = (char *)err, .size = err ? strlen(err) : 0},
        };
}

static void test_verdicts(void **state)
{
        struct sbx_result r = result(SBX_VERDICT_OK, "", "");

        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_EXIT, &r, NULL, 0), SBX_EVAL_OK);
        r = result(SBX_VERDICT_RUNTIME_ERROR, "",
                   "Traceback (most recent call last):\n  File \"main.py\", line 9\n"
                   "AssertionError: bad\n");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_EXIT, &r, NULL, 0), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_RUNTIME_ERROR, "", "Traceback ...\nAssertionError\n");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_EXIT, &r, NULL, 0), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_RUNTIME_ERROR, "", "Traceback ...\nNameError: name 'x'\n");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_EXIT, &r, NULL, 0), SBX_EVAL_RUNTIME_ERROR);
        r = result(SBX_VERDICT_SIGNALED, "", "");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_EXIT, &r, NULL, 0), SBX_EVAL_RUNTIME_ERROR);
        r = result(SBX_VERDICT_TIME_LIMIT, "", "");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_STDIN, &r, "1", 0), SBX_EVAL_TIME_LIMIT);
        r = result(SBX_VERDICT_MEMORY_LIMIT, "", "");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_EXIT, &r, NULL, 0), SBX_EVAL_MEMORY_LIMIT);
        r = result(SBX_VERDICT_POLICY_VIOLATION, "", "");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_EXIT, &r, NULL, 0),
                         SBX_EVAL_POLICY_VIOLATION);
        /* the sandbox failing is never the program's failure */
        r = result(SBX_VERDICT_SANDBOX_ERROR, "", "AssertionError");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_EXIT, &r, NULL, 0), SBX_EVAL_SANDBOX_ERROR);
}

static void test_stdin_and_functional(void **state)
{
        struct sbx_result r = result(SBX_VERDICT_OK, "2 3 \n", "");

        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_STDIN, &r, "2 3", 0), SBX_EVAL_OK);
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_STDIN, &r, "2 4", 0), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_OK, "[0, 1]\n", "");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_FUNCTIONAL, &r, "[0,1]", 0), SBX_EVAL_OK);
        r.out.truncated = true;
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_FUNCTIONAL, &r, "[0,1]", 0),
                         SBX_EVAL_OUTPUT_LIMIT);
        /* a runtime error in a stdin problem is not a wrong answer, even with an assert */
        r = result(SBX_VERDICT_RUNTIME_ERROR, "", "AssertionError\n");
        assert_int_equal(sbx_eval_judge(SBX_EVAL_CHECK_STDIN, &r, "1", 0), SBX_EVAL_RUNTIME_ERROR);
}

static void test_outcome_names(void **state)
{
        for (int i = 0; i < _SBX_EVAL_OUTCOME_MAX; i++)
                assert_int_equal(sbx_eval_outcome_from_string(sbx_eval_outcome_to_string(i)), i);
        assert_true(sbx_eval_outcome_from_string("PASSED") < 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_whitespace),    cmocka_unit_test(test_line_counts),
            cmocka_unit_test(test_numbers),       cmocka_unit_test(test_json),
            cmocka_unit_test(test_verdicts),      cmocka_unit_test(test_stdin_and_functional),
            cmocka_unit_test(test_outcome_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
