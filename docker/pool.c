#include "docker/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policies/fields.h"
#include "util.h"

#define RESET_WORKERS    2
#define ACQUIRE_WAIT_MS  30000
#define POOL_CLOSE_BATCH 16

/* Containers of one (image, container-level policy): a keyed pool, which jobs of that key
 * share (SANDBOXRT_DOCKER_POOL), or an explicit one (sbx_docker_pool_open, key NULL). */
struct sbx_docker_pool {
        char *key;
        char *image;
        struct sbx_policy policy; /* what its containers are made for (sbx_docker_policy_copy) */
        struct sbx_docker_container **ready;
        size_t n_ready;
        size_t size;  /* how many it keeps */
        size_t total; /* ready + in use + resetting + being created */
        bool closed;  /* explicit, closed: freed once its last container is gone */
        struct sbx_docker_pool *next;
};

struct reset_item {
        struct sbx_docker_pool *pool;
        struct sbx_docker_container *c;
        struct reset_item *next;
};

struct sbx_docker_pools {
        struct sbx_docker_engine *e;
        const struct sbx_docker_config *cfg;
        unsigned size;
        pthread_mutex_t lock;
        pthread_cond_t changed;
        struct sbx_docker_pool *pools;
        struct reset_item *queue;
        unsigned creating; /* filler threads in flight */
        bool stopping;
        pthread_t workers[RESET_WORKERS];
        size_t n_workers;
};

/* A limit fixed when a container is created: a HostConfig member or an rlimit of it. */
static bool fixed_at_create(const struct sbx_field *f)
{
        return f->docker || f->rlimit.name;
}

/* Everything that is fixed when a container is created. */
static char *pool_key(const char *image, const struct sbx_policy *p)
{
        char dirs[SBX_WRITABLE_LIST_BYTES];
        char *key = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&key, &size);

        if (!out)
                return NULL;
        fprintf(out, "%s|%d|%s", image, (int)p->network,
                sbx_writable_dirs_list(p, dirs, sizeof(dirs)));
        for (size_t i = 0; i < sbx_n_limit_fields; i++) {
                const struct sbx_field *f = &sbx_limit_fields[i];
                if (fixed_at_create(f))
                        fprintf(out, "|%llu",
                                (unsigned long long)sbx_field_rlimit_value(f, sbx_field_get(f, p)));
        }
        if (fclose(out) != 0) {
                free(key);
                return NULL;
        }
        return key;
}

static struct sbx_docker_pool *pool_alloc(const char *image, const struct sbx_policy *policy,
                                          size_t size)
{
        struct sbx_docker_pool *pool = calloc(1, sizeof(*pool));

        if (!pool)
                return NULL;
        pool->ready = calloc(size ? size : 1, sizeof(*pool->ready));
        pool->image = strdup(image);
        if (!pool->ready || !pool->image) {
                free(pool->ready);
                free(pool->image);
                free(pool);
                return NULL;
        }
        pool->size = size;
        if (sbx_docker_policy_copy(&pool->policy, policy) < 0) {
                sbx_docker_policy_clear(&pool->policy);
                free(pool->ready);
                free(pool->image);
                free(pool);
                return NULL;
        }
        return pool;
}

static void pool_link(struct sbx_docker_pools *p, struct sbx_docker_pool *pool)
{
        pool->next = p->pools;
        p->pools = pool;
}

static struct sbx_docker_pool *pool_find(struct sbx_docker_pools *p, const char *image,
                                         const struct sbx_policy *policy, bool create)
{
        _cleanup_free_ char *key = pool_key(image, policy);
        struct sbx_docker_pool *pool;

        if (!key)
                return NULL;
        for (pool = p->pools; pool; pool = pool->next)
                if (pool->key && !strcmp(pool->key, key))
                        return pool;
        if (!create || !(pool = pool_alloc(image, policy, p->size)))
                return NULL;
        pool->key = TAKE_PTR(key);
        pool_link(p, pool);
        return pool;
}

static void pool_unlink_free(struct sbx_docker_pools *p, struct sbx_docker_pool *pool)
{
        struct sbx_docker_pool **pp = &p->pools;

        while (*pp && *pp != pool)
                pp = &(*pp)->next;
        if (*pp)
                *pp = pool->next;
        sbx_docker_policy_clear(&pool->policy);
        free(pool->ready);
        free(pool->image);
        free(pool->key);
        free(pool);
}

