/* ms-enclave's routes (docs/spec/ms-enclave-http.md): statuses and "detail" texts are what its
 * HttpSandboxManager expects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http_server.h"
#include "server/serve_archive.h"
#include "server/serve_fleet.h"
#include "server/serve_registry.h"
#include "server/serve_tenants.h"
#include "server/serve_tools.h"
#include "util.h"

#define POOL_DEFAULT_WAIT_MS (3600u * 1000) /* ms-enclave's DEFAULT_POOL_EXECUTION_TIMEOUT */
#define POOL_SIZE_MAX        1024

static const char *query(const struct sbx_http_request *req, const char *key)
{
        return sbx_http_query_get(&req->target.query, key);
}

/* ---- health and stats --------------------------------------------------------------------- */

/* What a tenant may ask for: at most its ceiling policy, and a network change only when
 * network_allowed. */
static cJSON *ceiling_object(const struct sbx_ceiling *c)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "policy", sbx_ceiling_policy(c)->name);
        cJSON_AddBoolToObject(o, "network_allowed", sbx_ceiling_allows_network(c));
        cJSON_AddItemToObject(o, "limits", sbx_http_policy_json(sbx_ceiling_policy(c)));
        return o;
}

/* The server as tenant t sees it: its own sandboxes, pool and jobs. */
static cJSON *stats_object(struct sbx_server *srv, struct sbx_tenant *t)
{
        cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateObject();
        size_t by_status[_SBX_SB_MAX], total, pool_size;
        unsigned running, waiting;
        bool pool_initialized;

        sbx_registry_counts(srv->reg, t, by_status, &total);
        sbx_registry_pool_stats(srv->reg, t, &pool_size, &pool_initialized);
        sbx_sched_stats(&srv->sched, &running, &waiting);
        for (int s = 0; s < _SBX_SB_MAX; s++)
                if (by_status[s])
                        cJSON_AddNumberToObject(counts, sbx_sb_status_to_string(s),
                                                (double)by_status[s]);
        cJSON_AddStringToObject(o, "manager_type", "local");
        cJSON_AddNumberToObject(o, "total_sandboxes", (double)total);
        cJSON_AddItemToObject(o, "status_counts", counts);
        cJSON_AddItemToObject(o, "sandbox_types", sbx_registry_types(srv->reg, t));
        cJSON_AddBoolToObject(o, "running", !atomic_load(&srv->stopping));
        cJSON_AddNumberToObject(o, "cleanup_interval", srv->cfg->cleanup_interval_s);
        cJSON_AddNumberToObject(o, "pool_size", (double)pool_size);
        cJSON_AddBoolToObject(o, "pool_enabled", pool_size > 0);
        cJSON_AddBoolToObject(o, "pool_initialized", pool_initialized);
        /* sandboxrt's own, ignored by ms-enclave clients. */
        cJSON_AddNumberToObject(o, "max_concurrency", srv->cfg->max_concurrency);
        cJSON_AddNumberToObject(o, "running_jobs", running);
        cJSON_AddNumberToObject(o, "queued_jobs", waiting);
        cJSON_AddNumberToObject(o, "tenant_jobs", atomic_load(&t->jobs));
        cJSON_AddItemToObject(o, "ceiling", ceiling_object(t->ceiling));
        cJSON *backends = cJSON_AddObjectToObject(o, "backends");
        cJSON_AddBoolToObject(backends, "native", srv->rt_native != NULL);
        cJSON_AddBoolToObject(backends, "docker", srv->rt_docker != NULL);
        return o;
}

