/* Jobs spread over a fleet of servers, with failed servers' jobs retried elsewhere. */
#include "evaluator/fleet.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "evaluator/strutil.h"
#include "util.h"

/* A server that failed is left alone this long, doubling while it keeps failing. */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS   30000
/* Lost connections and 5xx in a row before a server that still accepts is marked down. */
#define STRIKES_DOWN 3
/* How long a job waits for any server to come back before it ends in SANDBOX_ERROR. */
#define WAIT_FOR_SERVER_MS (120u * 1000)

struct server {
        char *url;
        struct sbx_runtime *rt; /* NULL until the server first answered */
        /* Below: under the fleet's lock. */
        unsigned outstanding; /* jobs in flight here */
        size_t assigned;      /* every attempt sent here: breaks ties evenly */
        bool down, probing;
        unsigned strikes;
        uint64_t retry_at_ms, backoff_ms;
        size_t jobs, failures, retries_here;
        char *last_error;
};

struct sbx_eval_fleet {
        struct server *servers;
        size_t n;
        char *api_key;
        pthread_mutex_t lock;
        pthread_cond_t changed; /* a server came back or a job ended */
        size_t jobs, retried_jobs, failed_jobs;
};

static int open_runtime(const struct sbx_eval_fleet *f, const char *url, struct sbx_runtime **out,
                        struct sbx_error **err)
{
        struct sbx_runtime_options o = {
            .backend = "remote",
            .remote_url = url,
            .remote_api_key = f->api_key,
            .remote_fail_fast = true,
        };

        return sbx_runtime_new(&o, out, err);
}

/* ---- server state (lock held) ------------------------------------------------------------- */

static void set_error(struct server *s, const char *msg)
{
        char *copy = strdup(msg ? msg : "failed");

        if (copy) {
                free(s->last_error);
                s->last_error = copy;
        }
}

static void mark_down(struct server *s, uint64_t now_ms)
{
        s->backoff_ms = !s->down || !s->backoff_ms           ? BACKOFF_FIRST_MS
                        : s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                             : s->backoff_ms * 2;
        s->down = true;
        s->strikes = 0;
        s->retry_at_ms = now_ms + s->backoff_ms;
}

/* A result that says the server failed, not the program or its sandbox on a working server. */
static bool server_failed(const struct sbx_result *r)
{
        if (r->verdict != SBX_VERDICT_SANDBOX_ERROR)
                return false;
        switch (r->error) {
        case ECONNREFUSED:
        case ECONNRESET:
        case ETIMEDOUT:
        case EHOSTUNREACH:
        case EREMOTEIO:
        case ENOENT:
                return true;
        default:
                return false;
        }
}

/* Unreachable: down at once. Reachable but failing (a lost connection, a 5xx): after a few in
 * a row, so that one node dying behind a load balancer does not take the balancer down. */
static void record_failure(struct server *s, const struct sbx_result *r, uint64_t now_ms)
{
        bool unreachable =
            r->error == ECONNREFUSED || r->error == EHOSTUNREACH || r->error == ETIMEDOUT;

        s->failures++;
        set_error(s, r->message);
        if (unreachable || ++s->strikes >= STRIKES_DOWN)
                mark_down(s, now_ms);
}

/* ---- choosing a server -------------------------------------------------------------------- */

/* Ask a server whose back-off is over whether it answers (GET /health, by opening a runtime),
 * without the lock. Returns with the lock held again. */
static void probe(struct sbx_eval_fleet *f, struct server *s)
{
        struct sbx_runtime *rt = NULL;
        struct sbx_error *e = NULL;

        s->probing = true;
        pthread_mutex_unlock(&f->lock);
        int r = open_runtime(f, s->url, &rt, &e);
        pthread_mutex_lock(&f->lock);
        s->probing = false;
        if (r == 0) {
                s->down = false;
                s->strikes = 0;
                s->backoff_ms = 0;
                if (!s->rt)
                        s->rt = TAKE_PTR(rt);
                pthread_cond_broadcast(&f->changed);
        } else {
                /* A job's failure says more than the probe's refused connection after it. */
                if (!s->failures)
                        set_error(s, e && e->message ? e->message : "does not answer");
                mark_down(s, sbx_now_ms());
        }
        pthread_mutex_unlock(&f->lock);
        sbx_runtime_free(rt); /* a server already open keeps its runtime */
        sbx_error_free(e);
        pthread_mutex_lock(&f->lock);
}

