/* The languages of the benchmarks' programs and the completion proof around their tests.
 *
 * Every program the evaluator builds around a candidate's code (HumanEval, MBPP, EvalPlus,
 * HumanEval-X, MBXP, MultiPL-E, LiveCodeBench functional) reads a per-run random line from its
 * standard input before the candidate's code runs, and prints that line on stdout only after its
 * last test passed. The judge accepts an exit status of 0 only with that line present, so a
 * program that exits early (sys.exit(0), os._exit(0), System.exit(0), process.exit(0), killing
 * its harness) is a wrong answer, not a pass. See evaluator/README.md for the rule and its
 * limits. */
#ifndef SBX_EVAL_HARNESS_H
#define SBX_EVAL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

enum sbx_eval_wrap {
        SBX_EVAL_WRAP_SCRIPT,    /* top-level tests: read first, print after everything */
        SBX_EVAL_WRAP_GUARD,     /* tests in main: a scope guard made at main's start */
        SBX_EVAL_WRAP_RENAME,    /* tests in main: main renamed, a new main calls it */
        SBX_EVAL_WRAP_GO,        /* Go: a main function's guard, or `go test` functions */
        SBX_EVAL_WRAP_UNDEFINED, /* a language the harness does not know */
};

struct sbx_eval_lang {
        const char *name;    /* canonical: python, cpp, java, javascript, typescript, go, ... */
        const char *runtime; /* the runtime's language (struct sbx_language) */
        enum sbx_eval_wrap wrap;
        const char *const *env;          /* extra environment for the job, NULL-terminated */
        const char *const *fail_markers; /* stderr text that fails a run that exited 0 */
        const char *nul_escape; /* a NUL character inside a string literal, or NULL (none) */
};

/* A language by its canonical name or a benchmark's alias ("py", "js", "ts", "rs", "rb", "cs",
 * "rkt", "pl", "sh", "go_test.go", "c++", "golang", ...); NULL when unknown. */
const struct sbx_eval_lang *sbx_eval_lang_find(const char *name);

/* Options some benchmarks need from the harness. */
struct sbx_eval_wrap_opts {
        bool java_assertions; /* run the tests with Java assertions on (MultiPL-E's java -ea) */
        bool java_tuples;     /* put javatuples on the class path (MultiPL-E's Java prompts) */
        bool csharp_debug;    /* compile with DEBUG, so that Debug.Assert checks (MultiPL-E) */
};

/* The whole program: head (prompt and completion, as the benchmark joins them) then tests (the
 * benchmark's test code), with the completion proof added for the language. NULL when the tests
 * lack what the language's harness needs (see sbx_eval_harness_needs) or on allocation failure.
 * The proof line is read from stdin: the judge gives it as the first line of stdin. */
char *sbx_eval_harness_program(const struct sbx_eval_lang *l, const char *head, const char *tests,
                               const struct sbx_eval_wrap_opts *opts);

/* What the harness needs from a language's tests (a main function, a package clause), for the
 * message when a program cannot be built. */
const char *sbx_eval_harness_needs(const struct sbx_eval_lang *l);

/* Python pieces for the benchmarks that build their own Python programs: the prologue reads the
 * proof line into a closure; emit prints it (then a payload, for functional problems). */
extern const char sbx_eval_python_proof_prologue[];
#define SBX_EVAL_PYTHON_PROOF_EMIT         "_sbx_proof()\n"
#define SBX_EVAL_PYTHON_PROOF_EMIT_PAYLOAD "_sbx_proof(%s)\n"

#endif
