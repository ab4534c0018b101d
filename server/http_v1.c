/* sandboxrt's own routes: POST /v1/run, POST /v1/runs, GET /v1/policies, GET /openapi.json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http_server.h"
#include "server/serve_request.h"
#include "server/serve_tenants.h"
#include "policies/fields.h"
#include "util.h"

#define V1_DEFAULT_WAIT_MS (300u * 1000)
#define V1_BATCH_WAIT_MS   (3600u * 1000)
#define V1_WORKER_STACK    (256u << 10)

/* The OpenAPI document, embedded at build time (tests/serve.cmake makes this object depend on
 * the file). */
__asm__(".section .rodata\n"
        ".globl sbx_openapi_start\n"
        ".hidden sbx_openapi_start\n"
        ".globl sbx_openapi_end\n"
        ".hidden sbx_openapi_end\n"
        "sbx_openapi_start:\n"
        ".incbin \"" SBX_SOURCE_DIR "/server/openapi.json\"\n"
        "sbx_openapi_end:\n"
        ".byte 0\n"
        ".previous\n");
extern const char sbx_openapi_start[] __attribute__((visibility("hidden")));
extern const char sbx_openapi_end[] __attribute__((visibility("hidden")));

void sbx_route_openapi(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        size_t n = (size_t)(sbx_openapi_end - sbx_openapi_start);
        char *body = malloc(n + 1);

        if (body)
                memcpy(body, sbx_openapi_start, n);
        sbx_http_reply_raw(resp, 200, "application/json", body, n);
}

/* ---- running jobs ------------------------------------------------------------------------- */

/* The runtime for sandboxrt's own jobs: the native jail unless only Docker is there. */
static struct sbx_runtime *default_runtime(struct sbx_server *srv)
{
        return srv->rt_native ? srv->rt_native : srv->rt_docker;
}

/* One request's job as the runtime takes it; files points at room for SBX_REQ_FILES_MAX. */
static struct sbx_job job_of(const struct sbx_run_request *rq, struct sbx_file *files,
                             const struct sbx_tenant *t)
{
        for (size_t i = 0; i < rq->n_files; i++)
                files[i] = (struct sbx_file){rq->files[i].path, rq->files[i].data,
                                             rq->files[i].size, rq->files[i].mode};
        return (struct sbx_job){
            .argv = (const char *const *)rq->argv,
            .language = rq->language,
            .source = rq->source,
            .source_size = rq->source_size,
            .files = files,
            .n_files = rq->n_files,
            .stdin_data = rq->stdin_data,
            .stdin_size = rq->stdin_size,
            .policy = rq->policy,
            .limits = (const char *const *)rq->limits,
            .env = (const char *const *)rq->env,
            .ceiling = t->ceiling,
        };
}

/* Would the runtime take this job (policy, limits, ceiling)? Checked before it waits for a
 * slot, so a refusal costs nobody a turn. */
static int check_one(struct sbx_server *srv, const struct sbx_tenant *t,
                     const struct sbx_run_request *rq, struct sbx_error **err)
{
        struct sbx_file files[SBX_REQ_FILES_MAX];
        struct sbx_job job = job_of(rq, files, t);
        struct sbx_runtime *rt = default_runtime(srv);
        int r;

        if (!rt)
                return sbx_error_set(err, EIO, "no backend is available");
        r = sbx_check(rt, &job, err);
        return r < 0 && r != -ENOMEM && r != -SBX_ECEILING ? -EINVAL : r;
}

/* Run one request's job under the scheduler: 0 with *out, or as sbx_serve_run. */
static int run_one(struct sbx_server *srv, struct sbx_tenant *t, const struct sbx_run_request *rq,
                   const struct sbx_wait *w, struct sbx_result **out, struct sbx_error **err)
{
        struct sbx_file files[SBX_REQ_FILES_MAX];
        struct sbx_job job = job_of(rq, files, t);
        const struct sbx_serve_target where = {.rt = default_runtime(srv)};
        int r = check_one(srv, t, rq, err);

        return r < 0 ? r : sbx_serve_run(srv, t, &where, &job, w, out, err);
}

