/* libmicrohttpd plumbing: one thread per connection (a route may block for as long as its job
 * runs), connection admission (http_conns.c), bounded bodies, API-key auth (which picks the
 * tenant) before any body is read, routing, one log line per request. */
#include "server/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "server/http_conns.h"
#include "server/serve_fleet.h"
#include "server/serve_tenants.h"
#include "util.h"

/* Request data buffered by all connections together stays under this many bodies' worth. */
#define BODY_BUDGET_FACTOR 8
#define THREAD_STACK_BYTES (512u << 10)
#define LOG_PATH_MAX       160
/* A connection idle (or still sending its request) this long is "slow": it may be closed to
 * make room for a new one. Younger ones are a burst's own members, still on their way. */
#define CONN_MIN_AGE_USEC 1000000

struct sbx_http_daemon {
        struct MHD_Daemon *mhd;
        struct sbx_server *srv;
        struct sbx_conns *conns;
        atomic_size_t body_bytes;
        size_t body_budget;
        atomic_uint in_flight; /* requests begun and not completed */
};

/* ---- routing ------------------------------------------------------------------------------ */

static const struct sbx_route routes[] = {
    {"GET", "/health", sbx_route_health},
    {"GET", "/stats", sbx_route_stats},
    {"POST", "/sandbox/create", sbx_route_create},
    {"GET", "/sandboxes", sbx_route_list},
    {"POST", "/sandbox/tool/execute", sbx_route_tool_execute},
    {"GET", "/sandbox/{id}", sbx_route_get},
    {"DELETE", "/sandbox/{id}", sbx_route_delete},
    {"POST", "/sandbox/{id}/stop", sbx_route_stop},
    {"GET", "/sandbox/{id}/tools", sbx_route_tools},
    {"POST", "/sandbox/{id}/archive", sbx_route_archive},
    {"POST", "/pool/initialize", sbx_route_pool_init},
    {"POST", "/pool/execute", sbx_route_pool_execute},
    {"POST", "/v1/run", sbx_route_v1_run},
    {"POST", "/v1/runs", sbx_route_v1_runs},
    {"GET", "/v1/policies", sbx_route_v1_policies},
    {"GET", "/metrics", sbx_route_metrics},
    {"GET", "/openapi.json", sbx_route_openapi},
};

/* Does the pattern match the target's segments? Literal segments win over {id} because the
 * table lists literal routes first. */
static bool pattern_match(const char *pattern, const struct sbx_http_target *t, const char **id)
{
        size_t i = 0;
        const char *p = pattern;

        *id = NULL;
        while (*p) {
                p += *p == '/';
                size_t n = strcspn(p, "/");
                if (i == t->n_segments)
                        return false;
                if (n == 4 && !strncmp(p, "{id}", 4))
                        *id = t->segments[i];
                else if (strlen(t->segments[i]) != n || strncmp(p, t->segments[i], n))
                        return false;
                i++;
                p += n;
        }
        return i == t->n_segments;
}

const struct sbx_route *sbx_http_route_find(const char *method, const struct sbx_http_target *t,
                                            const char **id, char allow[SBX_HTTP_ALLOW_MAX])
{
        size_t n = 0;

        allow[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(routes); i++) {
                const char *rid;
                if (!pattern_match(routes[i].pattern, t, &rid))
                        continue;
                if (!strcmp(routes[i].method, method)) {
                        *id = rid;
                        return &routes[i];
                }
                if (n < SBX_HTTP_ALLOW_MAX)
                        n += (size_t)snprintf(allow + n, SBX_HTTP_ALLOW_MAX - n, "%s%s",
                                              n ? ", " : "", routes[i].method);
        }
        return NULL;
}

static struct sbx_conn *conn_of(struct MHD_Connection *conn)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return ci ? ci->socket_context : NULL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
        struct sbx_http_daemon *d = cls;
        struct sbx_http_request *req = calloc(1, sizeof(*req));

        if (!req)
                return NULL;
        atomic_fetch_add(&d->in_flight, 1);
        req->srv = d->srv;
        req->conn = conn_of(conn);
        sbx_conn_set_state(d->conns, req->conn, SBX_CONN_READING);
        req->client_fd = -1;
        req->start_usec = sbx_now_usec();
        req->raw_target = strndup(uri ? uri : "", SBX_HTTP_TARGET_MAX + 1);
        req->target_error =
            req->raw_target
                ? sbx_http_target_parse(req->raw_target, strlen(req->raw_target), &req->target)
                : -ENOMEM;
        return req;
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct sbx_http_request *req,
                             struct sbx_http_response *resp)
{
        struct MHD_Response *r;
        enum MHD_Result ret;