void sbx_route_health(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        struct sbx_server *srv = req->srv;
        cJSON *o = cJSON_CreateObject(), *stats = stats_object(srv, req->tenant);
        bool draining = atomic_load(&srv->stopping);

        /* Draining after SIGTERM: readiness fails, so load balancers send new work elsewhere. */
        cJSON_AddBoolToObject(o, "healthy", !draining);
        if (draining)
                cJSON_AddStringToObject(o, "status", "draining");
        cJSON_AddStringToObject(o, "version", SBX_VERSION);
        cJSON_AddNumberToObject(o, "uptime", (double)(sbx_now_usec() - srv->start_usec) / 1e6);
        cJSON_AddNumberToObject(
            o, "active_sandboxes",
            cJSON_GetNumberValue(cJSON_GetObjectItem(stats, "total_sandboxes")));
        cJSON_AddItemToObject(o, "system_info", stats);
        /* How sandboxrt's remote backend tells this server from ms-enclave's. */
        cJSON_AddStringToObject(o, "server", "sandboxrt");
        cJSON_AddStringToObject(o, "backend",
                                srv->rt_native   ? "native"
                                : srv->rt_docker ? "docker"
                                                 : "none");
        sbx_http_reply_json(resp, draining ? 503 : 200, o);
}

/* A node that is draining takes no new sandboxes; true when it replied so. */
static bool refuse_draining(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        if (!atomic_load(&req->srv->stopping))
                return false;
        sbx_http_reply_wait_error(resp, -ESHUTDOWN, 503, 0);
        return true;
}

void sbx_route_stats(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        sbx_http_reply_json(resp, 200, stats_object(req->srv, req->tenant));
}

/* ---- sandboxes ---------------------------------------------------------------------------- */

/* sandbox_type: required; ms-enclave's enum is a 422, a known type sandboxrt cannot serve is a
 * failed create (400). */
static bool check_type(const char *type, bool required, struct sbx_http_response *resp)
{
        if (!type && !required)
                return true;
        if (!type) {
                sbx_http_reply_detail(resp, 422, "sandbox_type: field required");
                return false;
        }
        if (!sbx_sandbox_type_known(type)) {
                sbx_http_reply_detail(resp, 422,
                                      "sandbox_type: must be one of 'docker', "
                                      "'docker_notebook', 'volcengine'");
                return false;
        }
        if (strcmp(type, "docker")) {
                sbx_http_reply_detail(resp, 400,
                                      "Failed to create sandbox: sandbox type '%s' is not "
                                      "supported by sandboxrt (use 'docker')",
                                      type);
                return false;
        }
        return true;
}

void sbx_route_create(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        const char *type = query(req, "sandbox_type");
        struct sbx_sandbox_config cfg;
        struct sbx_served *e = NULL;
        struct sbx_error *err = NULL;
        _cleanup_free_ char *detail = NULL;

        if (!check_type(type, true, resp) || refuse_draining(req, resp))
                return;
        int r = sbx_req_parse_sandbox_config(req->body, req->body_size, &cfg, &detail);
        if (r == -EBADMSG) {
                sbx_http_reply_detail(resp, 422, "%s", detail);
                return;
        }
        if (r < 0) {
                sbx_http_reply_detail(resp, 400, "Failed to create sandbox: %s",
                                      detail ? detail : strerror(-r));
                return;
        }
        r = sbx_registry_create(req->srv->reg, req->tenant, type, &cfg, false, &e, &err);
        sbx_sandbox_config_clear(&cfg);
        if (r < 0) {
                sbx_http_reply_detail(resp, sbx_http_refusal_status(r, 400),
                                      "Failed to create sandbox: %s",
                                      err && err->message ? err->message : strerror(-r));
                sbx_error_free(err);
                return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "sandbox_id", e->id);
        sbx_registry_put(req->srv->reg, e);
        sbx_http_reply_json(resp, 200, o);
}

void sbx_route_list(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        const char *status = query(req, "status");
        int filter = status ? sbx_sb_status_from_string(status) : -1;

        if (status && filter < 0) {
                sbx_http_reply_detail(resp, 422,
                                      "status: must be one of 'initializing', 'running', "
                                      "'idle', 'busy', 'stopping', 'stopped', 'error'");
                return;
        }
        sbx_http_reply_json(resp, 200, sbx_registry_list(req->srv->reg, req->tenant, filter));
}

void sbx_route_get(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        struct sbx_served *e = sbx_registry_get(req->srv->reg, req->tenant, req->id);

        if (!e) {
                sbx_http_reply_detail(resp, 404, "Sandbox not found");
                return;
        }
        sbx_http_reply_json(resp, 200, sbx_registry_info(req->srv->reg, e));
        sbx_registry_put(req->srv->reg, e);
}

