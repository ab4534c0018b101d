/* sandboxrt serve's life: start the HTTP daemon, clean up periodically, and on SIGTERM or SIGINT
 * stop accepting, let running requests end, remove every sandbox and exit 0. */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/http_server.h"
#include "api/serve_registry.h"
#include "util.h"

int sbx_server_runtime_for(struct sbx_server *srv, const char *image, struct sbx_runtime **out,
                           struct sbx_error **err)
{
        const struct sbx_serve_config *cfg = srv->cfg;
        bool native = !image;

        if (!strcmp(cfg->backend, "native") || !strcmp(cfg->backend, "docker")) {
                native = !strcmp(cfg->backend, "native");
        } else {
                /* auto: the first rule that matches; an image no rule names needs Docker. */
                for (size_t i = 0; image && i < cfg->n_rules; i++)
                        if (fnmatch(cfg->rules[i].pattern, image, 0) == 0) {
                                native = cfg->rules[i].native;
                                break;
                        }
        }
        *out = native ? srv->rt_native : srv->rt_docker;
        if (*out)
                return 0;
        if (native)
                return sbx_error_set(err, ENOTSUP,
                                     "image '%s' runs on the native jail, which is not available "
                                     "on this server: %s",
                                     image ? image : "(none)",
                                     srv->native_error ? srv->native_error : "not configured");
        return sbx_error_set(err, ENOTSUP,
                             "image '%s' needs the docker backend, which is not available on this "
                             "server: %s",
                             image ? image : "(none)",
                             srv->docker_error ? srv->docker_error : "not configured");
}

static void block_signals(sigset_t *set)
{
        sigemptyset(set);
        sigaddset(set, SIGTERM);
        sigaddset(set, SIGINT);
        /* Every thread started later inherits the mask; only the main loop takes them. */
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

/* --pool-size: the pool every node of a fleet serves /pool/execute from. */
static int start_pool(struct sbx_server *srv)
{
        const struct sbx_serve_config *cfg = srv->cfg;
        _cleanup_free_ char *every = NULL;
        struct sbx_error *err = NULL;
        cJSON *ids = NULL;

        if (!cfg->pool_size)
                return 0;
        if (!cfg->pool_config && !(every = every_tool_config()))
                return -ENOMEM;
        int r = sbx_pool_initialize(
            srv->reg, cfg->pool_size, "docker", cfg->pool_config ? cfg->pool_config : every,
            cfg->pool_config ? cfg->pool_config_size : strlen(every), &ids, &err);
        if (r < 0) {
                sbx_serve_log(SBX_LOG_ERROR, "serve: --pool-size %u: %s", cfg->pool_size,
                              err && err->message ? err->message : strerror(-r));
                sbx_error_free(err);
                return r;
        }
        cJSON_Delete(ids);
        sbx_serve_log(SBX_LOG_INFO, "pool: %u sandboxes", cfg->pool_size);
        return 0;
}

static int start(struct sbx_server *srv, struct sbx_http_daemon **d)
{
        struct sbx_error *err = NULL;
        int r = sbx_registry_new(srv, &srv->reg);

        if (r < 0) {
                sbx_serve_log(SBX_LOG_ERROR, "serve: %s", strerror(-r));
                return r;
        }
        srv->start_usec = sbx_now_usec();
        if ((r = start_pool(srv)) < 0)
                return r;
        r = sbx_http_start(srv, d, &err);
        if (r < 0) {
                sbx_serve_log(SBX_LOG_ERROR, "serve: %s", err->message);
                sbx_error_free(err);
                return r;
        }
        const struct sbx_serve_config *cfg = srv->cfg;
        sbx_serve_log(SBX_LOG_INFO,
                      "listening on http://%s%s%s:%u (native: %s, docker: %s, max concurrency %u, "
                      "queue %u, auth %s)",
                      strchr(cfg->host, ':') ? "[" : "", cfg->host,
                      strchr(cfg->host, ':') ? "]" : "", (unsigned)sbx_http_port(*d),
                      srv->rt_native ? "yes" : "no", srv->rt_docker ? "yes" : "no",
                      cfg->max_concurrency, cfg->queue, cfg->api_key ? "on" : "off");
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

int sbx_serve_main(struct sbx_server *srv)
{
        struct sbx_http_daemon *d = NULL;
        sigset_t set;
        size_t counts[_SBX_SB_MAX], total = 0;

        block_signals(&set);
        sbx_sched_init(&srv->sched, srv->cfg->max_concurrency, srv->cfg->queue);
        sbx_metrics_init(&srv->metrics);
        atomic_store(&srv->stopping, false);
        if (start(srv, &d) < 0) {
                srv->reg = sbx_registry_free(srv->reg);
                return 1;
        }
        int sig = wait_for_signal(srv, &set);
        sbx_serve_log(SBX_LOG_INFO, "%s: draining (running requests get up to %u s)",
                      strsignal(sig), srv->cfg->drain_timeout_s);
        /* Order matters: refuse new work, wake the waiting, let running requests finish (the
         * daemon joins their threads), then remove the sandboxes. The listener stays open
         * while they finish, so health checks read 503 "draining" instead of a refused
         * connection; past the bound, closing the connections cancels what still runs. */
        atomic_store(&srv->stopping, true);
        sbx_sched_close(&srv->sched);
        sbx_http_stop(d, srv->cfg->drain_timeout_s);
        sbx_registry_counts(srv->reg, counts, &total);
        srv->reg = sbx_registry_free(srv->reg);
        sbx_serve_log(SBX_LOG_INFO, "stopped; removed %zu sandboxes", total);
        sbx_metrics_destroy(&srv->metrics);
        sbx_sched_destroy(&srv->sched);
        return 0;
}