static void reply_run(struct sbx_http_response *resp, int r, const struct sbx_result *res,
                      const struct sbx_error *err, uint64_t wait_ms)
{
        const char *msg = err && err->message ? err->message : strerror(r < 0 ? -r : EIO);

        if (r == 0) {
                char *json = sbx_result_to_json(res);
                sbx_http_reply_raw(resp, 200, "application/json", json, json ? strlen(json) : 0);
        } else if (r == -EINVAL) {
                sbx_http_reply_detail(resp, 400, "%s", msg);
        } else if (r == -SBX_ECEILING) {
                sbx_http_reply_detail(resp, 422, "%s", msg);
        } else if (r == -ENOMEM || r == -EIO) {
                sbx_http_reply_detail(resp, 500, "%s", msg);
        } else {
                sbx_http_reply_wait_error(resp, r, 503, wait_ms);
        }
}

void sbx_route_v1_run(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        struct sbx_run_request rq;
        struct sbx_result *res = NULL;
        struct sbx_error *err = NULL;
        _cleanup_free_ char *detail = NULL;
        int r = sbx_req_parse_run(req->body, req->body_size, &rq, &detail);

        if (r < 0) {
                sbx_http_reply_detail(resp, r == -ENOMEM ? 500 : 422, "%s",
                                      detail ? detail : strerror(-r));
                return;
        }
        uint64_t wait_ms = rq.wait_ms ? rq.wait_ms : V1_DEFAULT_WAIT_MS;
        struct sbx_wait w = sbx_http_wait(req, wait_ms);
        if (sbx_http_take_jobs(req, resp, 1) == 1) {
                r = run_one(req->srv, req->tenant, &rq, &w, &res, &err);
                sbx_tenant_jobs_give(req->tenant, 1);
                if (!sbx_http_reply_if_gone(req, resp))
                        reply_run(resp, r, res, err, wait_ms);
        }
        sbx_result_free(res);
        sbx_error_free(err);
        sbx_run_request_clear(&rq);
}

/* ---- batches ------------------------------------------------------------------------------ */

struct batch {
        struct sbx_server *srv;
        struct sbx_tenant *tenant;
        const struct sbx_run_batch *jobs;
        struct sbx_wait wait;
        char **results; /* JSON texts, in job order */
        atomic_size_t next;
};

static char *error_json(const char *msg)
{
        cJSON *o = cJSON_CreateObject();
        char *s;

        cJSON_AddStringToObject(o, "error", msg);
        s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        return s;
}

static void *batch_worker(void *arg)
{
        struct batch *b = arg;

        for (size_t i; (i = atomic_fetch_add(&b->next, 1)) < b->jobs->n_jobs;) {
                struct sbx_result *res = NULL;
                struct sbx_error *err = NULL;
                int r = run_one(b->srv, b->tenant, &b->jobs->jobs[i], &b->wait, &res, &err);
                if (r == 0)
                        b->results[i] = sbx_result_to_json(res);
                else
                        b->results[i] = error_json(err && err->message ? err->message
                                                   : r == -ECONNRESET  ? "client went away"
                                                   : r == -ESHUTDOWN   ? "server is shutting down"
                                                   : r == -EAGAIN      ? "job queue is full"
                                                                       : strerror(-r));
                sbx_result_free(res);
                sbx_error_free(err);
        }
        return NULL;
}

/* {"results":[...]} from the texts; NULL entries (out of memory) become null. */
static char *join_results(char **results, size_t n, size_t *size)
{
        size_t len = sizeof("{\"results\":[]}");
        char *out, *o;

        for (size_t i = 0; i < n; i++)
                len += (results[i] ? strlen(results[i]) : 4) + 1;
        out = o = malloc(len);
        if (!out)
                return NULL;
        o += snprintf(o, len, "{\"results\":[");
        for (size_t i = 0; i < n; i++) {
                const char *s = results[i] ? results[i] : "null";
                size_t k = strlen(s);
                if (i)
                        *o++ = ',';
                memcpy(o, s, k);
                o += k;
        }
        memcpy(o, "]}", 3);
        *size = (size_t)(o + 2 - out);
        return out;
}

/* k workers (the jobs the tenant's quota gave) take jobs in order; each job still waits for
 * its own slot. */
static void run_batch(struct batch *b, size_t k)
{
        pthread_t threads[64];
        pthread_attr_t attr;
        size_t started = 0;

        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, V1_WORKER_STACK);
        for (size_t i = 1; i < k; i++)
                if (pthread_create(&threads[started], &attr, batch_worker, b) == 0)
                        started++;
        pthread_attr_destroy(&attr);
        batch_worker(b);
        for (size_t i = 0; i < started; i++)
                pthread_join(threads[i], NULL);
}

/* A batch is refused whole, before anything runs, when one of its jobs is above the ceiling:
 * 422 naming the job. Other invalid jobs get an error entry of their own. */
