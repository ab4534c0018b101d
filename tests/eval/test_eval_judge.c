/* Judging: the stdin compare (exact integers at any size, floats within the tolerance only
 * where a float is expected, CRLF, trailing spaces, line counts), the functional JSON compare,
 * the completion proof, and how sandbox verdicts become outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evaluator/judge.h"

#define TOL SBX_EVAL_DEFAULT_TOLERANCE

static bool eq_tol(const char *got, const char *want, double tol)
{
        return sbx_eval_output_equal(got, strlen(got), want, tol);
}

static bool eq(const char *got, const char *want)
{
        return eq_tol(got, want, TOL);
}

static bool jeq_tol(const char *got, const char *want, double tol)
{
        return sbx_eval_json_output_equal(got, strlen(got), want, tol);
}

static bool jeq(const char *got, const char *want)
{
        return jeq_tol(got, want, TOL);
}

static void test_whitespace(void **state)
{
        assert_true(eq("3\n", "3"));
        assert_true(eq("1 2 3   \n4 5\n\n\n", "1 2 3\n4 5")); /* trailing spaces and lines */
        assert_true(eq("  1 2\r\n3\r\n", "1 2\n3\n"));        /* CRLF */
        assert_true(eq("1 2\n3", "1 2\r\n3\r\n"));            /* CRLF expected */
        assert_true(eq("YES \r\nNO\t\r\n", "YES\nNO"));
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

static void test_integers_exact(void **state)
{
        /* an integer answer is exact: no tolerance, no doubles */
        assert_false(eq("1000001", "1000000"));
        assert_false(eq("1000000.5", "1000000"));
        assert_false(eq("3.0000001", "3"));
        assert_false(eq("-0.0000001", "0"));
        /* 2^53 + 1 and 2^53 are the same double, not the same integer */
        assert_false(eq("9007199254740993", "9007199254740992"));
        assert_true(eq("9007199254740993", "9007199254740993"));
        assert_false(eq("12345678901234567", "12345678901234568"));
        assert_true(eq("123456789012345678901234567890", "123456789012345678901234567890"));
        assert_false(eq("123456789012345678901234567891", "123456789012345678901234567890"));
        assert_false(eq("-5", "5"));
        /* the same decimal value in another spelling is the same number (Python's Decimal) */
        assert_true(eq("007", "7"));
        assert_true(eq("+7", "7"));
        assert_true(eq("1e3", "1000"));
        assert_true(eq("1000.0", "1000"));
        assert_true(eq("1000000.000", "1000000"));
        /* negative zero */
        assert_true(eq("-0", "0"));
        assert_true(eq("0", "-0"));
        assert_true(eq("-0.0", "0"));
        assert_true(eq("0e5", "-0"));
        /* not numbers */
        assert_false(eq("nan", "nan0"));
        assert_false(eq("1.5abc", "1.5"));
        assert_false(eq("0x10", "16"));
        assert_false(eq("1_000", "1000"));
        assert_false(eq("1e", "1"));
}

static void test_floats(void **state)
{
        /* a float answer: within the tolerance, relative or absolute */
        assert_true(eq("0.5", "0.500000"));
        assert_true(eq("3.0000001", "3.0"));
        assert_true(eq("1000000.5", "1000000.0")); /* relative: 5e-7 */
        assert_true(eq("0.30000000000000004", "0.3"));
        assert_true(eq("-0.0000001", "0.0")); /* absolute near zero */
        assert_true(eq("3", "3.0000001"));    /* an integer printed where a float is due */
        assert_false(eq("3.00001", "3.0"));
        assert_false(eq("0.001", "0.002"));
        assert_true(eq("-0.0", "0.0"));
        assert_true(eq("2.5e-3", "0.0025"));
        assert_true(eq_tol("3.01", "3.0", 0.01));
        assert_false(eq_tol("3.02", "3.0", 0.001));
        /* tolerance 0: exact decimal value, as LiveCodeBench's Decimal compare */
        assert_true(eq_tol("0.50", "0.5", 0));
        assert_true(eq_tol("5e-1", "0.5", 0));
        assert_false(eq_tol("0.30000000000000004", "0.3", 0));
        assert_false(eq_tol("3.0000001", "3.0", 0));
        /* infinities */
        assert_true(eq("inf", "Infinity"));
        assert_false(eq("-inf", "inf"));
        assert_false(eq("1e308", "inf"));
        /* numbers as one API */
        assert_true(sbx_eval_number_equal("10", 2, "1e1", 3, 0));
        assert_false(sbx_eval_number_equal("10.1", 4, "10", 2, 0.5));
        assert_true(sbx_eval_number_equal("10.1", 4, "10.0", 4, 0.5));
}

