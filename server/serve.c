/* sandboxrt serve's life: start the HTTP daemon (and the kept pools), clean up periodically, and
 * on SIGTERM or SIGINT drain: refuse new work, give running requests --drain-timeout, cancel
 * the rest, remove every sandbox and exit 0, all within SBX_SHUTDOWN_S more whatever the
 * sandboxes hold. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "server/http_server.h"
#include "server/serve_registry.h"
#include "server/serve_tenants.h"
#include "util.h"

void sbx_serve_block_signals(sigset_t *set)
{
        sigemptyset(set);
        sigaddset(set, SIGTERM);
        sigaddset(set, SIGINT);
        /* Every thread started later inherits the mask; only the main loop takes them. A thread
         * that did not block them would take a second SIGTERM during the drain and die of it. */
        pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* Without --pool-config: a sandbox with every tool. */
static char *every_tool_config(void)
{
        cJSON *o = cJSON_CreateObject(), *tools = cJSON_AddArrayToObject(o, "tools_config");

        for (int t = 0; t < _SBX_TOOL_MAX; t++)
                cJSON_AddItemToArray(tools, cJSON_CreateString(sbx_tool_to_string(t)));
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        return text;
}

/* --pool-size: each tenant's pool, which every node of a fleet serves /pool/execute from. Each
 * is held to its tenant's ceiling and counts in its max_sandboxes, as a client's pool would. */
static int start_pools(struct sbx_server *srv)
{
        const struct sbx_serve_config *cfg = srv->cfg;
        _cleanup_free_ char *every = NULL;
        const char *body = cfg->pool_config;
        size_t size = cfg->pool_config_size;

        if (!cfg->pool_size)
                return 0;
        if (!body && !(body = every = every_tool_config()))
                return -ENOMEM;
        if (every)
                size = strlen(every);
        for (size_t i = 0; i < srv->tenants->n; i++) {
                struct sbx_tenant *t = &srv->tenants->items[i];
                struct sbx_error *err = NULL;
                cJSON *ids = NULL;
                int r = sbx_registry_pool_init(srv->reg, t, cfg->pool_size, "docker", body, size,
                                               &ids, &err);
                if (r < 0) {
                        sbx_serve_log(SBX_LOG_ERROR, "serve: --pool-size %u%s%s: %s",
                                      cfg->pool_size, srv->tenants->named ? ", tenant " : "",
                                      srv->tenants->named ? t->name : "",
                                      err && err->message ? err->message : strerror(-r));
                        sbx_error_free(err);
                        return r;
                }
                cJSON_Delete(ids);
        }
        sbx_serve_log(SBX_LOG_INFO, "pool: %u sandboxes%s", cfg->pool_size,
                      srv->tenants->named ? " per tenant" : "");
        return 0;
}

/* Each connection holds a descriptor (and each job a few): take what the hard limit allows. */
static void raise_fd_limit(const struct sbx_serve_config *cfg)
{
        struct rlimit rl;
        rlim_t want = cfg->max_connections + cfg->max_connections / 4 + 16 + 4 * 256;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return;
        if (rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur < want)
                sbx_serve_log(SBX_LOG_WARN,
                              "open file limit %llu is low for --max-connections %u: raise it "
                              "(ulimit -n %llu) or lower --max-connections",
                              (unsigned long long)rl.rlim_cur, cfg->max_connections,
                              (unsigned long long)want);
}

static int start(struct sbx_server *srv, struct sbx_http_daemon **d)
{
        struct sbx_error *err = NULL;
        int r;

        raise_fd_limit(srv->cfg);
        r = sbx_registry_new(srv, &srv->reg);

        if (r < 0) {
                sbx_serve_log(SBX_LOG_ERROR, "serve: %s", strerror(-r));
                return r;
        }
        srv->start_usec = sbx_now_usec();
        if ((r = start_pools(srv)) < 0)
                return r;
        r = sbx_http_start(srv, d, &err);
        if (r < 0) {
                sbx_serve_log(SBX_LOG_ERROR, "serve: %s", err->message);
                sbx_error_free(err);
                return r;
        }
        srv->http = *d;
        srv->conns = sbx_http_conns(*d);
        const struct sbx_serve_config *cfg = srv->cfg;
        sbx_serve_log(
            SBX_LOG_INFO,
            "listening on http://%s%s%s:%u (native: %s, docker: %s, max concurrency %u, "
            "queue %u, auth %s, ceiling %s%s)",
            strchr(cfg->host, ':') ? "[" : "", cfg->host, strchr(cfg->host, ':') ? "]" : "",
            (unsigned)sbx_http_port(*d), srv->rt_native ? "yes" : "no",
            srv->rt_docker ? "yes" : "no", cfg->max_concurrency, cfg->queue,
            cfg->tenants_file ? "tenants"
            : cfg->api_key    ? "on"
                              : "off",
            cfg->ceiling ? cfg->ceiling : "default", cfg->allow_network ? ", network allowed" : "");
        _cleanup_free_ char *warning =
            srv->rt_native ? sbx_runtime_limits_warning(srv->rt_native) : NULL;
        if (warning)
                sbx_serve_log(SBX_LOG_WARN, "native: %s", warning);
        return 0;
}

