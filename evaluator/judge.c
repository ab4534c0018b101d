/* Judging one execution: the sandbox's verdict, the completion proof, the output compare. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/judge.h"
#include "evaluator/strutil.h"
#include "util.h"

static const char *const outcome_names[_SBX_EVAL_OUTCOME_MAX] = {
    [SBX_EVAL_OK] = "OK",
    [SBX_EVAL_WRONG_ANSWER] = "WRONG_ANSWER",
    [SBX_EVAL_TIME_LIMIT] = "TIME_LIMIT",
    [SBX_EVAL_MEMORY_LIMIT] = "MEMORY_LIMIT",
    [SBX_EVAL_RUNTIME_ERROR] = "RUNTIME_ERROR",
    [SBX_EVAL_OUTPUT_LIMIT] = "OUTPUT_LIMIT",
    [SBX_EVAL_POLICY_VIOLATION] = "POLICY_VIOLATION",
    [SBX_EVAL_COMPILE_ERROR] = "COMPILE_ERROR",
    [SBX_EVAL_SANDBOX_ERROR] = "SANDBOX_ERROR",
    [SBX_EVAL_MODEL_ERROR] = "MODEL_ERROR",
};

const char *sbx_eval_outcome_to_string(enum sbx_eval_outcome o)
{
        return (unsigned)o < _SBX_EVAL_OUTCOME_MAX ? outcome_names[o] : NULL;
}

int sbx_eval_outcome_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_EVAL_OUTCOME_MAX; i++)
                if (!strcmp(outcome_names[i], s))
                        return i;
        return -EINVAL;
}

/* ---- one execution -------------------------------------------------------------------------- */

/* Python reports a failed assert as a traceback ending in "AssertionError[: msg]". */
static bool python_failed_assert(const struct sbx_output *err)
{
        struct sbx_eval_span s =
            sbx_eval_strip(err->data ? err->data : "", err->data ? err->size : 0);
        const char *last = s.p;

        for (size_t i = 0; i < s.n; i++)
                if (s.p[i] == '\n')
                        last = s.p + i + 1;
        return (size_t)(s.p + s.n - last) >= 14 && !strncmp(last, "AssertionError", 14);
}

/* How the other languages' test harnesses say a test failed (glibc's assert, Java's
 * AssertionError, Node's assert, Rust's assert_eq!, D's AssertError, the MBXP harnesses'
 * messages). Only the outcome's name depends on it: either way the sample fails. */
static bool failed_assert(const struct sbx_output *err)
{
        static const char *const markers[] = {
            "AssertionError",   "Assertion `",
            "assertion failed", "assertion `left == right` failed",
            "AssertError",      "did not pass",
            "failed to pass",   "Assertion failed",
        };
        const char *text = err->data ? err->data : "";

        for (size_t i = 0; i < ELEMENTSOF(markers); i++)
                if (memmem(text, err->size, markers[i], strlen(markers[i])))
                        return true;
        return false;
}

static enum sbx_eval_outcome verdict_outcome(const struct sbx_eval_expect *e,
                                             const struct sbx_result *r)
{
        switch (r->verdict) {
        case SBX_VERDICT_OK:
                return SBX_EVAL_OK;
        case SBX_VERDICT_RUNTIME_ERROR:
        case SBX_VERDICT_SIGNALED:
                if (e->check == SBX_EVAL_CHECK_EXIT &&
                    (e->python ? python_failed_assert(&r->err) : failed_assert(&r->err)))
                        return SBX_EVAL_WRONG_ANSWER;
                /* Go's testing reports a failed test on stdout */
                if (e->check == SBX_EVAL_CHECK_EXIT && r->out.data &&
                    memmem(r->out.data, r->out.size, "--- FAIL: ", 10))
                        return SBX_EVAL_WRONG_ANSWER;
                return SBX_EVAL_RUNTIME_ERROR;
        case SBX_VERDICT_TIME_LIMIT:
                return SBX_EVAL_TIME_LIMIT;
        case SBX_VERDICT_MEMORY_LIMIT:
                return SBX_EVAL_MEMORY_LIMIT;
        case SBX_VERDICT_OUTPUT_LIMIT:
                return SBX_EVAL_OUTPUT_LIMIT;
        case SBX_VERDICT_COMPILE_ERROR:
                return SBX_EVAL_COMPILE_ERROR;
        case SBX_VERDICT_POLICY_VIOLATION:
                return SBX_EVAL_POLICY_VIOLATION;
        default:
                return SBX_EVAL_SANDBOX_ERROR;
        }
}