static void test_json(void **state)
{
        assert_true(jeq("[1, 2, 3]\n", "[1,2,3]"));
        assert_true(jeq("3.0", "3")); /* 3.0 == 3 in Python */
        assert_true(jeq("0.30000000000000004", "0.3"));
        assert_false(jeq_tol("0.30000000000000004", "0.3", 0));
        assert_true(jeq("true", "true"));
        assert_true(jeq("true", "1")); /* True == 1 in Python */
        assert_true(jeq("0", "false"));
        assert_false(jeq("true", "2"));
        assert_false(jeq("[1, 2]", "[2, 1]"));
        assert_false(jeq("[1, 2]", "[1, 2, 3]"));
        assert_true(jeq("{\"a\": [1, \"x\"]}", "{\"a\":[1,\"x\"]}"));
        assert_false(jeq("\"1\"", "1"));
        assert_true(jeq("null", "null"));
        assert_true(jeq("\"caf\\u00e9\"", "\"café\""));
        assert_false(jeq("\"a\\\"b\"", "\"a\\\"c\""));
        /* integers exactly, at any size and nested */
        assert_false(jeq("[1000001, 2]", "[1000000, 2]"));
        assert_false(jeq("9007199254740993", "9007199254740992"));
        assert_false(jeq("[[12345678901234567]]", "[[12345678901234568]]"));
        assert_true(
            jeq("[[123456789012345678901234567890]]", "[[123456789012345678901234567890]]"));
        assert_false(jeq("{\"k\": 1000000.5}", "{\"k\": 1000000}"));
        assert_true(jeq("-0", "0"));
        /* not JSON on one side: the text compare */
        assert_true(jeq("Infinity", "Infinity"));
        assert_false(jeq("[1, 2] x", "[1, 2]"));
        assert_true(jeq("1.", "1")); /* not JSON: the text compare, where 1. is the number 1 */
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

static enum sbx_eval_outcome judge_exit(const struct sbx_result *r)
{
        struct sbx_eval_expect e = {.check = SBX_EVAL_CHECK_EXIT, .python = true};

        return sbx_eval_judge(&e, r, NULL);
}

static enum sbx_eval_outcome judge_out(enum sbx_eval_check check, const struct sbx_result *r,
                                       const char *want)
{
        struct sbx_eval_expect e = {.check = check, .output = want, .tol = TOL};

        return sbx_eval_judge(&e, r, NULL);
}

static void test_verdicts(void **state)
{
        struct sbx_result r = result(SBX_VERDICT_OK, "", "");

        assert_int_equal(judge_exit(&r), SBX_EVAL_OK);
        r = result(SBX_VERDICT_RUNTIME_ERROR, "",
                   "Traceback (most recent call last):\n  File \"main.py\", line 9\n"
                   "AssertionError: bad\n");
        assert_int_equal(judge_exit(&r), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_RUNTIME_ERROR, "", "Traceback ...\nAssertionError\n");
        assert_int_equal(judge_exit(&r), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_RUNTIME_ERROR, "", "Traceback ...\nNameError: name 'x'\n");
        assert_int_equal(judge_exit(&r), SBX_EVAL_RUNTIME_ERROR);
        r = result(SBX_VERDICT_SIGNALED, "", "");
        assert_int_equal(judge_exit(&r), SBX_EVAL_RUNTIME_ERROR);
        r = result(SBX_VERDICT_TIME_LIMIT, "", "");
        assert_int_equal(judge_out(SBX_EVAL_CHECK_STDIN, &r, "1"), SBX_EVAL_TIME_LIMIT);
        r = result(SBX_VERDICT_MEMORY_LIMIT, "", "");
        assert_int_equal(judge_exit(&r), SBX_EVAL_MEMORY_LIMIT);
        r = result(SBX_VERDICT_POLICY_VIOLATION, "", "");
        assert_int_equal(judge_exit(&r), SBX_EVAL_POLICY_VIOLATION);
        r = result(SBX_VERDICT_OUTPUT_LIMIT, "", "");
        assert_int_equal(judge_exit(&r), SBX_EVAL_OUTPUT_LIMIT);
        /* the sandbox failing is never the program's failure */
        r = result(SBX_VERDICT_SANDBOX_ERROR, "", "AssertionError");
        assert_int_equal(judge_exit(&r), SBX_EVAL_SANDBOX_ERROR);
        /* other languages' failed asserts: a C++ assert is SIGABRT */
        struct sbx_eval_expect cpp = {.check = SBX_EVAL_CHECK_EXIT};
        r = result(SBX_VERDICT_SIGNALED, "", "main: main.cpp:9: int main(): Assertion `x' failed.");
        assert_int_equal(sbx_eval_judge(&cpp, &r, NULL), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_RUNTIME_ERROR, "",
                   "Exception in thread \"main\" "
                   "java.lang.AssertionError\n\tat Main.main");
        assert_int_equal(sbx_eval_judge(&cpp, &r, NULL), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_RUNTIME_ERROR, "--- FAIL: TestAdd (0.00s)\nFAIL\n", "");
        assert_int_equal(sbx_eval_judge(&cpp, &r, NULL), SBX_EVAL_WRONG_ANSWER); /* Go */
        r = result(SBX_VERDICT_RUNTIME_ERROR, "", "segfault");
        assert_int_equal(sbx_eval_judge(&cpp, &r, NULL), SBX_EVAL_RUNTIME_ERROR);
}

static void test_stdin_and_functional(void **state)
{
        struct sbx_result r = result(SBX_VERDICT_OK, "2 3 \n", "");

        assert_int_equal(judge_out(SBX_EVAL_CHECK_STDIN, &r, "2 3"), SBX_EVAL_OK);
        assert_int_equal(judge_out(SBX_EVAL_CHECK_STDIN, &r, "2 4"), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_OK, "1000000.5\n", "");
        assert_int_equal(judge_out(SBX_EVAL_CHECK_STDIN, &r, "1000000"), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_OK, "[0, 1]\n", "");
        assert_int_equal(judge_out(SBX_EVAL_CHECK_FUNCTIONAL, &r, "[0,1]"), SBX_EVAL_OK);
        r.out.truncated = true;
        assert_int_equal(judge_out(SBX_EVAL_CHECK_FUNCTIONAL, &r, "[0,1]"), SBX_EVAL_OUTPUT_LIMIT);
        /* a runtime error in a stdin problem is not a wrong answer, even with an assert */
        r = result(SBX_VERDICT_RUNTIME_ERROR, "", "AssertionError\n");
        assert_int_equal(judge_out(SBX_EVAL_CHECK_STDIN, &r, "1"), SBX_EVAL_RUNTIME_ERROR);
}

#define PROOF "0123456789abcdef0123456789abcdef"

static void test_proof(void **state)
{
        struct sbx_eval_expect e = {.check = SBX_EVAL_CHECK_EXIT, .proof = PROOF, .python = true};
        struct sbx_result r = result(SBX_VERDICT_OK, "debug\n" PROOF "\n", "");
        const char *why = NULL;

        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_OK);
        assert_null(why);
        /* exit 0 without the line: the tests did not all run */
        r = result(SBX_VERDICT_OK, "", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
        assert_string_equal(why, SBX_EVAL_REASON_EARLY_EXIT);
        /* the line must be a line of its own, and exactly the proof */
        r = result(SBX_VERDICT_OK, "x" PROOF "\n", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_OK, PROOF "0\n", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_OK, "\n0123456789abcdef0123456789abcdee\n", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_OK, "a\r\n" PROOF "\r\nPASS\n", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_OK);
        /* a failed run stays what it is, proof or not */
        r = result(SBX_VERDICT_RUNTIME_ERROR, PROOF "\n", "Traceback\nAssertionError\n");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
        assert_null(why);
        /* functional: the answer is what follows the proof; prints before it do not count */
        e = (struct sbx_eval_expect){
            .check = SBX_EVAL_CHECK_FUNCTIONAL, .proof = PROOF, .output = "[1, 2]", .tol = TOL};
        r = result(SBX_VERDICT_OK, "thinking...\n[9]\n" PROOF "\n[1,2]", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_OK);
        r = result(SBX_VERDICT_OK, "[1, 2]\n", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
        assert_string_equal(why, SBX_EVAL_REASON_EARLY_EXIT);
}

static void test_quiet_streams(void **state)
{
        static const char *const markers[] = {"DefaultTraceListener.Fail", NULL};
        struct sbx_eval_expect e = {.check = SBX_EVAL_CHECK_EXIT, .proof = PROOF};
        struct sbx_result r = result(SBX_VERDICT_OK, PROOF "\n", "Assertion failed\n");
        const char *why;

        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_OK);
        e.quiet_stderr = true; /* rackunit: failures only on stderr, exit 0 */
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
        assert_non_null(why);
        e.quiet_stderr = false;
        e.quiet_stdout = true; /* HumanEval-X JavaScript: console.assert prints, exits 0 */
        r = result(SBX_VERDICT_OK, "Assertion failed\n" PROOF "\n", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
        r = result(SBX_VERDICT_OK, "\n" PROOF "\n", "");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_OK);
        e.quiet_stdout = false;
        e.fail_markers = markers;
        r = result(SBX_VERDICT_OK, PROOF "\n", "at System.Diagnostics.DefaultTraceListener.Fail");
        assert_int_equal(sbx_eval_judge(&e, &r, &why), SBX_EVAL_WRONG_ANSWER);
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
            cmocka_unit_test(test_whitespace),
            cmocka_unit_test(test_line_counts),
            cmocka_unit_test(test_integers_exact),
            cmocka_unit_test(test_floats),
            cmocka_unit_test(test_json),
            cmocka_unit_test(test_verdicts),
            cmocka_unit_test(test_stdin_and_functional),
            cmocka_unit_test(test_proof),
            cmocka_unit_test(test_quiet_streams),
            cmocka_unit_test(test_outcome_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