        if (!resp->body)
                sbx_http_reply_raw(resp, 500, "application/json",
                                   strdup("{\"detail\":\"internal error\"}"), 27);
        if (!resp->body)
                return MHD_NO;
        r = MHD_create_response_from_buffer(resp->size, resp->body, MHD_RESPMEM_MUST_FREE);
        if (!r) {
                free(resp->body);
                return MHD_NO;
        }
        resp->body = NULL;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
        if (resp->close)
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
        if (resp->allow)
                MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
        req->status = resp->status;
        ret = MHD_queue_response(conn, resp->status, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result reject(struct MHD_Connection *conn, struct sbx_http_request *req,
                              unsigned status, const char *detail)
{
        struct sbx_http_response resp = {0};

        req->rejected = true;
        sbx_http_reply_detail(&resp, status, "%s", detail);
        return queue(conn, req, &resp);
}

/* Admitted past the connection limits with no idle connection to drop: a 503 that says so,
 * and the connection closes. */
static enum MHD_Result reject_full(struct sbx_http_daemon *d, struct MHD_Connection *conn,
                                   struct sbx_http_request *req)
{
        const struct sbx_serve_config *cfg = d->srv->cfg;
        struct sbx_http_response resp = {.close = true};

        req->rejected = true;
        sbx_http_reply_detail(&resp, 503,
                              "Server busy: too many connections (at most %u in all, %u per "
                              "client address), and every one is serving a request; retry "
                              "shortly",
                              cfg->max_connections, cfg->max_connections_per_ip);
        return queue(conn, req, &resp);
}

/* The tenant the key names (X-API-Key, or ?api_key=): NULL when none. */
static struct sbx_tenant *authorized(struct sbx_http_daemon *d, struct MHD_Connection *conn,
                                     struct sbx_http_request *req)
{
        const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key");

        if (!key)
                key = sbx_http_query_get(&req->target.query, "api_key");
        return sbx_tenants_find(d->srv->tenants, key);
}

/* First call: headers are in, the body is not. Everything that can be refused without the
 * body is refused here, so an unauthenticated or oversized upload is never buffered. */
static enum MHD_Result begin(struct sbx_http_daemon *d, struct MHD_Connection *conn,
                             const char *method, struct sbx_http_request *req)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        uint64_t length = 0;

        req->started = true;
        req->method = method;
        req->client_fd = ci ? ci->connect_fd : -1;
        if (sbx_conn_over(d->conns, req->conn))
                return reject_full(d, conn, req);
        if (!(req->tenant = authorized(d, conn, req))) {
                atomic_fetch_add(&d->srv->unauthorized, 1);
                return reject(conn, req, 401, "Unauthorized");
        }
        if (req->target_error == -E2BIG)
                return reject(conn, req, 414, "Request target too long");
        if (req->target_error < 0)
                return reject(conn, req, 400, "Malformed request target");
        if (cl && (sbx_parse_u64(cl, &length) < 0 || length > d->srv->cfg->max_body_bytes)) {
                char msg[96];
                snprintf(msg, sizeof(msg), "Request body too large (limit %zu bytes)",
                         d->srv->cfg->max_body_bytes);
                return reject(conn, req, 413, msg);
        }
        return MHD_YES;
}

/* libmicrohttpd takes a response only before or after the body, so a body refused halfway
 * is read and dropped (never stored) and the refusal goes out once it has ended. */
static void refuse_later(struct sbx_http_request *req, unsigned status, const char *detail)
{
        req->late_status = status;
        req->late_detail = detail;
}

static enum MHD_Result take_body(struct sbx_http_daemon *d, struct sbx_http_request *req,
                                 const char *data, size_t *size)
{
        size_t n = *size, max = d->srv->cfg->max_body_bytes;

        *size = 0;
        if (req->rejected || req->late_status)
                return MHD_YES;
        if (n > max - req->body_size) {
                refuse_later(req, 413, "Request body too large");
                return MHD_YES;
        }
        if (req->body_size + n > req->body_cap) {
                size_t cap = req->body_cap ? req->body_cap : 16384;
                while (cap < req->body_size + n)
                        cap = cap > max / 2 ? max : cap * 2;
                size_t grow = cap - req->body_cap;
                char *body = NULL;
                if (atomic_fetch_add(&d->body_bytes, grow) + grow > d->body_budget ||
                    !(body = realloc(req->body, cap + 1))) {
                        atomic_fetch_sub(&d->body_bytes, grow);
                        refuse_later(req, 503, "Server busy: too much request data in flight");
                        return MHD_YES;
                }
                req->body = body;
                req->body_cap = cap;
        }
        memcpy(req->body + req->body_size, data, n);
        req->body_size += n;
        req->body[req->body_size] = '\0';
        return MHD_YES;
}

static enum MHD_Result dispatch(struct sbx_http_daemon *d, struct MHD_Connection *conn,
                                struct sbx_http_request *req)
{
        struct sbx_http_response resp = {0};
        char allow[SBX_HTTP_ALLOW_MAX];
        const struct sbx_route *route =
            sbx_http_route_find(req->method, &req->target, &req->id, allow);

