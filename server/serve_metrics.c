/* The counters behind GET /metrics, which the scheduler and the daemon add to; http_metrics.c
 * renders them (and reads the scheduler), so it is a file of its own. */
#include <errno.h>
#include <string.h>

#include "server/serve.h"

/* Upper bounds of the job duration histogram, in seconds. */
const double sbx_metrics_bucket_bounds[SBX_METRICS_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                               0.5,   1,    2.5,   5,    10,  30};

void sbx_metrics_init(struct sbx_metrics *m)
{
        memset(m, 0, sizeof(*m));
        pthread_mutex_init(&m->lock, NULL);
}

void sbx_metrics_destroy(struct sbx_metrics *m)
{
        pthread_mutex_destroy(&m->lock);
}

void sbx_metrics_job(struct sbx_metrics *m, enum sbx_verdict v, uint64_t duration_usec)
{
        double s = (double)duration_usec / 1e6;
        size_t b = 0;

        while (b < SBX_METRICS_BUCKETS && s > sbx_metrics_bucket_bounds[b])
                b++;
        pthread_mutex_lock(&m->lock);
        if ((unsigned)v < _SBX_VERDICT_MAX)
                m->jobs[v]++;
        if (b < SBX_METRICS_BUCKETS)
                m->job_buckets[b]++;
        m->job_count++;
        m->job_seconds += s;
        pthread_mutex_unlock(&m->lock);
}

void sbx_metrics_request(struct sbx_metrics *m, unsigned status)
{
        unsigned c = status / 100;

        pthread_mutex_lock(&m->lock);
        m->requests_by_class[c < 6 ? c : 0]++;
        pthread_mutex_unlock(&m->lock);
}

void sbx_metrics_rejected(struct sbx_metrics *m, int reason)
{
        pthread_mutex_lock(&m->lock);
        if (reason == -EAGAIN || reason == -ESHUTDOWN)
                m->rejected_busy++;
        else if (reason == -ETIMEDOUT)
                m->rejected_timeout++;
        else if (reason == -ECONNRESET)
                m->client_gone++;
        pthread_mutex_unlock(&m->lock);
}
