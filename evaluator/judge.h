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

/* Floats (expected tokens written with a point or an exponent) match within this relative or
 * absolute difference unless a dataset says otherwise; 0 means exact. Integers are always exact. */
#define SBX_EVAL_DEFAULT_TOLERANCE 1e-6

/* Two number tokens: equal as decimal values (text, any size: "1e3" = "1000", "-0" = "0");
 * otherwise, only when want is a float and tol > 0, math.isclose(got, want, rel_tol=tol,
 * abs_tol=tol). false when either is not a number. */
bool sbx_eval_number_equal(const char *got, size_t got_n, const char *want, size_t want_n,
                           double tol);

/* Outputs equal after stripping the whole text and each line, line for line; tokens that
 * differ must both be numbers that sbx_eval_number_equal accepts. */
bool sbx_eval_output_equal(const char *got, size_t got_size, const char *want, double tol);

/* Both parse as JSON: structurally equal, numbers as sbx_eval_number_equal says (true equals 1
 * and false 0, as in Python). Otherwise the text compare. */
bool sbx_eval_json_output_equal(const char *got, size_t got_size, const char *want, double tol);

/* What a run is judged against. */
struct sbx_eval_expect {
        enum sbx_eval_check check;
        const char *output; /* the test's expected output (stdin, functional); NULL otherwise */
        /* The completion proof: the line the harness prints after its last test (see
         * evaluator/README.md); NULL for programs that are not ours (stdin problems). */
        const char *proof;
        bool quiet_stdout; /* anything else on stdout fails the run (HumanEval-X JavaScript) */
        bool quiet_stderr; /* anything on stderr fails the run (rackunit, MultiPL-E Scala) */
        const char *const *fail_markers; /* stderr text that fails the run (Mono's asserts) */
        bool python; /* a Python traceback: only its last line tells an assert */
        double tol;
};

/* Why an OK exit status was still not OK. */
#define SBX_EVAL_REASON_EARLY_EXIT "exited before the tests finished"

/* The outcome of one execution; *reason (may be NULL) gets a static string when the outcome
 * needs one beyond the sandbox's own message (an early exit, output on a quiet stream). */
enum sbx_eval_outcome sbx_eval_judge(const struct sbx_eval_expect *e, const struct sbx_result *r,
                                     const char **reason);

#endif