        if (!route && !*allow)
                return reject(conn, req, 404, "Not Found");
        if (!route) {
                req->rejected = true;
                sbx_http_reply_detail(&resp, 405, "Method Not Allowed");
                resp.allow = allow;
                return queue(conn, req, &resp);
        }
        sbx_conn_set_state(d->conns, req->conn, SBX_CONN_BUSY);
        if (!req->id || !sbx_node_reply_foreign(req, &resp, req->id))
                route->fn(req, &resp);
        return queue(conn, req, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        struct sbx_http_daemon *d = cls;
        struct sbx_http_request *req = *con_cls;

        if (!req)
                return MHD_NO;
        if (!req->started)
                return begin(d, conn, method, req);
        if (*upload_data_size)
                return take_body(d, req, upload_data, upload_data_size);
        if (req->rejected)
                return MHD_YES;
        if (req->late_status)
                return reject(conn, req, req->late_status, req->late_detail);
        return dispatch(d, conn, req);
}

/* The raw path, without the query (it may carry api_key) and with anything unprintable
 * replaced, so a client cannot forge log lines. */
static void log_path(const struct sbx_http_request *req, char *buf, size_t size)
{
        const char *p = req->raw_target ? req->raw_target : "";
        size_t n = 0;

        for (; *p && *p != '?' && n + 1 < size; p++)
                buf[n++] = (*p >= 0x21 && *p < 0x7f) ? *p : '?';
        buf[n] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct sbx_http_daemon *d = cls;
        struct sbx_http_request *req = *con_cls;
        char path[LOG_PATH_MAX];

        if (!req)
                return;
        *con_cls = NULL;
        log_path(req, path, sizeof(path));
        /* Tenant names are plain words (serve_tenants.c): safe in a log line. */
        sbx_serve_log(SBX_LOG_INFO, "%s %s %u %.2fms%s%s%s", req->method ? req->method : "-", path,
                      req->status, (double)(sbx_now_usec() - req->start_usec) / 1000.0,
                      toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection lost)",
                      req->tenant && d->srv->tenants->named ? " tenant=" : "",
                      req->tenant && d->srv->tenants->named ? req->tenant->name : "");
        if (req->status && req->tenant)
                sbx_metrics_request(&req->tenant->metrics, req->status);
        sbx_conn_set_state(d->conns, req->conn, SBX_CONN_IDLE);
        atomic_fetch_sub(&d->body_bytes, req->body_cap);
        free(req->body);
        free(req->raw_target);
        sbx_http_target_clear(&req->target);
        free(req);
        atomic_fetch_sub(&d->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
        struct sbx_http_daemon *d = cls;
        const union MHD_ConnectionInfo *fd, *addr;

        if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
                sbx_conns_remove(d->conns, *socket_context);
                *socket_context = NULL;
                return;
        }
        fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        addr = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = addr ? addr->client_addr : NULL;
        socklen_t len = sa && sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                        : sizeof(struct sockaddr_in);
        /* Out of memory: the connection goes untracked, and counts for nothing. */
        if (fd)
                *socket_context = sbx_conns_add(d->conns, fd->connect_fd, sa, len);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
        char msg[512];

