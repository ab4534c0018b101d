/* GET /metrics: Prometheus text exposition (version 0.0.4), as the asking tenant sees the
 * server: its own jobs, requests and sandboxes, and the server's shared gauges. No label names
 * a tenant or a sandbox. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http_conns.h"
#include "server/http_server.h"
#include "server/serve_fleet.h"
#include "server/serve_registry.h"
#include "server/serve_tenants.h"
#include "util.h"

/* A growing text buffer; on allocation failure it stays NULL and the route answers 500. */
struct text {
        char *s;
        size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (!t->s && t->cap)
                return;
        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
                va_end(ap);
                if (n < 0)
                        return;
                if (t->s && t->len + (size_t)n < t->cap) {
                        t->len += (size_t)n;
                        return;
                }
                size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
                char *s = realloc(t->s, cap);
                if (!s) {
                        free(t->s);
                        t->s = NULL;
                        t->cap = 1;
                        return;
                }
                t->s = s;
                t->cap = cap;
        }
}

static void render_jobs(struct text *t, struct sbx_metrics *snap)
{
        uint64_t cumulative = 0;

        put(t, "# HELP sandboxrt_jobs_total Jobs run, by verdict.\n"
               "# TYPE sandboxrt_jobs_total counter\n");
        for (int v = 0; v < _SBX_VERDICT_MAX; v++)
                put(t, "sandboxrt_jobs_total{verdict=\"%s\"} %llu\n", sbx_verdict_to_string(v),
                    (unsigned long long)snap->jobs[v]);
        put(t, "# HELP sandboxrt_job_duration_seconds Time a job held a run slot.\n"
               "# TYPE sandboxrt_job_duration_seconds histogram\n");
        for (size_t b = 0; b < SBX_METRICS_BUCKETS; b++) {
                cumulative += snap->job_buckets[b];
                put(t, "sandboxrt_job_duration_seconds_bucket{le=\"%g\"} %llu\n",
                    sbx_metrics_bucket_bounds[b], (unsigned long long)cumulative);
        }
        put(t, "sandboxrt_job_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
            (unsigned long long)snap->job_count);
        put(t, "sandboxrt_job_duration_seconds_sum %.6f\n", snap->job_seconds);
        put(t, "sandboxrt_job_duration_seconds_count %llu\n", (unsigned long long)snap->job_count);
        put(t,
            "# HELP sandboxrt_jobs_rejected_total Jobs refused before they ran.\n"
            "# TYPE sandboxrt_jobs_rejected_total counter\n"
            "sandboxrt_jobs_rejected_total{reason=\"busy\"} %llu\n"
            "sandboxrt_jobs_rejected_total{reason=\"timeout\"} %llu\n"
            "sandboxrt_jobs_rejected_total{reason=\"client_gone\"} %llu\n",
            (unsigned long long)snap->rejected_busy, (unsigned long long)snap->rejected_timeout,
            (unsigned long long)snap->client_gone);
}

static void render_connections(struct text *t, struct sbx_server *srv)
{
        unsigned long dropped = 0;
        unsigned open = 0;

        if (srv->conns)
                sbx_conns_stats(srv->conns, &open, &dropped);
        put(t,
            "# HELP sandboxrt_connections Client connections open.\n"
            "# TYPE sandboxrt_connections gauge\nsandboxrt_connections %u\n"
            "# HELP sandboxrt_connections_dropped_total Idle or slow connections closed to make "
            "room for new ones.\n"
            "# TYPE sandboxrt_connections_dropped_total counter\n"
            "sandboxrt_connections_dropped_total %lu\n"
            "# HELP sandboxrt_http_unauthorized_total Requests refused for a missing or wrong "
            "API key.\n"
            "# TYPE sandboxrt_http_unauthorized_total counter\n"
            "sandboxrt_http_unauthorized_total %lu\n",
            open, dropped, atomic_load(&srv->unauthorized));
}

static void render_server(struct text *t, struct sbx_server *srv, struct sbx_tenant *tenant,
                          struct sbx_metrics *snap)
{
        size_t counts[_SBX_SB_MAX], total;
        unsigned running, waiting;

        sbx_sched_stats(&srv->sched, &running, &waiting);
        sbx_registry_counts(srv->reg, tenant, counts, &total);
        put(t,
            "# HELP sandboxrt_running_jobs Jobs holding a run slot.\n"
            "# TYPE sandboxrt_running_jobs gauge\nsandboxrt_running_jobs %u\n"
            "# HELP sandboxrt_queue_depth Jobs waiting for a run slot.\n"
            "# TYPE sandboxrt_queue_depth gauge\nsandboxrt_queue_depth %u\n"
            "# HELP sandboxrt_max_concurrency Run slots.\n"
            "# TYPE sandboxrt_max_concurrency gauge\nsandboxrt_max_concurrency %u\n"
            "# HELP sandboxrt_tenant_jobs Jobs of this tenant in flight (waiting or running).\n"
            "# TYPE sandboxrt_tenant_jobs gauge\nsandboxrt_tenant_jobs %u\n",
            running, waiting, srv->cfg->max_concurrency, atomic_load(&tenant->jobs));
        put(t, "# HELP sandboxrt_sandboxes Sandboxes of this tenant, by status.\n"
               "# TYPE sandboxrt_sandboxes gauge\n");
        for (int s = 0; s < _SBX_SB_MAX; s++)
                put(t, "sandboxrt_sandboxes{status=\"%s\"} %zu\n", sbx_sb_status_to_string(s),
                    counts[s]);
        put(t, "# HELP sandboxrt_http_requests_total HTTP responses, by status class.\n"
               "# TYPE sandboxrt_http_requests_total counter\n");
        for (unsigned c = 1; c < 6; c++)
                put(t, "sandboxrt_http_requests_total{code=\"%uxx\"} %llu\n", c,
                    (unsigned long long)snap->requests_by_class[c]);
        put(t,
            "# HELP sandboxrt_uptime_seconds Seconds since the server started.\n"
            "# TYPE sandboxrt_uptime_seconds gauge\nsandboxrt_uptime_seconds %.3f\n",
            (double)(sbx_now_usec() - srv->start_usec) / 1e6);
}

char *sbx_metrics_render(struct sbx_server *srv, struct sbx_tenant *tenant)
{
        struct sbx_metrics snap;
        struct text t = {0};

        pthread_mutex_lock(&tenant->metrics.lock);
        snap = tenant->metrics;
        pthread_mutex_unlock(&tenant->metrics.lock);
        render_jobs(&t, &snap);
        render_server(&t, srv, tenant, &snap);
        render_connections(&t, srv);
        return t.s;
}

void sbx_route_metrics(struct sbx_http_request *req, struct sbx_http_response *resp)
{
        char *text = sbx_node_metrics(req->srv, sbx_metrics_render(req->srv, req->tenant));

        sbx_http_reply_raw(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                           text ? strlen(text) : 0);
}
