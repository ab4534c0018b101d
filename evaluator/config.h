/* Task files: EvalScope TaskConfig keys (YAML or JSON) into a typed struct, CLI overrides, the
 * API key, and the resolved config written beside the outputs (with the key masked). */
#ifndef SBX_EVAL_CONFIG_H
#define SBX_EVAL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandboxrt.h"

struct sbx_eval_node;

enum sbx_eval_model_kind {
        SBX_EVAL_MODEL_REFERENCE, /* the dataset's canonical solutions */
        SBX_EVAL_MODEL_SAMPLES,   /* a JSONL of {task_id, completion} */
        SBX_EVAL_MODEL_OPENAI,    /* an OpenAI-compatible chat completions endpoint */
        _SBX_EVAL_MODEL_MAX,
};

const char *sbx_eval_model_kind_to_string(enum sbx_eval_model_kind k);
int sbx_eval_model_kind_from_string(const char *s);

/* Judging limits: review_timeout is the CPU-time limit, the wall clock gets this multiple of it;
 * stdout and stderr may hold this much each (correct answers can be megabytes). */
#define SBX_EVAL_WALL_FACTOR 3
#define SBX_EVAL_OUTPUT_CAP  "16m"

/* Sandbox settings of one dataset after merging benchmark default < sandbox.default_config <
 * dataset_args.<name>.sandbox_config. */
struct sbx_eval_sandbox_config {
        char *policy;  /* NULL = the runtime's default */
        char **limits; /* NULL-terminated "key=value" overrides */
        char *image;   /* the Docker backend's image; NULL: the runtime's default */
};

struct sbx_eval_dataset_args {
        char *name;
        char *local_path;
        char **subset_list;          /* NULL-terminated, or NULL */
        long long few_shot_num;      /* -1: the benchmark's default */
        uint64_t review_timeout_ms;  /* 0: the benchmark's default (resolved in config) */
        double tolerance;            /* float compare; 0: exact; < 0: unset (resolved) */
        char *start_date, *end_date; /* extra_params (LiveCodeBench): YYYY-MM-DD or NULL */
        char *prompt_template;       /* "{question}" is replaced; NULL: the benchmark's */
        char *system_prompt;
        struct sbx_eval_sandbox_config sandbox; /* dataset_args.<name>.sandbox_config */
};

/* Servers a fleet may have (sandbox.manager_config.base_url as a list). */
#define SBX_EVAL_REMOTE_MAX 64

struct sbx_eval_config {
        char *path; /* the task file, or NULL when built from flags only */
        char *model;
        enum sbx_eval_model_kind model_kind;
        char *samples_path;

        char **datasets; /* NULL-terminated */
        struct sbx_eval_dataset_args *dataset_args;
        size_t n_dataset_args;

        char *api_url;
        char *api_key;            /* secret: never printed or written */
        const char *api_key_from; /* "task file", "environment", ".env", or NULL */
        uint32_t eval_batch_size;
        uint64_t timeout_ms; /* per model request */
        uint32_t max_retries;
        uint64_t retry_interval_ms; /* the first retry's delay; 0: 1 s (generation_config) */
        struct sbx_eval_node *generation_config; /* MAP, sent as EvalScope sends it, or NULL */
        uint32_t choices_per_request;            /* generation_config.n, default 1 */
        uint32_t repeats;

        bool limit_set, limit_is_fraction;
        uint64_t limit_n;
        double limit_fraction;

        char *work_dir;
        bool no_timestamp;
        char *use_cache;
        bool rerun_review;
        bool ignore_errors;
        uint64_t seed;

        char *backend;        /* "auto", "native", "docker", "remote" */
        char **remote_urls;   /* NULL-terminated: base_url, one server or a fleet (a list) */
        char *remote_api_key; /* secret */
        struct sbx_eval_sandbox_config sandbox_default; /* sandbox.default_config */
        bool sandbox_enabled;
        uint32_t jobs; /* executions in parallel; 0 = CPU count */
        bool all_tests;

        char **warnings; /* NULL-terminated messages for the caller to show */
};

/* Overrides from the command line; NULL / 0 / false mean "not given". */
struct sbx_eval_overrides {
        const char *datasets; /* comma-separated */
        const char *limit;
        const char *model;
        const char *samples;
        const char *work_dir;
        const char *use_cache;
        const char *backend;
        const char *eval_batch_size;
        const char *repeats;
        const char *jobs;
        const char *api_url;
        const char *const *remote_urls; /* sandbox.manager_config.base_url (NULL-terminated) */
        bool rerun_review, all_tests, no_timestamp, ignore_errors;
};

/* Load a task file (path may be NULL: defaults, then overrides alone). Unknown keys become
 * warnings (with the nearest known key); wrong types and values are errors naming the key path
 * ("dataset_args.humaneval.review_timeout: ..."). envp lookups go through getenv; a .env beside
 * the task file supplies the API key when neither the file nor the environment does. */
int sbx_eval_config_load(const char *path, const struct sbx_eval_overrides *ov,
                         struct sbx_eval_config **out, struct sbx_error **err);
/* The same from text already in memory (fuzzing, tests); dir is where .env is looked for
 * (NULL: nowhere). */
int sbx_eval_config_parse(const char *text, size_t size, const char *filename, const char *dir,
                          const struct sbx_eval_overrides *ov, struct sbx_eval_config **out,
                          struct sbx_error **err);
struct sbx_eval_config *sbx_eval_config_free(struct sbx_eval_config *c);

/* The args for a dataset name (a static empty entry when the file has none). */
const struct sbx_eval_dataset_args *sbx_eval_config_dataset_args(const struct sbx_eval_config *c,
                                                                 const char *name);

/* Merge the sandbox settings for a dataset: the judging limits (CPU = review_timeout or the
 * benchmark's timeout, wall = SBX_EVAL_WALL_FACTOR times that, output = SBX_EVAL_OUTPUT_CAP),
 * then sandbox.default_config, then dataset_args.<name>.sandbox_config; the image likewise. */
int sbx_eval_config_sandbox(const struct sbx_eval_config *c, const char *dataset,
                            uint64_t default_timeout_ms, struct sbx_eval_sandbox_config *out,
                            struct sbx_error **err);
void sbx_eval_sandbox_config_release(struct sbx_eval_sandbox_config *s);

/* The resolved task as YAML, secrets replaced by "***". malloc'd, NULL on allocation failure. */
char *sbx_eval_config_to_yaml(const struct sbx_eval_config *c);

/* Model name usable as one path component (slashes and odd characters become '_'). */
char *sbx_eval_config_model_dirname(const struct sbx_eval_config *c);

#endif