/* One container of pool is gone (removed, or never made). Lock held. */
static void pool_drop_locked(struct sbx_docker_pools *p, struct sbx_docker_pool *pool)
{
        pool->total--;
        if (pool->closed && pool->total == 0)
                pool_unlink_free(p, pool);
        pthread_cond_broadcast(&p->changed);
}

/* Called with the lock held: keep it if there is room, else the caller removes it. */
static bool pool_put(struct sbx_docker_pools *p, struct sbx_docker_pool *pool,
                     struct sbx_docker_container *c)
{
        if (p->stopping || pool->closed || pool->n_ready >= pool->size)
                return false;
        pool->ready[pool->n_ready++] = c;
        pthread_cond_broadcast(&p->changed);
        return true;
}

struct filler {
        struct sbx_docker_pools *p;
        struct sbx_docker_pool *pool;
};

static void *fill_one(void *arg)
{
        struct filler *f = arg;
        struct sbx_docker_pools *p = f->p;
        struct sbx_docker_container *c = NULL;
        struct sbx_error *err = NULL;
        int r = sbx_docker_container_new(p->e, p->cfg, f->pool->image, &f->pool->policy, &c, &err);

        sbx_error_free(err);
        pthread_mutex_lock(&p->lock);
        if (r < 0 || !pool_put(p, f->pool, c)) {
                pthread_mutex_unlock(&p->lock);
                sbx_docker_container_remove(p->e, c);
                pthread_mutex_lock(&p->lock);
                pool_drop_locked(p, f->pool);
        }
        p->creating--;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        free(f);
        return NULL;
}

/* Start creations in parallel until the pool's total reaches its size. Lock held. */
static void fill_locked(struct sbx_docker_pools *p, struct sbx_docker_pool *pool)
{
        while (!p->stopping && !pool->closed && pool->total < pool->size) {
                struct filler *f = malloc(sizeof(*f));
                pthread_t t;
                if (!f)
                        return;
                *f = (struct filler){.p = p, .pool = pool};
                if (pthread_create(&t, NULL, fill_one, f) != 0) {
                        free(f);
                        return;
                }
                pthread_detach(t);
                pool->total++;
                p->creating++;
        }
}

static void *reset_worker(void *arg)
{
        struct sbx_docker_pools *p = arg;

        pthread_mutex_lock(&p->lock);
        for (;;) {
                while (!p->queue && !p->stopping)
                        pthread_cond_wait(&p->changed, &p->lock);
                struct reset_item *it = p->queue;
                if (!it)
                        break; /* stopping, queue empty */
                p->queue = it->next;
                pthread_mutex_unlock(&p->lock);
                struct sbx_error *err = NULL;
                int r = p->stopping ? -ECANCELED : sbx_docker_container_reset(p->e, it->c, &err);
                sbx_error_free(err);
                pthread_mutex_lock(&p->lock);
                if (r < 0 || !pool_put(p, it->pool, it->c)) {
                        bool refill = !it->pool->closed;
                        pthread_mutex_unlock(&p->lock);
                        sbx_docker_container_remove(p->e, it->c);
                        pthread_mutex_lock(&p->lock);
                        pool_drop_locked(p, it->pool); /* frees a closed pool at 0 */
                        if (refill)
                                fill_locked(p, it->pool);
                }
                pthread_cond_broadcast(&p->changed);
                free(it);
        }
        pthread_mutex_unlock(&p->lock);
        return NULL;
}

int sbx_docker_pools_new(struct sbx_docker_engine *e, const struct sbx_docker_config *cfg,
                         unsigned size, struct sbx_docker_pools **out, struct sbx_error **err)
{
        struct sbx_docker_pools *p = calloc(1, sizeof(*p));

        if (!p)
                return sbx_error_set(err, ENOMEM, "out of memory");
        p->e = e;
        p->cfg = cfg;
        p->size = size;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->changed, NULL);
        for (size_t i = 0; i < RESET_WORKERS; i++) {
                if (pthread_create(&p->workers[i], NULL, reset_worker, p) != 0) {
                        sbx_docker_pools_free(p);
                        return sbx_error_set(err, EAGAIN, "cannot start pool workers");
                }
                p->n_workers++;
        }
        *out = p;
        return 0;
}