void sbx_route_stop(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        if (sbx_registry_stop(req->srv->reg, req->tenant, req->id) < 0) {
                sbx_http_reply_detail(resp, 404, "Sandbox not found");
                return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "message", "Sandbox stopped successfully");
        sbx_http_reply_json(resp, 200, o);
}

void sbx_route_delete(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        struct sbx_error *err = NULL;
        int r = sbx_registry_delete(req->srv->reg, req->tenant, req->id, &err);

        if (r == -ENOENT) {
                sbx_http_reply_detail(resp, 404, "Sandbox not found");
                return;
        }
        if (r < 0) {
                sbx_http_reply_detail(resp, 500,
                                      "Sandbox deleted, but not all of it could be removed "
                                      "from the host: %s",
                                      err && err->message ? err->message : strerror(-r));
                sbx_error_free(err);
                return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "message", "Sandbox deleted successfully");
        sbx_http_reply_json(resp, 200, o);
}

void sbx_route_tools(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        struct sbx_served *e = sbx_registry_get(req->srv->reg, req->tenant, req->id);

        if (!e) {
                sbx_http_reply_detail(resp, 404, "Sandbox %s not found", req->id);
                return;
        }
        cJSON *info = sbx_registry_info(req->srv->reg, e);
        cJSON *tools = cJSON_DetachItemFromObject(info, "available_tools");
        cJSON_Delete(info);
        sbx_registry_put(req->srv->reg, e);
        sbx_http_reply_json(resp, 200, tools ? tools : cJSON_CreateObject());
}

/* ---- tools -------------------------------------------------------------------------------- */

/* ms-enclave's words for a sandbox that is stopped or failed: its tool calls answer 404 with
 * them, its uploads 400. */
static void reply_not_active(struct sbx_http_request *req, struct sbx_http_response *resp,
                             unsigned status, struct sbx_served *e)
{
        sbx_http_reply_detail(resp, status, "Sandbox %s is not active (status: %s)", e->id,
                              sbx_sb_status_to_string(sbx_registry_status(req->srv->reg, e)));
}

/* A tool call's outcome as a response: ToolResult, or the status its error stands for. */
static void reply_tool(struct sbx_http_response *resp, int r, const char *tool_name,
                       struct sbx_tool_result *res, struct sbx_error *err, unsigned bad_params,
                       uint64_t wait_ms)
{
        const char *msg = err && err->message ? err->message : strerror(r < 0 ? -r : EIO);

        if (r == 0)
                sbx_http_reply_json(resp, 200, sbx_tool_result_json(tool_name, res));
        else if (r == -EINVAL)
                sbx_http_reply_detail(resp, bad_params, "%s", msg);
        else if (r == -SBX_ECEILING)
                sbx_http_reply_detail(resp, 422, "%s", msg);
        else if (r == -EAGAIN || r == -ETIMEDOUT || r == -ECONNRESET || r == -ESHUTDOWN)
                sbx_http_reply_wait_error(resp, r, 503, wait_ms);
        else
                sbx_http_reply_detail(resp, 500, "%s", msg);
}

/* Hold e and run the tool in its own sandbox. */
static void execute_in(struct sbx_http_request *req, struct sbx_http_response *resp,
                       struct sbx_served *e, enum sbx_tool_id tool, struct sbx_tool_call *call)
{
        uint64_t wait_ms = call->timeout_ms          ? call->timeout_ms
                           : call->params.timeout_ms ? call->params.timeout_ms
                                                     : 30000;
        struct sbx_wait w = sbx_http_wait(req, wait_ms);
        struct sbx_tool_ctx ctx = {
            .srv = req->srv, .tenant = req->tenant, .entry = e, .fresh = false, .wait = &w};
        struct sbx_tool_result res = {0};
        struct sbx_error *err = NULL;
        int r = sbx_registry_begin(req->srv->reg, e, &w, &err);

