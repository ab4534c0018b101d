/* ms-enclave's tools on sandboxrt's runtime: python_executor, shell_executor, file_operation,
 * multi_code_executor. A tool is one table entry (schema + function) in serve_tools.c. */
#ifndef SBX_SERVE_TOOLS_H
#define SBX_SERVE_TOOLS_H

#include <cjson/cJSON.h>

#include "server/serve.h"
#include "server/serve_registry.h"
#include "server/serve_request.h"

enum sbx_tool_status {
        SBX_TOOL_SUCCESS,
        SBX_TOOL_ERROR,
        SBX_TOOL_TIMEOUT,
        SBX_TOOL_CANCELLED,
        _SBX_TOOL_STATUS_MAX,
};

const char *sbx_tool_status_to_string(enum sbx_tool_status s);

/* ms-enclave's ToolResult. */
struct sbx_tool_result {
        enum sbx_tool_status status;
        char *output; /* valid UTF-8 */
        char *error;  /* valid UTF-8, or NULL */
        cJSON *metadata;
        double execution_time_s;
};

/* Where a tool runs: in the entry's own sandbox (state persists), or, for pool executions, in
 * a fresh sandbox per call configured like the entry (nothing leaks from one caller to the
 * next). wait bounds the time spent waiting for a run slot. */
struct sbx_tool_ctx {
        struct sbx_server *srv;
        struct sbx_tenant *tenant; /* who asks: its ceiling holds the call's limits */
        struct sbx_served *entry;
        bool fresh;
        const struct sbx_wait *wait;
};

/* The tool's OpenAI-style schema: {"type": "function", "function": {...}}. */
cJSON *sbx_tool_schema(enum sbx_tool_id tool);

/* Run one tool call. 0 with *res filled (a program failure is a result with status error);
 * -EINVAL with *err for parameters the tool refuses (a 4xx); -SBX_ECEILING with *err for a
 * timeout above the tenant's ceiling (422); -EIO with *err when the sandbox failed (a 5xx); a
 * scheduler error (-EAGAIN, -ETIMEDOUT, -ECONNRESET, -ESHUTDOWN). A call without a timeout
 * gets 30 s, or the ceiling's wall limit when that is lower. */
int sbx_tool_execute(struct sbx_tool_ctx *ctx, enum sbx_tool_id tool,
                     const struct sbx_tool_params *p, struct sbx_tool_result *res,
                     struct sbx_error **err);

/* The ToolResult JSON; the result's metadata moves into it. */
cJSON *sbx_tool_result_json(const char *tool_name, struct sbx_tool_result *res);
void sbx_tool_result_clear(struct sbx_tool_result *res);

#endif
