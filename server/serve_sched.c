/* Logging, bounded waiting, the job scheduler of sandboxrt serve, and running a tenant's job
 * under it. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/http_parse.h"
#include "server/serve.h"
#include "server/serve_tenants.h"
#include "util.h"

/* ---- logging ------------------------------------------------------------------------------ */

static const char *const level_names[_SBX_LOG_MAX] = {
    [SBX_LOG_ERROR] = "error",
    [SBX_LOG_WARN] = "warn",
    [SBX_LOG_INFO] = "info",
    [SBX_LOG_DEBUG] = "debug",
};

static atomic_int log_level = SBX_LOG_INFO;

const char *sbx_log_level_to_string(enum sbx_log_level l)
{
        return (unsigned)l < _SBX_LOG_MAX ? level_names[l] : NULL;
}

int sbx_log_level_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_LOG_MAX; i++)
                if (!strcmp(s, level_names[i]))
                        return i;
        return -EINVAL;
}

void sbx_serve_log_set_level(enum sbx_log_level level)
{
        atomic_store(&log_level, (int)level);
}

void sbx_serve_log(enum sbx_log_level level, const char *fmt, ...)
{
        struct timespec ts;
        char stamp[32], line[2048];
        va_list ap;
        int n;

        if ((int)level > atomic_load(&log_level))
                return;
        clock_gettime(CLOCK_REALTIME, &ts);
        sbx_http_format_time((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000, stamp,
                             sizeof(stamp));
        n = snprintf(line, sizeof(line), "%.23s %s ", stamp, level_names[level]);
        va_start(ap, fmt);
        if (n > 0 && (size_t)n < sizeof(line))
                vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        n = (int)strnlen(line, sizeof(line) - 2);
        line[n++] = '\n';
        /* One write per line keeps lines of concurrent requests whole. */
        (void)sbx_write_all(STDERR_FILENO, line, (size_t)n);
}

/* ---- waiting ------------------------------------------------------------------------------ */

bool sbx_client_gone(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLRDHUP};
        char c;

        if (fd < 0)
                return false;
        if (poll(&p, 1, 0) <= 0)
                return false;
        if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
                return true;
        /* POLLRDHUP alone can be a half-close after a complete request; a read of 0 confirms
         * the peer is gone, pipelined bytes mean it is still there. */
        if (p.revents & POLLRDHUP)
                return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
        return false;
}

int sbx_cond_init_monotonic(pthread_cond_t *cond)
{
        pthread_condattr_t attr;
        int r;

        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        r = pthread_cond_init(cond, &attr);
        pthread_condattr_destroy(&attr);
        return -r;
}

int sbx_wait_slice(pthread_cond_t *cond, pthread_mutex_t *lock, const struct sbx_wait *w)
{
        uint64_t now = sbx_now_usec(), until;
        struct timespec ts;

        if (w->stopping && atomic_load(w->stopping))
                return -ESHUTDOWN;
        if (now >= w->deadline_usec)
                return -ETIMEDOUT;
        if (sbx_client_gone(w->client_fd))
                return -ECONNRESET;
        until = now + 100000 < w->deadline_usec ? now + 100000 : w->deadline_usec;
        ts.tv_sec = (time_t)(until / 1000000);
        ts.tv_nsec = (long)(until % 1000000) * 1000;
        pthread_cond_timedwait(cond, lock, &ts);
        return 0;
}

/* ---- scheduler ---------------------------------------------------------------------------- */

struct sbx_sched_waiter {
        pthread_cond_t cond;
        bool granted;
        struct sbx_sched_waiter *next;
};

void sbx_sched_init(struct sbx_sched *s, unsigned max_running, unsigned max_waiting)
{
        memset(s, 0, sizeof(*s));
        pthread_mutex_init(&s->lock, NULL);
        s->max_running = max_running ? max_running : 1;
        s->max_waiting = max_waiting;
}

void sbx_sched_destroy(struct sbx_sched *s)
{
        pthread_mutex_destroy(&s->lock);
}