/* Until a stop signal: wake once a second, clean up every cleanup interval. */
static int wait_for_signal(struct sbx_server *srv, const sigset_t *set)
{
        uint64_t next_cleanup = sbx_now_usec() + srv->cfg->cleanup_interval_s * 1000000ull;
        struct timespec tick = {.tv_sec = 1};

        for (;;) {
                int sig = sigtimedwait(set, NULL, &tick);
                if (sig > 0)
                        return sig;
                if (sbx_now_usec() < next_cleanup)
                        continue;
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                size_t n = sbx_registry_cleanup(srv->reg, (uint64_t)now.tv_sec * 1000000 +
                                                              (uint64_t)now.tv_nsec / 1000);
                if (n)
                        sbx_serve_log(SBX_LOG_INFO, "cleanup: removed %zu expired sandboxes", n);
                next_cleanup = sbx_now_usec() + srv->cfg->cleanup_interval_s * 1000000ull;
        }
}

/* The bound on stopping: should cancelling and removing everything not be done in time (an
 * engine that does not answer), what is left is left to the next start's reaper. */
static void *watchdog(void *arg)
{
        const uint64_t *deadline = arg;
        struct timespec ts = {.tv_sec = (time_t)(*deadline / 1000000),
                              .tv_nsec = (long)(*deadline % 1000000) * 1000};

        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
        sbx_serve_log(SBX_LOG_ERROR,
                      "stopping took longer than --drain-timeout and %d s more: exiting now; "
                      "what is left of the sandboxes is removed when a server starts again",
                      SBX_SHUTDOWN_S);
        _exit(1);
}

static void stop(struct sbx_server *srv, struct sbx_http_daemon *d)
{
        static uint64_t deadline;
        size_t counts[_SBX_SB_MAX], total = 0;
        pthread_t t;

        deadline = sbx_now_usec() + (srv->cfg->drain_timeout_s + SBX_SHUTDOWN_S) * 1000000ull;
        if (pthread_create(&t, NULL, watchdog, &deadline) == 0)
                pthread_detach(t);
        /* Order matters: refuse new work, wake the waiting, give running requests the drain
         * time, close every connection (which cancels the jobs still running: a job's cancel
         * fd is its client's socket) and join the threads, then remove the sandboxes. The
         * listener stays open while they drain, so health checks read 503 "draining" instead
         * of a refused connection. */
        atomic_store(&srv->stopping, true);
        sbx_sched_close(&srv->sched);
        sbx_http_stop(d, srv->cfg->drain_timeout_s);
        srv->http = NULL;
        srv->conns = NULL;
        sbx_registry_counts(srv->reg, NULL, counts, &total);
        srv->reg = sbx_registry_free(srv->reg);
        sbx_serve_log(SBX_LOG_INFO, "stopped; removed %zu sandboxes", total);
}

int sbx_serve_main(struct sbx_server *srv)
{
        struct sbx_http_daemon *d = NULL;
        sigset_t set;

        int status = 0;

        sbx_serve_block_signals(&set);
        sbx_sched_init(&srv->sched, srv->cfg->max_concurrency, srv->cfg->queue);
        for (size_t i = 0; i < srv->tenants->n; i++)
                sbx_metrics_init(&srv->tenants->items[i].metrics);
        atomic_store(&srv->stopping, false);
        if (start(srv, &d) < 0) {
                srv->reg = sbx_registry_free(srv->reg);
                status = 1;
        } else {
                int sig = wait_for_signal(srv, &set);
                sbx_serve_log(SBX_LOG_INFO, "%s: draining (running requests get up to %u s)",
                              strsignal(sig), srv->cfg->drain_timeout_s);
                stop(srv, d);
        }
        for (size_t i = 0; i < srv->tenants->n; i++)
                sbx_metrics_destroy(&srv->tenants->items[i].metrics);
        sbx_sched_destroy(&srv->sched);
        return status;
}
