/* The HTTP layer of sandboxrt serve: requests as the routes see them, responses, the route
 * table, and the libmicrohttpd daemon. Only http_server.c includes <microhttpd.h>. */
#ifndef SBX_HTTP_SERVER_H
#define SBX_HTTP_SERVER_H

#include <cjson/cJSON.h>

#include "server/http_parse.h"
#include "server/serve.h"

struct sbx_http_request {
        struct sbx_server *srv;
        struct sbx_tenant *tenant; /* who the key says asks: set before any route runs */
        const char *method;
        struct sbx_http_target target;
        const char *id; /* the {id} segment of the matched route, or NULL */
        char *body;
        size_t body_size, body_cap;
        int client_fd;
        uint64_t start_usec;
        /* Plumbing state, not for routes. */
        struct sbx_conn *conn;
        char *raw_target;
        int target_error;
        bool started, rejected;
        unsigned late_status; /* refuse once the body has been read */
        const char *late_detail;
        unsigned status;
};

struct sbx_http_response {
        unsigned status;
        char *body; /* malloc'd */
        size_t size;
        const char *content_type;
        bool close;        /* close the connection after this response */
        const char *allow; /* the Allow header (a 405's), or NULL */
};

typedef void (*sbx_route_fn)(struct sbx_http_request *req, struct sbx_http_response *resp);

struct sbx_route {
        const char *method;
        const char *pattern; /* "/sandbox/{id}/tools": {id} matches one segment */
        sbx_route_fn fn;
};

/* The route for method and target: sets *id for {id} patterns. NULL when nothing matches;
 * allow then holds the methods the path takes ("GET, DELETE": a 405 and its Allow header), or
 * "" when none does (a 404). */
#define SBX_HTTP_ALLOW_MAX 32
const struct sbx_route *sbx_http_route_find(const char *method, const struct sbx_http_target *t,
                                            const char **id, char allow[SBX_HTTP_ALLOW_MAX]);

/* Responses: each replaces what resp held. json is consumed. */
void sbx_http_reply_json(struct sbx_http_response *resp, unsigned status, cJSON *json);
void sbx_http_reply_detail(struct sbx_http_response *resp, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sbx_http_reply_raw(struct sbx_http_response *resp, unsigned status, const char *content_type,
                        char *body, size_t size);
/* A scheduler or wait failure as a response: 503 (queue full, no slot in time, shutting down),
 * timeout_status when the wait itself ran out (408 for the pool), 499 for a vanished client. */
void sbx_http_reply_wait_error(struct sbx_http_response *resp, int r, unsigned timeout_status,
                               uint64_t waited_ms);
/* The client left while its request ran (which cancelled the job): nobody reads an answer, but
 * the log and the metrics say 499, not what the cancelled job came to. True if so. */
bool sbx_http_reply_if_gone(const struct sbx_http_request *req, struct sbx_http_response *resp);
/* The wait bounds of a request: wait_ms from now, and its connection. */
struct sbx_wait sbx_http_wait(const struct sbx_http_request *req, uint64_t wait_ms);

/* The status of a request the runtime or the registry refused: 422 above the ceiling
 * (-SBX_ECEILING), 429 over a quota (-EDQUOT), else fallback. */
unsigned sbx_http_refusal_status(int r, unsigned fallback);
/* Take up to want jobs of the request's tenant's max_jobs quota: how many were taken (give
 * them back with sbx_tenant_jobs_give), or 0 after answering 429 naming the quota. */
unsigned sbx_http_take_jobs(struct sbx_http_request *req, struct sbx_http_response *resp,
                            unsigned want);

/* A policy as GET /v1/policies shows it: every key of the policy table, numbers in base units. */
cJSON *sbx_http_policy_json(const struct sbx_policy *p);

/* The daemon: bound, listening, running its threads. Returns 0 or -errno with *err. */
struct sbx_http_daemon;
int sbx_http_start(struct sbx_server *srv, struct sbx_http_daemon **out, struct sbx_error **err);
uint16_t sbx_http_port(struct sbx_http_daemon *d);
/* Wait up to grace_s for the requests in flight to end (still accepting new ones, which the
 * routes refuse while the server stops), then close every connection (a job whose client
 * connection closes is cancelled) and join the threads. */
void sbx_http_stop(struct sbx_http_daemon *d, unsigned grace_s);
/* Its connections (sbx_conns_stats: open now, dropped to make room so far). */
struct sbx_conns *sbx_http_conns(struct sbx_http_daemon *d);

/* ---- routes ------------------------------------------------------------------------------- */

/* ms-enclave's (http_enclave.c) */
void sbx_route_health(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_stats(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_create(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_list(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_get(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_stop(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_delete(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_tools(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_tool_execute(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_archive(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_pool_init(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_pool_execute(struct sbx_http_request *req, struct sbx_http_response *resp);
/* sandboxrt's own (http_v1.c, http_metrics.c) */
void sbx_route_v1_run(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_v1_runs(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_v1_policies(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_openapi(struct sbx_http_request *req, struct sbx_http_response *resp);
void sbx_route_metrics(struct sbx_http_request *req, struct sbx_http_response *resp);

#endif
