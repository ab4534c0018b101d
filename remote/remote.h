/* The remote backend: jobs run on a sandboxrt or ms-enclave server over HTTP. */
#ifndef SBX_REMOTE_H
#define SBX_REMOTE_H

#include <cjson/cJSON.h>

#include "backend.h"

/* Reads opts->remote_url (required) and opts->remote_api_key (sent as X-API-Key) in open.
 * Against a sandboxrt server (its /health says "server": "sandboxrt") a job without a sandbox
 * is one POST /v1/run; otherwise, and for stateful sandboxes, it speaks ms-enclave's routes:
 * /sandbox/create, /sandbox/{id}/archive for files, shell_executor for the program,
 * file_operation for reads and removals, DELETE /sandbox/{id}. Connection failures are retried
 * a bounded number of times (none with opts->remote_fail_fast), then reported (SANDBOX_ERROR)
 * with the URL and the reason, and what failed in the result's error (an errno).
 * probe() always fails: the backend is used only when a URL is given. Thread-safe.
 * SANDBOXRT_REMOTE_PROTOCOL=ms-enclave makes it use ms-enclave's routes with any server. */
extern const struct sbx_backend_ops sbx_remote_ops;

/* The "limits" a job carries to a sandboxrt server (POST /v1/run): every key that --limit takes
 * (policies/fields.c), in the form policy files use, which the server reads back as overrides.
 * The caller owns the object. */
cJSON *sbx_remote_limits_json(const struct sbx_policy *p);

#endif