        if (r == -ENOENT) {
                sbx_http_reply_detail(resp, 404, "Sandbox %s not found", e->id);
        } else if (r == -EPIPE) {
                reply_not_active(req, resp, 404, e);
        } else if (r < 0 && err) {
                sbx_http_reply_detail(resp, 500, "Sandbox %s could not start: %s", e->id,
                                      err->message ? err->message : strerror(-r));
        } else if (r < 0) {
                sbx_http_reply_wait_error(resp, r, 503, wait_ms);
        } else {
                r = sbx_tool_execute(&ctx, tool, &call->params, &res, &err);
                sbx_registry_end(req->srv->reg, e);
                /* Parameters a tool refuses are ms-enclave's TypeError there: a 500. */
                if (!sbx_http_reply_if_gone(req, resp))
                        reply_tool(resp, r, call->tool_name, &res, err, 500, wait_ms);
        }
        sbx_tool_result_clear(&res);
        sbx_error_free(err);
}

void sbx_route_tool_execute(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        struct sbx_tool_call call;
        _cleanup_free_ char *detail = NULL;
        int r = sbx_req_parse_tool_call(req->body, req->body_size, &call, &detail);

        if (r < 0) {
                sbx_http_reply_detail(resp, 422, "%s", detail ? detail : strerror(-r));
                return;
        }
        struct sbx_served *e = sbx_registry_get(req->srv->reg, req->tenant, call.sandbox_id);
        int tool = sbx_tool_from_string(call.tool_name);
        if (!e) {
                if (!sbx_node_reply_foreign(req, resp, call.sandbox_id))
                        sbx_http_reply_detail(resp, 404, "Sandbox %s not found", call.sandbox_id);
        } else if (tool < 0 || !(e->cfg.tools & (1u << tool))) {
                sbx_http_reply_detail(resp, 404, "Tool %s is not available", call.tool_name);
        } else if (sbx_http_take_jobs(req, resp, 1) == 1) {
                execute_in(req, resp, e, (enum sbx_tool_id)tool, &call);
                sbx_tenant_jobs_give(req->tenant, 1);
        }
        sbx_registry_put(req->srv->reg, e);
        sbx_tool_call_clear(&call);
}

/* ---- archive ------------------------------------------------------------------------------ */

static void extract_into(struct sbx_http_request *req, struct sbx_http_response *resp,
                         struct sbx_served *e, const char *dir)
{
        struct sbx_wait w = sbx_http_wait(req, 60000);
        struct sbx_error *err = NULL;
        int r = sbx_registry_begin(req->srv->reg, e, &w, &err);

        if (r == -ENOENT) {
                sbx_http_reply_detail(resp, 404, "Sandbox %s not found", e->id);
        } else if (r == -EPIPE) {
                reply_not_active(req, resp, 400, e);
        } else if (r < 0) {
                if (err)
                        sbx_http_reply_detail(resp, 500, "%s", err->message);
                else
                        sbx_http_reply_wait_error(resp, r, 503, 60000);
        } else {
                r = sbx_archive_extract(e->sb, dir, req->body, req->body_size,
                                        req->srv->cfg->max_body_bytes * 4, &err);
                sbx_registry_end(req->srv->reg, e);
                if (r == 0) {
                        cJSON *o = cJSON_CreateObject();
                        cJSON_AddBoolToObject(o, "ok", true);
                        sbx_http_reply_json(resp, 200, o);
                } else {
                        sbx_http_reply_detail(resp, r == -EINVAL ? 400 : 500, "%s",
                                              err && err->message ? err->message : strerror(-r));
                }
        }
        sbx_error_free(err);
}

/* ms-enclave's checks, in its order: target_dir is a required query parameter (422), the body
 * is not empty (400), the sandbox exists (404), target_dir is not empty (400). A relative
 * target_dir is relative to the working directory; one outside the writable directories fails
 * as ms-enclave's `mkdir -p` of it would (500). */