/* Least outstanding among the servers up, avoiding the one that just failed this job while
 * another is up; ties go to the server sent the fewest attempts. */
static struct server *least_outstanding(struct sbx_eval_fleet *f, const struct server *avoid)
{
        struct server *best = NULL;

        for (int pass = 0; pass < 2 && !best; pass++)
                for (size_t i = 0; i < f->n; i++) {
                        struct server *s = &f->servers[i];
                        if (s->down || !s->rt || (pass == 0 && s == avoid))
                                continue;
                        if (!best || s->outstanding < best->outstanding ||
                            (s->outstanding == best->outstanding && s->assigned < best->assigned))
                                best = s;
                }
        return best;
}

static uint64_t earliest_retry(const struct sbx_eval_fleet *f)
{
        uint64_t t = UINT64_MAX;

        for (size_t i = 0; i < f->n; i++)
                if (f->servers[i].down && f->servers[i].retry_at_ms < t)
                        t = f->servers[i].retry_at_ms;
        return t;
}

static void wait_until(struct sbx_eval_fleet *f, uint64_t until_ms)
{
        struct timespec ts;
        uint64_t now = sbx_now_ms(), ms = until_ms > now ? until_ms - now : 0;

        if (ms > 1000)
                ms = 1000;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(ms / 1000);
        ts.tv_nsec += (long)(ms % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&f->changed, &f->lock, &ts);
}

/* A server for the next attempt, counted as outstanding; NULL when none came back in time. */
static struct server *pick(struct sbx_eval_fleet *f, const struct server *avoid, uint64_t deadline)
{
        struct server *s = NULL;

        pthread_mutex_lock(&f->lock);
        for (;;) {
                uint64_t now = sbx_now_ms();
                for (size_t i = 0; i < f->n; i++) {
                        struct server *d = &f->servers[i];
                        if (d->down && !d->probing && now >= d->retry_at_ms) {
                                probe(f, d);
                                now = sbx_now_ms();
                        }
                }
                if ((s = least_outstanding(f, avoid)) || now >= deadline)
                        break;
                wait_until(f, earliest_retry(f) < deadline ? earliest_retry(f) : deadline);
        }
        if (s) {
                s->outstanding++;
                s->assigned++;
        }
        pthread_mutex_unlock(&f->lock);
        return s;
}

/* ---- running a job ------------------------------------------------------------------------ */

static struct sbx_result *no_server_result(struct sbx_eval_fleet *f)
{
        struct sbx_result *r = calloc(1, sizeof(*r));
        struct sbx_eval_buf why = {0};

        if (!r)
                return NULL;
        pthread_mutex_lock(&f->lock);
        for (size_t i = 0; i < f->n; i++)
                sbx_eval_buf_printf(&why, "%s%s: %s", i ? "; " : "", f->servers[i].url,
                                    f->servers[i].last_error ? f->servers[i].last_error : "down");
        pthread_mutex_unlock(&f->lock);
        r->verdict = SBX_VERDICT_SANDBOX_ERROR;
        r->exit_code = -1;
        r->error = EHOSTUNREACH;
        r->backend = "remote";
        r->message = sbx_strdup_printf("no server of the fleet has answered for %u s: %s",
                                       WAIT_FOR_SERVER_MS / 1000, why.data ? why.data : "");
        sbx_eval_buf_free(&why);
        return r;
}

/* Account for one attempt's end; true when the result is final. */
static bool settle(struct sbx_eval_fleet *f, struct server *s, const struct sbx_result *r,
                   bool retried, bool last_attempt)
{
        bool failed = server_failed(r);

        pthread_mutex_lock(&f->lock);
        s->outstanding--;
        if (failed)
                record_failure(s, r, sbx_now_ms());
        if (!failed || last_attempt) {
                f->jobs++;
                f->retried_jobs += retried;
                f->failed_jobs += failed;
        }
        if (!failed) {
                s->strikes = 0;
                s->jobs++;
                s->retries_here += retried;
        }
        pthread_cond_broadcast(&f->changed);
        pthread_mutex_unlock(&f->lock);
        return !failed || last_attempt;
}