struct sbx_docker_pools *sbx_docker_pools_free(struct sbx_docker_pools *p)
{
        if (!p)
                return NULL;
        pthread_mutex_lock(&p->lock);
        p->stopping = true;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        for (size_t i = 0; i < p->n_workers; i++)
                pthread_join(p->workers[i], NULL);
        pthread_mutex_lock(&p->lock);
        while (p->creating > 0)
                pthread_cond_wait(&p->changed, &p->lock);
        pthread_mutex_unlock(&p->lock);
        for (struct sbx_docker_pool *pool = p->pools, *next; pool; pool = next) {
                next = pool->next;
                for (size_t i = 0; i < pool->n_ready; i++)
                        sbx_docker_container_remove(p->e, pool->ready[i]);
                sbx_docker_policy_clear(&pool->policy);
                free(pool->ready);
                free(pool->image);
                free(pool->key);
                free(pool);
        }
        pthread_cond_destroy(&p->changed);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
}

unsigned sbx_docker_pools_size(const struct sbx_docker_pools *p)
{
        return p ? p->size : 0;
}

static void deadline_after(struct timespec *ts, uint64_t ms)
{
        clock_gettime(CLOCK_REALTIME, ts);
        ts->tv_sec += (time_t)(ms / 1000);
        ts->tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts->tv_nsec >= 1000000000L) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000L;
        }
}

/* Take a ready container of pool, waiting a while for one when all are out; the lock is held
 * on entry and released. When none comes, one is made here for this job (so a failure reaches
 * the caller); it joins the pool when given back. */
static int take_locked(struct sbx_docker_pools *p, struct sbx_docker_pool *pool,
                       struct sbx_docker_container **out, struct sbx_error **err)
{
        struct timespec until;
        int r;

        deadline_after(&until, ACQUIRE_WAIT_MS);
        fill_locked(p, pool);
        while (pool->n_ready == 0 && pool->total >= pool->size &&
               pthread_cond_timedwait(&p->changed, &p->lock, &until) == 0)
                ;
        if (pool->n_ready > 0) {
                *out = pool->ready[--pool->n_ready];
                pthread_mutex_unlock(&p->lock);
                return 0;
        }
        pool->total++;
        pthread_mutex_unlock(&p->lock);
        r = sbx_docker_container_new(p->e, p->cfg, pool->image, &pool->policy, out, err);
        if (r < 0) {
                pthread_mutex_lock(&p->lock);
                pool_drop_locked(p, pool);
                pthread_mutex_unlock(&p->lock);
        }
        return r;
}

/* Back through a reset worker, or removed (the backend is stopping, the pool closed). */
static void give(struct sbx_docker_pools *p, struct sbx_docker_pool *pool,
                 struct sbx_docker_container *c)
{
        struct reset_item *it = malloc(sizeof(*it));

        pthread_mutex_lock(&p->lock);
        if (!it || p->stopping || pool->closed) {
                pthread_mutex_unlock(&p->lock);
                free(it);
                sbx_docker_container_remove(p->e, c);
                pthread_mutex_lock(&p->lock);
                pool_drop_locked(p, pool);
                pthread_mutex_unlock(&p->lock);
                return;
        }
        *it = (struct reset_item){.pool = pool, .c = c};
        struct reset_item **tail = &p->queue;
        while (*tail)
                tail = &(*tail)->next;
        *tail = it;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
}

/* Wait until pool has size ready containers (lock held); ETIMEDOUT past until. */
static int wait_ready_locked(struct sbx_docker_pools *p, struct sbx_docker_pool *pool,
                             const struct timespec *until, struct sbx_error **err)
{
        while (pool->n_ready < pool->size) {
                fill_locked(p, pool);
                if (pthread_cond_timedwait(&p->changed, &p->lock, until) != 0)
                        return sbx_error_set(err, ETIMEDOUT,
                                             "warming %zu containers of %s timed out (%zu ready)",
                                             pool->size, pool->image, pool->n_ready);
        }
        return 0;
}

int sbx_docker_pool_acquire(struct sbx_docker_pools *p, const char *image,
                            const struct sbx_policy *policy, struct sbx_docker_container **out,
                            struct sbx_error **err)
{
        struct sbx_docker_pool *pool;

