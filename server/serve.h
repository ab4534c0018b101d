/* sandboxrt serve: the server's shared state and the pieces the route files use (config,
 * logging, bounded waiting, the job scheduler, metrics). Internal to server/. */
#ifndef SBX_SERVE_H
#define SBX_SERVE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sandboxrt.h"

/* ---- configuration ------------------------------------------------------------------------ */

enum sbx_log_level {
        SBX_LOG_ERROR,
        SBX_LOG_WARN,
        SBX_LOG_INFO,
        SBX_LOG_DEBUG,
        _SBX_LOG_MAX,
};

const char *sbx_log_level_to_string(enum sbx_log_level l);
int sbx_log_level_from_string(const char *s);

#define SBX_IMAGE_RULES_MAX 32

/* One entry of the image map: images matching pattern (fnmatch) run on the native jail or in
 * Docker. The first match wins; --image-map entries come before the default "python:*". */
struct sbx_image_rule {
        const char *pattern;
        bool native;
};

struct sbx_serve_config {
        const char *host;
        uint16_t port;
        const char *api_key;      /* NULL: no auth (loopback, or --insecure-no-auth) */
        const char *tenants_file; /* NULL: one tenant, keyed by api_key */
        const char *ceiling;      /* what clients may ask for: a policy name or file */
        unsigned max_concurrency;
        unsigned queue;
        size_t max_body_bytes;
        unsigned cleanup_interval_s;
        const char *backend; /* "auto", "native", "docker" */
        enum sbx_log_level log_level;
        bool insecure_no_auth;
        bool allow_network;
        unsigned max_sandboxes;
        unsigned max_connections;        /* open at once; past it idle ones are dropped */
        unsigned max_connections_per_ip; /* the same, per client address */
        unsigned connection_timeout_s;   /* a connection silent this long is closed */
        uint64_t tool_output_bytes;      /* ms-enclave's tool calls: output cap per stream
                                          * (0: the ceiling's tool_output) */
        const char *policy_dir;
        const char *node_name;    /* in a fleet: this node's name, carried by its sandbox ids */
        unsigned drain_timeout_s; /* after SIGTERM, how long running requests may go on */
        unsigned pool_size;       /* each tenant's pool, made at start and kept; or 0 */
        char *pool_config;        /* its sandbox config (JSON); NULL: every tool */
        size_t pool_config_size;
        struct sbx_image_rule rules[SBX_IMAGE_RULES_MAX];
        size_t n_rules;
};

/* ---- logging ------------------------------------------------------------------------------ */