static int fleet_run(void *ctx, const struct sbx_job *job, struct sbx_result **out,
                     struct sbx_error **err)
{
        struct sbx_eval_fleet *f = ctx;
        uint64_t deadline = sbx_now_ms() + WAIT_FOR_SERVER_MS;
        /* Every server twice, and a single URL (a load balancer) a few times. */
        unsigned max_attempts = f->n * 2 > 4 ? (unsigned)f->n * 2 : 4;
        struct server *avoid = NULL;

        for (unsigned attempt = 1;; attempt++) {
                struct server *s = pick(f, avoid, deadline);
                struct sbx_result *r = NULL;
                if (!s) {
                        pthread_mutex_lock(&f->lock);
                        f->jobs++;
                        f->retried_jobs += attempt > 1;
                        f->failed_jobs++;
                        pthread_mutex_unlock(&f->lock);
                        *out = no_server_result(f);
                        return *out ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
                }
                int q = sbx_run(s->rt, job, &r, err);
                if (q < 0) { /* the job itself is invalid: no server would take it */
                        pthread_mutex_lock(&f->lock);
                        s->outstanding--;
                        pthread_mutex_unlock(&f->lock);
                        return q;
                }
                if (settle(f, s, r, attempt > 1, attempt >= max_attempts)) {
                        *out = r;
                        return 0;
                }
                sbx_result_free(r);
                avoid = s;
        }
}

struct sbx_eval_executor sbx_eval_executor_fleet(struct sbx_eval_fleet *f)
{
        return (struct sbx_eval_executor){
            .run = fleet_run,
            .free_result = sbx_result_free,
            .backend = "remote",
            .ctx = f,
        };
}

/* ---- life --------------------------------------------------------------------------------- */

static int add_server(struct sbx_eval_fleet *f, const char *url, struct sbx_eval_buf *why)
{
        struct server *s = &f->servers[f->n++];
        struct sbx_error *e = NULL;

        if (!(s->url = strdup(url)))
                return -ENOMEM;
        if (open_runtime(f, url, &s->rt, &e) < 0) {
                set_error(s, e && e->message ? e->message : "does not answer");
                sbx_eval_buf_printf(why, "%s%s", why->len ? "; " : "", s->last_error);
                mark_down(s, sbx_now_ms());
        }
        sbx_error_free(e);
        return 0;
}

static struct sbx_eval_fleet *fleet_alloc(size_t n, const char *api_key)
{
        struct sbx_eval_fleet *f = calloc(1, sizeof(*f));
        pthread_condattr_t attr;

        if (!f)
                return NULL;
        pthread_mutex_init(&f->lock, NULL);
        /* Waits are measured on the clock sbx_now_ms() reads. */
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&f->changed, &attr);
        pthread_condattr_destroy(&attr);
        if (!(f->servers = calloc(n ? n : 1, sizeof(*f->servers))) ||
            (api_key && !(f->api_key = strdup(api_key))))
                return sbx_eval_fleet_free(f);
        return f;
}

int sbx_eval_fleet_new(char *const *urls, const char *api_key, struct sbx_eval_fleet **out,
                       struct sbx_error **err)
{
        struct sbx_eval_fleet *f;
        struct sbx_eval_buf why = {0};
        size_t n = 0, up = 0;
        int r = 0;

        while (urls && urls[n])
                n++;
        if (!(f = fleet_alloc(n, api_key)))
                return sbx_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n && r == 0; i++)
                r = add_server(f, urls[i], &why);
        for (size_t i = 0; i < f->n; i++)
                up += f->servers[i].rt != NULL;
        if (r == 0 && up == 0)
                r = sbx_error_set(err, EHOSTUNREACH, "no server answers: %s",
                                  why.data ? why.data : "no base_url given");
        sbx_eval_buf_free(&why);
        if (r < 0) {
                sbx_eval_fleet_free(f);
                return r == -ENOMEM ? sbx_error_set(err, ENOMEM, "out of memory") : r;
        }
        *out = f;
        return 0;
}