static void unlink_waiter(struct sbx_sched *s, struct sbx_sched_waiter *me)
{
        struct sbx_sched_waiter **p = &s->head, *prev = NULL;

        while (*p && *p != me) {
                prev = *p;
                p = &(*p)->next;
        }
        if (!*p)
                return;
        *p = me->next;
        if (s->tail == me)
                s->tail = prev;
        s->waiting--;
}

/* Queue behind earlier waiters; a release hands its slot straight to the head, so a late
 * arrival never overtakes (FIFO) and the running count never exceeds the maximum. */
static int wait_in_line(struct sbx_sched *s, const struct sbx_wait *w)
{
        struct sbx_sched_waiter me = {.granted = false};
        int r = 0;

        if (s->waiting >= s->max_waiting)
                return -EAGAIN;
        sbx_cond_init_monotonic(&me.cond);
        if (s->tail)
                s->tail->next = &me;
        else
                s->head = &me;
        s->tail = &me;
        s->waiting++;
        while (!me.granted && !s->closed && r == 0)
                r = sbx_wait_slice(&me.cond, &s->lock, w);
        if (!me.granted) {
                unlink_waiter(s, &me);
                r = s->closed ? -ESHUTDOWN : r;
        } else {
                r = 0; /* the slot is ours even if the deadline passed meanwhile */
        }
        pthread_cond_destroy(&me.cond);
        return r;
}

int sbx_sched_acquire(struct sbx_sched *s, const struct sbx_wait *w)
{
        int r = 0;

        pthread_mutex_lock(&s->lock);
        if (s->closed)
                r = -ESHUTDOWN;
        else if (s->running < s->max_running && !s->head)
                s->running++;
        else
                r = wait_in_line(s, w);
        pthread_mutex_unlock(&s->lock);
        return r;
}

void sbx_sched_release(struct sbx_sched *s)
{
        pthread_mutex_lock(&s->lock);
        struct sbx_sched_waiter *next = s->head;
        if (next && !s->closed) {
                s->head = next->next;
                if (!s->head)
                        s->tail = NULL;
                s->waiting--;
                next->granted = true; /* the slot passes on: running stays the same */
                pthread_cond_signal(&next->cond);
        } else {
                s->running--;
        }
        pthread_mutex_unlock(&s->lock);
}

void sbx_sched_close(struct sbx_sched *s)
{
        pthread_mutex_lock(&s->lock);
        s->closed = true;
        for (struct sbx_sched_waiter *w = s->head; w; w = w->next)
                pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&s->lock);
}

void sbx_sched_stats(struct sbx_sched *s, unsigned *running, unsigned *waiting)
{
        pthread_mutex_lock(&s->lock);
        *running = s->running;
        *waiting = s->waiting;
        pthread_mutex_unlock(&s->lock);
}

/* ---- a tenant's job ----------------------------------------------------------------------- */

static int run_at(const struct sbx_serve_target *where, const struct sbx_job *job,
                  struct sbx_result **out, struct sbx_error **err)
{
        if (where->sb)
                return sbx_sandbox_run(where->sb, job, out, err);
        if (where->pool)
                return sbx_pool_run(where->pool, job, out, err);
        return sbx_run(where->rt, job, out, err);
}

int sbx_serve_run(struct sbx_server *srv, struct sbx_tenant *t,
                  const struct sbx_serve_target *where, struct sbx_job *job,
                  const struct sbx_wait *w, struct sbx_result **out, struct sbx_error **err)
{
        int r;

        if (!job->ceiling)
                job->ceiling = t->ceiling;
        job->cancel_fd = w->client_fd > 0 ? w->client_fd : 0; /* a client that leaves cancels */
        r = sbx_sched_acquire(&srv->sched, w);
        if (r < 0) {
                sbx_metrics_rejected(&t->metrics, r);
                return r;
        }
        uint64_t t0 = sbx_now_usec();
        r = run_at(where, job, out, err);
        sbx_sched_release(&srv->sched);
        if (r == 0)
                sbx_metrics_job(&t->metrics, (*out)->verdict, sbx_now_usec() - t0);
        return r < 0 && r != -ENOMEM && r != -SBX_ECEILING ? -EINVAL : r;
}