        pthread_mutex_lock(&p->lock);
        pool = pool_find(p, image, policy, true);
        if (!pool) {
                pthread_mutex_unlock(&p->lock);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        return take_locked(p, pool, out, err);
}

void sbx_docker_pool_release(struct sbx_docker_pools *p, const char *image,
                             const struct sbx_policy *policy, struct sbx_docker_container *c)
{
        struct sbx_docker_pool *pool;

        pthread_mutex_lock(&p->lock);
        pool = pool_find(p, image, policy, false);
        pthread_mutex_unlock(&p->lock);
        if (pool)
                give(p, pool, c);
        else
                sbx_docker_container_remove(p->e, c);
}

int sbx_docker_pool_warm(struct sbx_docker_pools *p, const char *image,
                         const struct sbx_policy *policy, struct sbx_error **err)
{
        struct timespec until;
        struct sbx_docker_pool *pool;
        int r = 0;

        deadline_after(&until, ACQUIRE_WAIT_MS * 4);
        pthread_mutex_lock(&p->lock);
        pool = pool_find(p, image, policy, true);
        r = pool ? wait_ready_locked(p, pool, &until, err)
                 : sbx_error_set(err, ENOMEM, "out of memory");
        pthread_mutex_unlock(&p->lock);
        return r;
}

/* ---- explicit pools ----------------------------------------------------------------------- */

int sbx_docker_pool_open(struct sbx_docker_pools *p, const char *image,
                         const struct sbx_policy *policy, unsigned size,
                         struct sbx_docker_pool **out, struct sbx_error **err)
{
        struct sbx_docker_pool *pool = pool_alloc(image, policy, size);
        struct sbx_docker_container *first = NULL;
        struct timespec until;
        int r;

        if (!pool)
                return sbx_error_set(err, ENOMEM, "out of memory");
        /* The first one here: what makes it fail (a missing image) reaches the caller. */
        r = sbx_docker_container_new(p->e, p->cfg, image, policy, &first, err);
        deadline_after(&until, ACQUIRE_WAIT_MS * 4);
        pthread_mutex_lock(&p->lock);
        pool_link(p, pool);
        if (r == 0) {
                pool->total++;
                if (!pool_put(p, pool, first)) {
                        pthread_mutex_unlock(&p->lock);
                        sbx_docker_container_remove(p->e, first);
                        pthread_mutex_lock(&p->lock);
                        pool_drop_locked(p, pool);
                }
                r = wait_ready_locked(p, pool, &until, err);
        }
        pthread_mutex_unlock(&p->lock);
        if (r < 0) {
                sbx_docker_pool_close(p, pool);
                return r;
        }
        *out = pool;
        return 0;
}

/* A container made for policy serves a job of job: the same container-level limits, and a time
 * rlimit (a backstop: each job's CPU time is watched) no lower than the job's. */
static bool fits(const struct sbx_policy *pool, const struct sbx_policy *job)
{
        for (size_t i = 0; i < sbx_n_limit_fields; i++) {
                const struct sbx_field *f = &sbx_limit_fields[i];
                uint64_t a = sbx_field_rlimit_value(f, sbx_field_get(f, pool));
                uint64_t b = sbx_field_rlimit_value(f, sbx_field_get(f, job));
                bool backstop = !f->docker && f->kind == SBX_FIELD_DURATION;
                if (fixed_at_create(f) && (backstop ? a < b : a != b))
                        return false;
        }
        return pool->network == job->network && sbx_docker_same_dirs(pool, job);
}

int sbx_docker_pool_take(struct sbx_docker_pools *p, struct sbx_docker_pool *pool,
                         const struct sbx_policy *policy, struct sbx_docker_container **out,
                         bool *pooled, struct sbx_error **err)
{
        *pooled = fits(&pool->policy, policy);
        if (!*pooled)
                return sbx_docker_container_new(p->e, p->cfg, pool->image, policy, out, err);
        pthread_mutex_lock(&p->lock);
        return take_locked(p, pool, out, err);
}

void sbx_docker_pool_give(struct sbx_docker_pools *p, struct sbx_docker_pool *pool,
                          struct sbx_docker_container *c)
{
        give(p, pool, c);
}

void sbx_docker_pool_close(struct sbx_docker_pools *p, struct sbx_docker_pool *pool)
{
        struct sbx_docker_container *ready[POOL_CLOSE_BATCH];

        if (!pool)
                return;
        pthread_mutex_lock(&p->lock);
        pool->closed = true;
        pool->total++; /* held: the pool outlives the loop */
        while (pool->n_ready > 0) {
                size_t n = 0;
                while (pool->n_ready > 0 && n < ELEMENTSOF(ready))
                        ready[n++] = pool->ready[--pool->n_ready];
                pthread_mutex_unlock(&p->lock);
                for (size_t i = 0; i < n; i++)
                        sbx_docker_container_remove(p->e, ready[i]);
                pthread_mutex_lock(&p->lock);
                pool->total -= n;
        }
        pool_drop_locked(p, pool); /* ours: frees it unless containers are still out */
        pthread_mutex_unlock(&p->lock);
}
