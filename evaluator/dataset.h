/* Benchmarks: problems loaded from local files, the prompt a model sees, how a reply becomes
 * code, and the program that runs. A benchmark is one file and one entry in the table. */
#ifndef SBX_EVAL_DATASET_H
#define SBX_EVAL_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evaluator/harness.h"
#include "sandboxrt.h"

struct sbx_eval_dataset_args;

enum sbx_eval_check {
        SBX_EVAL_CHECK_EXIT,       /* pass iff the program exits 0 (tests are inside it) */
        SBX_EVAL_CHECK_STDIN,      /* per test: input on stdin, compare stdout with output */
        SBX_EVAL_CHECK_FUNCTIONAL, /* per test: a harness calls the function, prints JSON */
};

struct sbx_eval_test {
        char *input;
        char *output;
};

struct sbx_eval_problem {
        char *task_id;
        uint32_t line;     /* its line in the dataset file, for messages; 0 when unknown */
        char *prompt;      /* what the benchmark shows the model (HumanEval prompt, MBPP text) */
        char *reference;   /* canonical solution, or NULL */
        char *entry_point; /* HumanEval entry point; functional problems' function name */
        char *test;        /* HumanEval check() code */
        char *setup;       /* MBPP test_setup_code */
        char **asserts;    /* MBPP test_list, NULL-terminated */
        char *starter_code;
        enum sbx_eval_check check;
        struct sbx_eval_test *tests;
        size_t n_tests;
        const struct sbx_eval_lang *lang; /* the program's language; NULL: Python */
        struct sbx_eval_wrap_opts wrap;   /* what the language's harness needs */
        bool quiet_stdout, quiet_stderr;  /* output there fails a run (the benchmark's rule) */
        char *stdin_data; /* exit-status problems: stdin after the proof line (test inputs) */
};

struct sbx_eval_problem_set {
        struct sbx_eval_problem *items; /* the problems evaluated, in order */
        size_t n;
        char *label; /* what the table's Subset column says, when more than the subset's name */
        struct sbx_eval_problem *shots; /* few-shot examples (MBPP 2, 3, 4) */
        size_t n_shots;
};

struct sbx_eval_benchmark {
        const char *name;
        const char *default_file;    /* under the data dir; NULL: local_path is required */
        uint64_t default_timeout_ms; /* per execution: CPU time (the wall clock gets more) */
        /* Benchmarks with subsets (languages, releases): the ones to evaluate, from
         * args->subset_list or the benchmark's defaults (path is the data file or directory).
         * Each subset is evaluated as a dataset of its own, with a row in the table. An unknown
         * subset is an error naming the known ones. NULL: the benchmark has no subsets. */
        int (*subsets)(const char *path, const struct sbx_eval_dataset_args *args, char ***out,
                       struct sbx_error **err);
        /* subset is NULL for a benchmark without subsets. */
        int (*load)(const char *path, const struct sbx_eval_dataset_args *args, const char *subset,
                    struct sbx_eval_problem_set *out, struct sbx_error **err);
        /* The user message for a chat model (malloc'd). */
        char *(*prompt)(const struct sbx_eval_problem_set *set, const struct sbx_eval_problem *p,
                        const struct sbx_eval_dataset_args *args);
        /* The code to run from a model's reply (malloc'd). */
        char *(*extract)(const char *reply);
        /* The program source for a problem and its code (malloc'd). */
        char *(*program)(const struct sbx_eval_problem *p, const char *code);
};

extern const struct sbx_eval_benchmark sbx_eval_humaneval;
extern const struct sbx_eval_benchmark sbx_eval_mbpp;
extern const struct sbx_eval_benchmark sbx_eval_livecodebench;
extern const struct sbx_eval_benchmark sbx_eval_humaneval_plus;
extern const struct sbx_eval_benchmark sbx_eval_mbpp_plus;
extern const struct sbx_eval_benchmark sbx_eval_humaneval_x;
extern const struct sbx_eval_benchmark sbx_eval_mbxp;
extern const struct sbx_eval_benchmark sbx_eval_multiple;
extern const struct sbx_eval_benchmark sbx_eval_multiple_humaneval;
extern const struct sbx_eval_benchmark sbx_eval_multiple_mbpp;

/* NULL when unknown. */
const struct sbx_eval_benchmark *sbx_eval_benchmark_find(const char *name);
/* Iterate: NULL past the end. */
const struct sbx_eval_benchmark *sbx_eval_benchmark_at(size_t i);

/* Where the bundled data lives: $SANDBOXRT_DATA_DIR, else the installed PREFIX/share/sandboxrt/
 * data (the source tree's data/ when running from the build tree). Returns a static string. */
const char *sbx_eval_data_dir(void);

/* Load a benchmark (one subset of it): args->local_path or the bundled file; limit not
 * applied here. */
int sbx_eval_dataset_load(const struct sbx_eval_benchmark *b,
                          const struct sbx_eval_dataset_args *args, const char *subset,
                          struct sbx_eval_problem_set *out, struct sbx_error **err);
/* The subsets of a benchmark that has them (NULL-terminated, malloc'd). */
int sbx_eval_dataset_subsets(const struct sbx_eval_benchmark *b,
                             const struct sbx_eval_dataset_args *args, char ***out,
                             struct sbx_error **err);
void sbx_eval_problem_set_release(struct sbx_eval_problem_set *set);
void sbx_eval_problem_release(struct sbx_eval_problem *p);

/* ---- helpers shared by the benchmark files ---- */

#define SBX_EVAL_DATASET_MAX_BYTES ((size_t)512 << 20)
#define SBX_EVAL_LINE_MAX_BYTES    ((size_t)64 << 20)

/* Read a dataset file whole; gzip (by magic) is decompressed with libarchive. */
int sbx_eval_read_dataset_file(const char *path, char **out, size_t *size, struct sbx_error **err);
/* Call fn for every non-blank line of a JSONL text (line numbers 1-based); stops at fn's < 0. */
int sbx_eval_jsonl_foreach(const char *text, size_t size,
                           int (*fn)(void *ctx, const char *line, size_t len, size_t lineno),
                           void *ctx);
/* Append a problem (zeroed) to a set; NULL on allocation failure. */
struct sbx_eval_problem *sbx_eval_problem_set_push(struct sbx_eval_problem_set *set, bool shot);
/* Replace "{question}" in template with question (malloc'd). */
char *sbx_eval_fill_template(const char *tmpl, const char *question);

#endif