void sbx_route_archive(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        const char *target = query(req, "target_dir"), *why = NULL;
        _cleanup_free_ char *dir = NULL;
        struct sbx_served *e;

        if (!target) {
                sbx_http_reply_detail(resp, 422, "target_dir: field required");
                return;
        }
        if (req->body_size == 0) {
                sbx_http_reply_detail(resp, 400, "Archive body must not be empty");
                return;
        }
        if (!(e = sbx_registry_get(req->srv->reg, req->tenant, req->id))) {
                sbx_http_reply_detail(resp, 404, "Sandbox %s not found", req->id);
                return;
        }
        const struct sbx_policy *p = sbx_ceiling_policy(e->owner->tool_ceiling);
        int r = *target ? sbx_http_map_path(p, e->cfg.working_dir, target, &dir, &why) : -EINVAL;
        char dirs[SBX_WRITABLE_LIST_BYTES];
        if (!*target)
                sbx_http_reply_detail(resp, 400, "target_dir must not be empty");
        else if (r == -EROFS) /* ms-enclave: its `mkdir -p` failed, a 500 */
                sbx_http_reply_detail(resp, 500,
                                      "Failed to create target directory %s: it %s (writable: %s)",
                                      target, why, sbx_writable_dirs_list(p, dirs, sizeof(dirs)));
        else if (r < 0)
                sbx_http_reply_detail(resp, r == -ENOMEM ? 500 : 400, "target_dir %s %s", target,
                                      why ? why : "cannot be used");
        else
                extract_into(req, resp, e, dir);
        sbx_registry_put(req->srv->reg, e);
}

/* ---- pool --------------------------------------------------------------------------------- */

/* pool_size: an integer; absent, 0 or less asks for no pool (ms-enclave answers 200 with no
 * ids and leaves any pool as it was). */
static int pool_size(const char *s, uint64_t *n)
{
        *n = 0;
        if (!s)
                return 0;
        if (s[0] == '-' && s[1] && strspn(s + 1, "0123456789") == strlen(s + 1))
                return 0;
        return sbx_parse_u64(s, n) < 0 || *n > POOL_SIZE_MAX ? -EINVAL : 0;
}

/* note, when set: why the pool is not the one asked for. */
static void reply_pool(struct sbx_http_response *resp, uint64_t n, cJSON *ids, const char *note)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "message", "Pool initialized successfully");
        cJSON_AddNumberToObject(o, "pool_size", (double)n);
        cJSON_AddItemToObject(o, "sandbox_ids", ids ? ids : cJSON_CreateArray());
        if (note)
                cJSON_AddStringToObject(o, "note", note);
        sbx_http_reply_json(resp, 200, o);
}

void sbx_route_pool_init(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        const char *size = query(req, "pool_size"), *type = query(req, "sandbox_type");
        struct sbx_error *err = NULL;
        cJSON *ids = NULL;
        uint64_t n = 0;

        if (pool_size(size, &n) < 0) {
                sbx_http_reply_detail(resp, 422, "pool_size: must be an integer of at most %d",
                                      POOL_SIZE_MAX);
                return;
        }
        if (!check_type(type ? type : "docker", true, resp) || refuse_draining(req, resp))
                return;
        /* A node started with --pool-size keeps each tenant's pool: behind a load balancer
         * /pool/initialize reaches one node only, and every node must serve /pool/execute
         * alike. */
        if (req->srv->cfg->pool_size) {
                reply_pool(resp, req->srv->cfg->pool_size,
                           sbx_registry_pool_ids(req->srv->reg, req->tenant),
                           "this server keeps the pool it was started with (--pool-size, "
                           "--pool-config); the requested size and config were not applied");
                return;
        }
        if (n == 0) {
                reply_pool(resp, 0, NULL, NULL);
                return;
        }
        int r =
            sbx_registry_pool_init(req->srv->reg, req->tenant, (unsigned)n, type ? type : "docker",
                                   req->body, req->body_size, &ids, &err);
        if (r < 0) {
                sbx_http_reply_detail(resp, sbx_http_refusal_status(r, 500),
                                      "Failed to initialize pool: %s",
                                      err && err->message ? err->message : strerror(-r));
                sbx_error_free(err);
                return;
        }
        reply_pool(resp, n, ids, NULL);
}

/* How long /pool/execute waits for an idle member, and how ms-enclave words it: Python's str()
 * of the float the client sent ("5.0", "0.5"), or of its default (3600). */
struct pool_wait {
        uint64_t ms;
        char text[40];
};

