#include "docker/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define RESET_WORKERS   2
#define ACQUIRE_WAIT_MS 30000

struct pool {
        char *key;
        char *image;
        struct sbx_policy policy; /* limits and network only; no strings */
        struct sbx_docker_container **ready;
        size_t n_ready;
        size_t total; /* ready + in use + resetting + being created */
        struct pool *next;
};

struct reset_item {
        struct pool *pool;
        struct sbx_docker_container *c;
        struct reset_item *next;
};

struct sbx_docker_pools {
        struct sbx_docker_engine *e;
        const struct sbx_docker_config *cfg;
        unsigned size;
        pthread_mutex_t lock;
        pthread_cond_t changed;
        struct pool *pools;
        struct reset_item *queue;
        unsigned creating; /* filler threads in flight */
        bool stopping;
        pthread_t workers[RESET_WORKERS];
        size_t n_workers;
};

/* Everything that is fixed when a container is created. */
static char *pool_key(const char *image, const struct sbx_policy *p)
{
        const struct sbx_limits *l = &p->limits;

        return sbx_strdup_printf("%s|%llu|%u|%u|%llu|%u|%llu|%llu|%d", image,
                                 (unsigned long long)l->memory_bytes, l->pids, l->cpu_millicores,
                                 (unsigned long long)l->file_size_bytes, l->open_files,
                                 (unsigned long long)l->tmpfs_bytes,
                                 (unsigned long long)((l->cpu_ms + 999) / 1000), (int)p->network);
}

static struct pool *pool_find(struct sbx_docker_pools *p, const char *image,
                              const struct sbx_policy *policy, bool create)
{
        _cleanup_free_ char *key = pool_key(image, policy);
        struct pool *pool;

        if (!key)
                return NULL;
        for (pool = p->pools; pool; pool = pool->next)
                if (!strcmp(pool->key, key))
                        return pool;
        if (!create || !(pool = calloc(1, sizeof(*pool))))
                return NULL;
        pool->ready = calloc(p->size ? p->size : 1, sizeof(*pool->ready));
        pool->image = strdup(image);
        if (!pool->ready || !pool->image) {
                free(pool->ready);
                free(pool->image);
                free(pool);
                return NULL;
        }
        pool->key = TAKE_PTR(key);
        pool->policy.limits = policy->limits;
        pool->policy.network = policy->network;
        pool->next = p->pools;
        p->pools = pool;
        return pool;
}

/* Called with the lock held: keep it if there is room, else the caller removes it. */
static bool pool_put(struct sbx_docker_pools *p, struct pool *pool, struct sbx_docker_container *c)
{
        if (p->stopping || pool->n_ready >= p->size)
                return false;
        pool->ready[pool->n_ready++] = c;
        pthread_cond_broadcast(&p->changed);
        return true;
}

struct filler {
        struct sbx_docker_pools *p;
        struct pool *pool;
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
                f->pool->total--;
                pthread_mutex_unlock(&p->lock);
                sbx_docker_container_remove(p->e, c);
                pthread_mutex_lock(&p->lock);
        }
        p->creating--;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        free(f);
        return NULL;
}

/* Start creations in parallel until the pool's total reaches its size. Lock held. */
static void fill_locked(struct sbx_docker_pools *p, struct pool *pool)
{
        while (!p->stopping && pool->total < p->size) {
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
                        it->pool->total--;
                        pthread_mutex_unlock(&p->lock);
                        sbx_docker_container_remove(p->e, it->c);
                        pthread_mutex_lock(&p->lock);
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
        for (size_t i = 0; size > 0 && i < RESET_WORKERS; i++) {
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
        for (struct pool *pool = p->pools, *next; pool; pool = next) {
                next = pool->next;
                for (size_t i = 0; i < pool->n_ready; i++)
                        sbx_docker_container_remove(p->e, pool->ready[i]);
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

int sbx_docker_pool_acquire(struct sbx_docker_pools *p, const char *image,
                            const struct sbx_policy *policy, struct sbx_docker_container **out,
                            struct sbx_error **err)
{
        struct timespec until;
        struct pool *pool;
        int r;

        deadline_after(&until, ACQUIRE_WAIT_MS);
        pthread_mutex_lock(&p->lock);
        pool = pool_find(p, image, policy, true);
        if (!pool) {
                pthread_mutex_unlock(&p->lock);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        fill_locked(p, pool);
        while (pool->n_ready == 0 && pool->total >= p->size &&
               pthread_cond_timedwait(&p->changed, &p->lock, &until) == 0)
                ;
        if (pool->n_ready > 0) {
                *out = pool->ready[--pool->n_ready];
                pthread_mutex_unlock(&p->lock);
                return 0;
        }
        /* Creations failed or are slow: make one here, so a failure reaches the caller. */
        pool->total++;
        pthread_mutex_unlock(&p->lock);
        r = sbx_docker_container_new(p->e, p->cfg, image, policy, out, err);
        if (r < 0) {
                pthread_mutex_lock(&p->lock);
                pool->total--;
                pthread_mutex_unlock(&p->lock);
        }
        return r;
}

void sbx_docker_pool_release(struct sbx_docker_pools *p, const char *image,
                             const struct sbx_policy *policy, struct sbx_docker_container *c)
{
        struct reset_item *it = malloc(sizeof(*it));
        struct pool *pool;

        pthread_mutex_lock(&p->lock);
        pool = pool_find(p, image, policy, false);
        if (!it || !pool || p->stopping) {
                if (pool)
                        pool->total--;
                pthread_mutex_unlock(&p->lock);
                free(it);
                sbx_docker_container_remove(p->e, c);
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

int sbx_docker_pool_warm(struct sbx_docker_pools *p, const char *image,
                         const struct sbx_policy *policy, struct sbx_error **err)
{
        struct timespec until;
        struct pool *pool;
        int r = 0;

        deadline_after(&until, ACQUIRE_WAIT_MS * 4);
        pthread_mutex_lock(&p->lock);
        pool = pool_find(p, image, policy, true);
        if (!pool)
                r = sbx_error_set(err, ENOMEM, "out of memory");
        while (r == 0 && pool->n_ready < p->size) {
                fill_locked(p, pool);
                if (pthread_cond_timedwait(&p->changed, &p->lock, &until) != 0)
                        r = sbx_error_set(err, ETIMEDOUT, "warming the pool for %s timed out",
                                          image);
        }
        pthread_mutex_unlock(&p->lock);
        return r;
}