static bool batch_within_ceiling(struct sbx_http_request *req, struct sbx_http_response *resp,
                                 const struct sbx_run_batch *jobs)
{
        for (size_t i = 0; i < jobs->n_jobs; i++) {
                struct sbx_error *err = NULL;
                int r = check_one(req->srv, req->tenant, &jobs->jobs[i], &err);
                if (r == -SBX_ECEILING)
                        sbx_http_reply_detail(resp, 422, "jobs[%zu]: %s", i, err->message);
                sbx_error_free(err);
                if (r == -SBX_ECEILING)
                        return false;
        }
        return true;
}

void sbx_route_v1_runs(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        struct sbx_run_batch jobs;
        _cleanup_free_ char *detail = NULL;
        int r = sbx_req_parse_batch(req->body, req->body_size, &jobs, &detail);
        unsigned k;

        if (r < 0) {
                sbx_http_reply_detail(resp, r == -ENOMEM ? 500 : 422, "%s",
                                      detail ? detail : strerror(-r));
                return;
        }
        k = jobs.n_jobs < req->srv->cfg->max_concurrency ? (unsigned)jobs.n_jobs
                                                         : req->srv->cfg->max_concurrency;
        k = k < 64 ? k : 64;
        if (!batch_within_ceiling(req, resp, &jobs) || !(k = sbx_http_take_jobs(req, resp, k))) {
                sbx_run_batch_clear(&jobs);
                return;
        }
        struct batch b = {.srv = req->srv,
                          .tenant = req->tenant,
                          .jobs = &jobs,
                          .wait = sbx_http_wait(req, V1_BATCH_WAIT_MS)};
        b.results = calloc(jobs.n_jobs, sizeof(*b.results));
        if (b.results) {
                size_t size = 0;
                run_batch(&b, k);
                char *body = join_results(b.results, jobs.n_jobs, &size);
                sbx_http_reply_raw(resp, 200, "application/json", body, size);
                for (size_t i = 0; i < jobs.n_jobs; i++)
                        free(b.results[i]);
                free(b.results);
        } else {
                sbx_http_reply_detail(resp, 500, "out of memory");
        }
        sbx_tenant_jobs_give(req->tenant, k);
        sbx_run_batch_clear(&jobs);
}

/* ---- policies ----------------------------------------------------------------------------- */

static cJSON *paths_json(char *const *v)
{
        cJSON *a = cJSON_CreateArray();

        for (size_t i = 0; a && v && v[i]; i++)
                cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
        return a;
}

static cJSON *fields_json(const struct sbx_field *fields, size_t n, const struct sbx_policy *p)
{
        cJSON *o = cJSON_CreateObject();

        for (size_t i = 0; i < n; i++) {
                const struct sbx_field *f = &fields[i];
                const char *s = sbx_field_string(f, p);
                if (f->kind == SBX_FIELD_LIMITS)
                        cJSON_AddItemToObject(o, f->json, fields_json(f->sub, f->n_sub, p));
                else if (f->kind == SBX_FIELD_NAME || f->kind == SBX_FIELD_TEXT ||
                         f->kind == SBX_FIELD_NETWORK)
                        cJSON_AddStringToObject(o, f->json, s ? s : "");
                else if (f->kind == SBX_FIELD_WARM)
                        cJSON_AddItemToObject(o, f->json,
                                              sbx_field_is_set(f, p)
                                                  ? cJSON_CreateBool(p->warm == SBX_WARM_ON)
                                                  : cJSON_CreateNull());
                else if (f->kind == SBX_FIELD_PATHS)
                        cJSON_AddItemToObject(o, f->json, paths_json(sbx_field_paths(f, p)));
                else
                        cJSON_AddNumberToObject(o, f->json, (double)sbx_field_get(f, p));
        }
        return o;
}

/* Every key of the policy table under its JSON name (policies/fields.c). */
cJSON *sbx_http_policy_json(const struct sbx_policy *p)
{
        return fields_json(sbx_policy_fields, sbx_n_policy_fields, p);
}

void sbx_route_v1_policies(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        struct sbx_runtime *rt = default_runtime(req->srv);
        const struct sbx_policy *p;
        cJSON *list = cJSON_CreateArray();

        for (size_t i = 0; rt && (p = sbx_runtime_policy_at(rt, i)); i++)
                cJSON_AddItemToArray(list, sbx_http_policy_json(p));
        sbx_http_reply_json(resp, 200, list);
}
