/* Judging one execution: the sandbox's verdict plus, for stdin/functional problems, the output
 * compared with the expected one. */
#ifndef SBX_EVAL_JUDGE_H
#define SBX_EVAL_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "evaluator/dataset.h"
#include "sandboxrt.h"

enum sbx_eval_outcome {
        SBX_EVAL_OK,
        SBX_EVAL_WRONG_ANSWER, /* ran, but the output or an assert said no */
        SBX_EVAL_TIME_LIMIT,
        SBX_EVAL_MEMORY_LIMIT,
        SBX_EVAL_RUNTIME_ERROR, /* an exception other than an assert, a crash, a signal */
        SBX_EVAL_OUTPUT_LIMIT,
        SBX_EVAL_POLICY_VIOLATION,
        SBX_EVAL_COMPILE_ERROR,
        SBX_EVAL_SANDBOX_ERROR, /* the sandbox failed: not the program's fault */
        SBX_EVAL_MODEL_ERROR,   /* no completion to run (the model request failed) */
        _SBX_EVAL_OUTCOME_MAX,
};

const char *sbx_eval_outcome_to_string(enum sbx_eval_outcome o);
int sbx_eval_outcome_from_string(const char *s);

#define SBX_EVAL_DEFAULT_TOLERANCE 1e-6

/* Outputs equal after stripping the whole text and each line, line for line; tokens that
 * differ must both be numbers: integers compare exactly, others within tol relative or
 * absolute (math.isclose(a, b, rel_tol=tol, abs_tol=tol)). */
bool sbx_eval_output_equal(const char *got, size_t got_size, const char *want, double tol);

/* Both parse as JSON: structurally equal, numbers within tol. Otherwise the text compare. */
bool sbx_eval_json_output_equal(const char *got, size_t got_size, const char *want, double tol);

/* The outcome of one execution. expected is the test's output (NULL for exit-status checks). */
enum sbx_eval_outcome sbx_eval_judge(enum sbx_eval_check check, const struct sbx_result *r,
                                     const char *expected, double tol);

#endif