/* One line to stderr when level is enabled. Thread-safe (one write per line). */
void sbx_serve_log(enum sbx_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbx_serve_log_set_level(enum sbx_log_level level);

/* ---- bounded waiting ---------------------------------------------------------------------- */

/* How long a request may wait, and how to tell that its client went away. */
struct sbx_wait {
        uint64_t deadline_usec; /* CLOCK_MONOTONIC */
        int client_fd;          /* -1: not tied to a connection */
        const atomic_bool *stopping;
};

/* The client closed its end (or the socket failed). Never blocks. */
bool sbx_client_gone(int fd);

/* Wait on cond (lock held) for one slice of at most 100 ms. Returns 0 after a wakeup or a
 * slice, -ETIMEDOUT past the deadline, -ECONNRESET when the client is gone, -ESHUTDOWN when
 * the server is stopping. Callers loop until their condition holds. */
int sbx_wait_slice(pthread_cond_t *cond, pthread_mutex_t *lock, const struct sbx_wait *w);

/* A condition variable that waits on CLOCK_MONOTONIC. */
int sbx_cond_init_monotonic(pthread_cond_t *cond);

/* ---- scheduler: at most N jobs run, at most Q wait, first come first served --------------- */

struct sbx_sched_waiter;

struct sbx_sched {
        pthread_mutex_t lock;
        unsigned max_running, max_waiting;
        unsigned running, waiting;
        struct sbx_sched_waiter *head, *tail;
        bool closed;
};

void sbx_sched_init(struct sbx_sched *s, unsigned max_running, unsigned max_waiting);
void sbx_sched_destroy(struct sbx_sched *s);
/* Take a run slot: 0, or -EAGAIN (queue full), -ETIMEDOUT, -ECONNRESET, -ESHUTDOWN. */
int sbx_sched_acquire(struct sbx_sched *s, const struct sbx_wait *w);
void sbx_sched_release(struct sbx_sched *s);
/* Refuse new work and wake every waiter (-ESHUTDOWN). */
void sbx_sched_close(struct sbx_sched *s);
void sbx_sched_stats(struct sbx_sched *s, unsigned *running, unsigned *waiting);

/* ---- metrics ------------------------------------------------------------------------------ */

#define SBX_METRICS_BUCKETS 12
/* Upper bounds of the job duration histogram, in seconds (serve_metrics.c). */
extern const double sbx_metrics_bucket_bounds[SBX_METRICS_BUCKETS];

/* One tenant's counters: what /metrics shows that tenant. */
struct sbx_metrics {
        pthread_mutex_t lock;
        uint64_t jobs[_SBX_VERDICT_MAX];
        uint64_t job_buckets[SBX_METRICS_BUCKETS]; /* cumulative at render time */
        uint64_t job_count;
        double job_seconds;
        uint64_t requests_by_class[6]; /* 1xx..5xx by first digit */
        uint64_t rejected_busy, rejected_timeout, client_gone;
};

void sbx_metrics_init(struct sbx_metrics *m);
void sbx_metrics_destroy(struct sbx_metrics *m);
void sbx_metrics_job(struct sbx_metrics *m, enum sbx_verdict v, uint64_t duration_usec);
void sbx_metrics_request(struct sbx_metrics *m, unsigned status);
/* A job refused before it ran: -EAGAIN (queue full), -ETIMEDOUT, -ECONNRESET. */
void sbx_metrics_rejected(struct sbx_metrics *m, int reason);

/* ---- the server --------------------------------------------------------------------------- */

struct sbx_registry;
struct sbx_http_daemon;
struct sbx_conns;
struct sbx_tenant;
struct sbx_tenants;

struct sbx_server {
        const struct sbx_serve_config *cfg;
        struct sbx_runtime *rt_native; /* auto: images the map sends to the native jail */
        struct sbx_runtime *rt_docker; /* auto: other images; NULL when Docker is unusable */
        char *native_error, *docker_error;
        struct sbx_tenants *tenants; /* at least one; each holds its ceiling and counters */
        struct sbx_sched sched;
        struct sbx_registry *reg;
        struct sbx_http_daemon *http; /* while serving */
        struct sbx_conns *conns;      /* the daemon's connections, while serving (/metrics) */
        uint64_t start_usec;          /* monotonic */
        atomic_bool stopping;
        atomic_ulong unauthorized; /* requests refused with 401: nobody's */
};

/* The runtime that serves image (NULL = no image). Fails with a message naming the image and
 * the missing backend. */
int sbx_server_runtime_for(struct sbx_server *srv, const char *image, struct sbx_runtime **out,
                           struct sbx_error **err);

/* Where a server job runs: in sb (a stateful sandbox), else in pool, else in a fresh sandbox of
 * rt. */
struct sbx_serve_target {
        struct sbx_runtime *rt;
        struct sbx_sandbox *sb;
        struct sbx_pool *pool;
};

/* Run one job of tenant t: its job quota is the caller's (sbx_tenant_jobs_take); this takes a
 * run slot (waiting as w says), holds the job to t's ceiling (unless job->ceiling names one of
 * t's already), runs it where says, and counts it in t's metrics. 0 with *out; a scheduler
 * error (-EAGAIN, -ETIMEDOUT, -ECONNRESET, -ESHUTDOWN); -SBX_ECEILING; -EINVAL for any other
 * job the runtime refuses; -ENOMEM. *err says why for the last three. */
int sbx_serve_run(struct sbx_server *srv, struct sbx_tenant *t,
                  const struct sbx_serve_target *where, struct sbx_job *job,
                  const struct sbx_wait *w, struct sbx_result **out, struct sbx_error **err);

/* Prometheus text for GET /metrics, as tenant t sees it (its own sandboxes and jobs).
 * malloc'd. */
char *sbx_metrics_render(struct sbx_server *srv, struct sbx_tenant *t);

/* Run the server until SIGTERM/SIGINT: rt_* and tenants must have been made before (no
 * thread exists yet). SIGTERM drains it: running requests may end on their own for
 * cfg->drain_timeout_s, then they are cancelled and every sandbox is removed; SBX_SHUTDOWN_S
 * after the drain the process exits whatever the sandboxes hold. Returns the process exit
 * status. */
#define SBX_SHUTDOWN_S 4
/* Blocks SIGTERM and SIGINT in the calling thread, so that every thread started after it (the
 * backends' included) leaves them to sbx_serve_main's loop: call it before opening runtimes. */
void sbx_serve_block_signals(sigset_t *set);
int sbx_serve_main(struct sbx_server *srv);

#endif