/* The proof line: the last line of stdout that is exactly the proof. *before and *after get
 * what surrounds it. false when the harness never printed it. */
static bool find_proof(const struct sbx_output *out, const char *proof,
                       struct sbx_eval_span *before, struct sbx_eval_span *after)
{
        const char *data = out->data ? out->data : "", *end = data + out->size, *found = NULL;
        size_t n = strlen(proof);

        for (const char *p = data; p + n <= end; p++) {
                p = memmem(p, (size_t)(end - p), proof, n);
                if (!p)
                        break;
                bool starts = p == data || p[-1] == '\n';
                bool ends = p + n == end || p[n] == '\n' || p[n] == '\r';
                if (starts && ends)
                        found = p;
        }
        if (!found)
                return false;
        *before = (struct sbx_eval_span){data, (size_t)(found - data)};
        const char *rest = found + n;
        rest += rest < end && *rest == '\r';
        rest += rest < end && *rest == '\n';
        *after = (struct sbx_eval_span){rest, (size_t)(end - rest)};
        return true;
}

enum sbx_eval_outcome sbx_eval_judge(const struct sbx_eval_expect *e, const struct sbx_result *r,
                                     const char **reason)
{
        enum sbx_eval_outcome o = verdict_outcome(e, r);
        struct sbx_eval_span out = {r->out.data ? r->out.data : "", r->out.size}, before, after;

        if (reason)
                *reason = NULL;
        if (o != SBX_EVAL_OK)
                return o;
        if (r->out.truncated || r->err.truncated)
                return SBX_EVAL_OUTPUT_LIMIT;
        if (e->proof) {
                if (!find_proof(&r->out, e->proof, &before, &after)) {
                        if (reason)
                                *reason = SBX_EVAL_REASON_EARLY_EXIT;
                        return SBX_EVAL_WRONG_ANSWER;
                }
                /* A functional harness prints the result after the proof; what the candidate
                 * printed before it is not the answer. */
                out = e->check == SBX_EVAL_CHECK_FUNCTIONAL ? after : before;
        }
        if (e->quiet_stdout && sbx_eval_strip(out.p, out.n).n) {
                if (reason)
                        *reason = "printed to stdout (the benchmark fails any output)";
                return SBX_EVAL_WRONG_ANSWER;
        }
        if (e->quiet_stderr && r->err.size) {
                if (reason)
                        *reason = "printed to stderr (the benchmark fails any error output)";
                return SBX_EVAL_WRONG_ANSWER;
        }
        for (size_t i = 0; e->fail_markers && e->fail_markers[i]; i++)
                if (memmem(r->err.data ? r->err.data : "", r->err.size, e->fail_markers[i],
                           strlen(e->fail_markers[i]))) {
                        if (reason)
                                *reason = "the tests reported a failure on stderr";
                        return SBX_EVAL_WRONG_ANSWER;
                }
        switch (e->check) {
        case SBX_EVAL_CHECK_EXIT:
                return SBX_EVAL_OK;
        case SBX_EVAL_CHECK_FUNCTIONAL:
                return sbx_eval_json_output_equal(out.p, out.n, e->output, e->tol)
                           ? SBX_EVAL_OK
                           : SBX_EVAL_WRONG_ANSWER;
        default:
                return sbx_eval_output_equal(out.p, out.n, e->output, e->tol)
                           ? SBX_EVAL_OK
                           : SBX_EVAL_WRONG_ANSWER;
        }
}