        vsnprintf(msg, sizeof(msg), fmt, ap);
        msg[strcspn(msg, "\n")] = '\0';
        sbx_serve_log(SBX_LOG_DEBUG, "libmicrohttpd: %s", msg);
}

/* ---- the daemon --------------------------------------------------------------------------- */

static int resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
                   struct sbx_error **err)
{
        struct addrinfo hints = {
            .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
        struct addrinfo *res = NULL;
        char service[8];
        int r;

        snprintf(service, sizeof(service), "%u", (unsigned)port);
        r = getaddrinfo(host, service, &hints, &res);
        if (r != 0)
                return sbx_error_set(err, EINVAL, "cannot resolve --host %s: %s", host,
                                     gai_strerror(r));
        memcpy(ss, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
        return 0;
}

/* libmicrohttpd's own connection limit is the hard one, past which it closes new connections
 * unanswered: it sits above ours (http_conns.c) so that a new connection still reaches the
 * admission policy, which drops an idle one for it or answers 503. Timeouts count inactivity:
 * a client that sends nothing for connection_timeout_s is closed, in headers, in a body or
 * between requests (a route's own run time is not inactivity). */
static struct MHD_Daemon *start_daemon(struct sbx_http_daemon *d, unsigned flags,
                                       const struct sockaddr_storage *ss)
{
        const struct sbx_serve_config *cfg = d->srv->cfg;
        unsigned hard = cfg->max_connections + cfg->max_connections / 4 + 16;

        return MHD_start_daemon(
            flags, cfg->port, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR, ss,
            MHD_OPTION_CONNECTION_LIMIT, hard, MHD_OPTION_CONNECTION_TIMEOUT,
            cfg->connection_timeout_s, MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK_BYTES,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, d, MHD_OPTION_URI_LOG_CALLBACK, on_uri, d,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, d, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
            NULL, MHD_OPTION_END);
}

int sbx_http_start(struct sbx_server *srv, struct sbx_http_daemon **out, struct sbx_error **err)
{
        const struct sbx_serve_config *cfg = srv->cfg;
        struct sockaddr_storage ss = {0};
        struct sbx_http_daemon *d;
        unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
        int r = resolve(cfg->host, cfg->port, &ss, err);

        if (r < 0)
                return r;
        if (!(d = calloc(1, sizeof(*d))))
                return sbx_error_set(err, ENOMEM, "out of memory");
        d->srv = srv;
        d->body_budget = cfg->max_body_bytes * BODY_BUDGET_FACTOR;
        d->conns =
            sbx_conns_new(cfg->max_connections, cfg->max_connections_per_ip, CONN_MIN_AGE_USEC);
        if (!d->conns) {
                free(d);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        if (ss.ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        d->mhd = start_daemon(d, flags, &ss);
        if (!d->mhd) {
                r = errno ? errno : EADDRINUSE;
                sbx_conns_free(d->conns);
                free(d);
                return sbx_error_set(err, r, "cannot listen on %s port %u: %s", cfg->host,
                                     (unsigned)cfg->port, strerror(r));
        }
        *out = d;
        return 0;
}

uint16_t sbx_http_port(struct sbx_http_daemon *d)
{
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);

        return info ? info->port : 0;
}

void sbx_http_stop(struct sbx_http_daemon *d, unsigned grace_s)
{
        uint64_t until = sbx_now_usec() + grace_s * 1000000ull;

        if (!d)
                return;
        /* MHD_stop_daemon shuts every socket down at once: let the requests in flight (a job
         * that is running, a 503 on its way out) finish first. */
        while (atomic_load(&d->in_flight) > 0 && sbx_now_usec() < until)
                usleep(20000);
        MHD_stop_daemon(d->mhd);
        sbx_conns_free(d->conns);
        free(d);
}

struct sbx_conns *sbx_http_conns(struct sbx_http_daemon *d)
{
        return d->conns;
}
