/* Request bodies of the HTTP API parsed into typed structs at the edge: sandbox configs, tool
 * calls and their parameters, sandboxrt's own run requests. Everything a client sends is
 * bounded here (sizes, counts, depth); a parse failure is a message for a 4xx "detail". */
#ifndef SBX_SERVE_REQUEST_H
#define SBX_SERVE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandboxrt.h"

#define SBX_REQ_JSON_DEPTH_MAX 32
#define SBX_REQ_FILES_MAX      256
#define SBX_REQ_ENV_MAX        128
#define SBX_REQ_ARGV_MAX       256
#define SBX_REQ_LIMITS_MAX     16
#define SBX_REQ_TIMEOUT_MAX_S  86400.0

/* ---- tools ------------------------------------------------------------------------------- */

enum sbx_tool_id {
        SBX_TOOL_PYTHON,
        SBX_TOOL_SHELL,
        SBX_TOOL_FILE,
        SBX_TOOL_MULTI,
        _SBX_TOOL_MAX,
};

const char *sbx_tool_to_string(enum sbx_tool_id t);
/* The tool, or -EINVAL for a name no tool has. */
int sbx_tool_from_string(const char *s);

/* A file given as name -> content (content is text unless base64 was asked for). */
struct sbx_req_file {
        char *path;
        char *data;
        size_t size;
        mode_t mode;
};

/* The union of every tool's parameters; which ones a tool reads is up to the tool. Timeouts are
 * milliseconds, 0 when absent. */
struct sbx_tool_params {
        char *code;
        char *command;       /* shell_executor given a string ... */
        char **command_argv; /* ... or an argv list (NULL-terminated) */
        char *operation;
        char *file_path;
        char *content;
        bool has_content;
        char *encoding;
        char *language;
        struct sbx_req_file *files;
        size_t n_files;
        uint64_t timeout_ms;
        uint64_t compile_timeout_ms;
        uint64_t run_timeout_ms;
};

/* POST /sandbox/tool/execute */
struct sbx_tool_call {
        char *sandbox_id;
        char *tool_name;
        struct sbx_tool_params params;
        uint64_t timeout_ms; /* the request's own timeout, 0 when absent */
};

/* ---- sandbox config --------------------------------------------------------------------- */

struct sbx_sandbox_config {
        char *image;       /* NULL when absent */
        char *working_dir; /* default "/sandbox" */
        unsigned tools;    /* bit (1 << enum sbx_tool_id) for each usable tool */
        char **env;        /* "KEY=VALUE", NULL-terminated (never NULL) */
        bool network_enabled;
        uint64_t memory_bytes; /* 0 when absent */
        uint32_t cpu_millicores;
        uint64_t timeout_ms;
        char *echo; /* the config as JSON for SandboxInfo.config, env values masked */
};

/* ---- sandboxrt's own jobs ---------------------------------------------------------------- */

struct sbx_run_request {
        char **argv; /* NULL-terminated, or NULL */
        char *language;
        char *source;
        size_t source_size;
        struct sbx_req_file *files;
        size_t n_files;
        char *stdin_data;
        size_t stdin_size;
        char *policy;
        char **limits;    /* "key=value", NULL-terminated (never NULL) */
        char **env;       /* "KEY=VALUE", NULL-terminated (never NULL) */
        uint64_t wait_ms; /* how long to wait for a free slot; 0 = the server's default */
};

struct sbx_run_batch {
        struct sbx_run_request *jobs;
        size_t n_jobs;
};

#define SBX_REQ_BATCH_MAX 1024

/* Each parser takes the raw body (size bytes, NUL not required) and returns 0, -EBADMSG (the
 * body is not a JSON object) or -EINVAL (a field is wrong), both with *detail set to a malloc'd
 * message for the client, or -ENOMEM. An empty body counts as "{}" where the API allows an
 * absent body. */
int sbx_req_parse_sandbox_config(const char *body, size_t size, struct sbx_sandbox_config *out,
                                 char **detail);
int sbx_req_parse_tool_call(const char *body, size_t size, struct sbx_tool_call *out,
                            char **detail);
int sbx_req_parse_tool_params(const char *body, size_t size, struct sbx_tool_params *out,
                              char **detail);
int sbx_req_parse_run(const char *body, size_t size, struct sbx_run_request *out, char **detail);
int sbx_req_parse_batch(const char *body, size_t size, struct sbx_run_batch *out, char **detail);

void sbx_sandbox_config_clear(struct sbx_sandbox_config *c);
void sbx_tool_params_clear(struct sbx_tool_params *p);
void sbx_tool_call_clear(struct sbx_tool_call *c);
void sbx_run_request_clear(struct sbx_run_request *r);
void sbx_run_batch_clear(struct sbx_run_batch *b);

/* "512m", "4g", "1024" (ms-enclave's ^\d+[kmgKMG]?$) to bytes. 0 or -EINVAL. */
int sbx_req_parse_memory(const char *s, uint64_t *out);

#endif