static int pool_wait_of(const char *timeout, struct pool_wait *pw)
{
        double s;

        pw->ms = 0;
        if (timeout && sbx_http_timeout_to_ms(timeout, SBX_REQ_TIMEOUT_MAX_S, &pw->ms) < 0)
                return -EINVAL;
        if (pw->ms == 0) { /* absent, 0 or less: ms-enclave's `timeout or default` */
                pw->ms = POOL_DEFAULT_WAIT_MS;
                snprintf(pw->text, sizeof(pw->text), "%u", POOL_DEFAULT_WAIT_MS / 1000);
                return 0;
        }
        s = (double)pw->ms / 1000.0;
        snprintf(pw->text, sizeof(pw->text), s == (double)(uint64_t)s ? "%.1f" : "%g", s);
        return 0;
}

/* Borrow an idle member, run the tool in a fresh sandbox configured like it, give it back. */
static void pool_run(struct sbx_http_request *req, struct sbx_http_response *resp,
                     const char *tool_name, enum sbx_tool_id tool, struct sbx_tool_params *p,
                     const struct pool_wait *pw)
{
        uint64_t wait_ms = pw->ms;
        struct sbx_wait w = sbx_http_wait(req, wait_ms);
        struct sbx_tool_result res = {0};
        struct sbx_error *err = NULL;
        struct sbx_served *e = NULL;
        int r = sbx_registry_pool_acquire(req->srv->reg, req->tenant, &w, &e);

        if (r == -ENOENT) {
                sbx_http_reply_detail(resp, 400,
                                      "Sandbox pool is empty, call initialize_pool first");
                return;
        }
        if (r < 0)
                sbx_metrics_rejected(&req->tenant->metrics, r);
        if (r == -ETIMEDOUT) {
                sbx_http_reply_detail(resp, 408,
                                      "Timeout waiting for available sandbox from pool after %ss",
                                      pw->text);
                return;
        }
        if (r < 0) {
                sbx_http_reply_wait_error(resp, r, 408, wait_ms);
                return;
        }
        if (!(e->cfg.tools & (1u << tool))) {
                sbx_http_reply_detail(resp, 400, "Tool %s is not available", tool_name);
        } else {
                /* The member is ours; the run slot gets a full wait of its own. */
                struct sbx_wait slot = sbx_http_wait(req, wait_ms);
                struct sbx_tool_ctx ctx = {.srv = req->srv,
                                           .tenant = req->tenant,
                                           .entry = e,
                                           .fresh = true,
                                           .wait = &slot};
                r = sbx_tool_execute(&ctx, tool, p, &res, &err);
                if (!sbx_http_reply_if_gone(req, resp))
                        reply_tool(resp, r, tool_name, &res, err, 400, wait_ms);
        }
        sbx_registry_pool_release(req->srv->reg, e);
        sbx_tool_result_clear(&res);
        sbx_error_free(err);
}

void sbx_route_pool_execute(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        const char *tool_name = query(req, "tool_name"), *timeout = query(req, "timeout");
        struct pool_wait pw;
        struct sbx_tool_params p;
        _cleanup_free_ char *detail = NULL;

        if (!tool_name) {
                sbx_http_reply_detail(resp, 422, "tool_name: field required");
                return;
        }
        if (pool_wait_of(timeout, &pw) < 0) {
                sbx_http_reply_detail(resp, 422, "timeout: must be a number of seconds");
                return;
        }
        int tool = sbx_tool_from_string(tool_name);
        if (tool < 0) {
                sbx_http_reply_detail(resp, 400, "Tool %s is not available", tool_name);
                return;
        }
        int r = sbx_req_parse_tool_params(req->body, req->body_size, &p, &detail);
        if (r < 0) { /* a body that is not a JSON object fails FastAPI's validation there */
                sbx_http_reply_detail(resp, r == -EBADMSG ? 422 : 400, "%s",
                                      detail ? detail : strerror(-r));
                return;
        }
        if (sbx_http_take_jobs(req, resp, 1) == 1) {
                pool_run(req, resp, tool_name, (enum sbx_tool_id)tool, &p, &pw);
                sbx_tenant_jobs_give(req->tenant, 1);
        }
        sbx_tool_params_clear(&p);
}
