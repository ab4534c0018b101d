/* Code extraction: HumanEval's first fenced block, MBPP's [BEGIN]/[DONE] and cuts,
 * LiveCodeBench's last fenced block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "evaluator/extract.h"

#define expect_extract(fn, in, out)                                                                \
        do {                                                                                       \
                char *got = fn(in);                                                                \
                assert_non_null(got);                                                              \
                assert_string_equal(got, out);                                                     \
                free(got);                                                                         \
        } while (0)

static void test_first_fence(void **state)
{
        expect_extract(sbx_eval_extract_first_fence, "Here:\n```python\nx = 1\n```\nbye",
                       "x = 1\n");
        /* no language tag */
        expect_extract(sbx_eval_extract_first_fence, "```\nx = 1\n```", "x = 1\n");
        /* the first of two blocks */
        expect_extract(sbx_eval_extract_first_fence, "```py\na\n```\n```py\nb\n```", "a\n");
        /* no fence: the whole reply */
        expect_extract(sbx_eval_extract_first_fence, "    return x + 1\n", "    return x + 1\n");
        /* an opening fence without a closing one is no block */
        expect_extract(sbx_eval_extract_first_fence, "```python\nx = 1\n", "```python\nx = 1\n");
        /* ``` not followed by \w*\n (inline) does not open a block; the next one does */
        expect_extract(sbx_eval_extract_first_fence, "use ```x``` then\n```\ny\n```", "y\n");
        /* four backticks: the match starts at the second one */
        expect_extract(sbx_eval_extract_first_fence, "````\nz\n```", "z\n");
        /* a tag with a dash is not \w*: no block at all */
        expect_extract(sbx_eval_extract_first_fence, "```objective-c\nq\n```",
                       "```objective-c\nq\n```");
        /* empty block */
        expect_extract(sbx_eval_extract_first_fence, "```\n```", "");
        expect_extract(sbx_eval_extract_first_fence, "", "");
}

static void test_mbpp(void **state)
{
        expect_extract(sbx_eval_extract_mbpp, "[BEGIN]\ndef f(x):\n  return x\n[DONE]\n",
                       "\ndef f(x):\n  return x\n");
        expect_extract(sbx_eval_extract_mbpp, "def f(x):\n  return x\n[DONE] more",
                       "def f(x):\n  return x\n");
        expect_extract(sbx_eval_extract_mbpp, "def f():\n  pass\nassert f() is None\n",
                       "def f():\n  pass");
        expect_extract(sbx_eval_extract_mbpp, "def f():\n  pass\nif __name__ == '__main__':\n  f()",
                       "def f():\n  pass\n");
        expect_extract(sbx_eval_extract_mbpp, "def f():\n  pass\n\"\"\"docs\"\"\"",
                       "def f():\n  pass");
        /* an indented docstring is not cut */
        expect_extract(sbx_eval_extract_mbpp, "def f():\n  \"\"\"d\"\"\"\n  pass",
                       "def f():\n  \"\"\"d\"\"\"\n  pass");
        /* a fenced block first, then [BEGIN]/[DONE] inside it */
        expect_extract(sbx_eval_extract_mbpp, "```python\n[BEGIN]\nx = 1\n[DONE]\n```",
                       "\nx = 1\n");
        expect_extract(sbx_eval_extract_mbpp, "[BEGIN]\n```python\nx = 2\n```\n[DONE]", "x = 2\n");
}

static void test_last_fence(void **state)
{
        expect_extract(sbx_eval_extract_last_fence,
                       "```python\na\n```\ntext\n```python\nb\nc\n```\n", "b\nc");
        expect_extract(sbx_eval_extract_last_fence, "print(input())", "print(input())");
        expect_extract(sbx_eval_extract_last_fence, "only one ```python\nx", "");
        expect_extract(sbx_eval_extract_last_fence, "```\n```", "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_first_fence),
            cmocka_unit_test(test_mbpp),
            cmocka_unit_test(test_last_fence),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