struct sbx_eval_fleet *sbx_eval_fleet_free(struct sbx_eval_fleet *f)
{
        if (!f)
                return NULL;
        for (size_t i = 0; f->servers && i < f->n; i++) {
                sbx_runtime_free(f->servers[i].rt);
                free(f->servers[i].url);
                free(f->servers[i].last_error);
        }
        free(f->servers);
        if (f->api_key)
                explicit_bzero(f->api_key, strlen(f->api_key));
        free(f->api_key);
        pthread_mutex_destroy(&f->lock);
        pthread_cond_destroy(&f->changed);
        free(f);
        return NULL;
}

/* ---- the account -------------------------------------------------------------------------- */

void sbx_eval_fleet_totals(struct sbx_eval_fleet *f, struct sbx_eval_fleet_totals *out)
{
        pthread_mutex_lock(&f->lock);
        *out = (struct sbx_eval_fleet_totals){
            .servers = f->n,
            .jobs = f->jobs,
            .retried_jobs = f->retried_jobs,
            .failed_jobs = f->failed_jobs,
        };
        for (size_t i = 0; i < f->n; i++)
                out->servers_up += !f->servers[i].down;
        pthread_mutex_unlock(&f->lock);
}

void sbx_eval_fleet_server(struct sbx_eval_fleet *f, size_t i, struct sbx_eval_fleet_server *out)
{
        const struct server *s = &f->servers[i];

        pthread_mutex_lock(&f->lock);
        *out = (struct sbx_eval_fleet_server){
            .url = s->url,
            .jobs = s->jobs,
            .failures = s->failures,
            .retries_here = s->retries_here,
            .up = !s->down,
            .last_error = s->last_error,
        };
        pthread_mutex_unlock(&f->lock);
}

char *sbx_eval_fleet_report(struct sbx_eval_fleet *f)
{
        struct sbx_eval_fleet_totals t;
        struct sbx_eval_buf b = {0};

        sbx_eval_fleet_totals(f, &t);
        sbx_eval_buf_printf(&b,
                            "Fleet: %zu server%s (%zu up), %zu jobs, %zu retried after a server "
                            "failed, %zu failed on every attempt\n",
                            t.servers, t.servers == 1 ? "" : "s", t.servers_up, t.jobs,
                            t.retried_jobs, t.failed_jobs);
        for (size_t i = 0; i < t.servers; i++) {
                struct sbx_eval_fleet_server s;
                sbx_eval_fleet_server(f, i, &s);
                sbx_eval_buf_printf(&b, "  %s  %s  ran %zu (%zu of them retried here), %zu failed",
                                    s.url, s.up ? "up  " : "down", s.jobs, s.retries_here,
                                    s.failures);
                sbx_eval_buf_printf(&b, "%s%s\n", s.last_error ? "; last failure: " : "",
                                    s.last_error ? s.last_error : "");
        }
        return b.oom ? (sbx_eval_buf_free(&b), NULL) : sbx_eval_buf_take(&b);
}

char *sbx_eval_fleet_report_json(struct sbx_eval_fleet *f)
{
        struct sbx_eval_fleet_totals t;
        cJSON *o = cJSON_CreateObject(), *list = cJSON_CreateArray();

        sbx_eval_fleet_totals(f, &t);
        cJSON_AddNumberToObject(o, "jobs", (double)t.jobs);
        cJSON_AddNumberToObject(o, "retried_jobs", (double)t.retried_jobs);
        cJSON_AddNumberToObject(o, "failed_jobs", (double)t.failed_jobs);
        for (size_t i = 0; i < t.servers; i++) {
                struct sbx_eval_fleet_server s;
                cJSON *e = cJSON_CreateObject();
                sbx_eval_fleet_server(f, i, &s);
                cJSON_AddStringToObject(e, "url", s.url);
                cJSON_AddStringToObject(e, "state", s.up ? "up" : "down");
                cJSON_AddNumberToObject(e, "jobs", (double)s.jobs);
                cJSON_AddNumberToObject(e, "retried_here", (double)s.retries_here);
                cJSON_AddNumberToObject(e, "failures", (double)s.failures);
                if (s.last_error)
                        cJSON_AddStringToObject(e, "last_failure", s.last_error);
                cJSON_AddItemToArray(list, e);
        }
        cJSON_AddItemToObject(o, "servers", list);
        char *text = cJSON_Print(o);
        cJSON_Delete(o);
        return text;
}
