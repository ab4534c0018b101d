/* Warm pools: N started containers per (image, container-level policy) key, filled in
 * parallel, handed out one job at a time, and restarted between jobs (fresh processes, work
 * dir and /tmp by construction) before anyone gets them again. Internal to docker/. */
#ifndef SBX_DOCKER_POOL_H
#define SBX_DOCKER_POOL_H

#include "docker/container.h"

struct sbx_docker_pools;

/* size containers per key for sbx_docker_pool_acquire (0: a container per job); explicit pools
 * have sizes of their own. Starts the reset workers. */
int sbx_docker_pools_new(struct sbx_docker_engine *e, const struct sbx_docker_config *cfg,
                         unsigned size, struct sbx_docker_pools **out, struct sbx_error **err);
/* Waits for creations and resets in flight, then removes every pooled container. */
struct sbx_docker_pools *sbx_docker_pools_free(struct sbx_docker_pools *p);
unsigned sbx_docker_pools_size(const struct sbx_docker_pools *p);

/* A ready container for (image, policy): from the pool, or created now when none is ready
 * (the pool for a new key starts filling in the background). */
int sbx_docker_pool_acquire(struct sbx_docker_pools *p, const char *image,
                            const struct sbx_policy *policy, struct sbx_docker_container **out,
                            struct sbx_error **err);
/* Give a container back after its job; it is reset before reuse, removed if that fails. */
void sbx_docker_pool_release(struct sbx_docker_pools *p, const char *image,
                             const struct sbx_policy *policy, struct sbx_docker_container *c);
/* Fill the pool for (image, policy) to its size and wait until all are ready. */
int sbx_docker_pool_warm(struct sbx_docker_pools *p, const char *image,
                         const struct sbx_policy *policy, struct sbx_error **err);

/* An explicit pool: size containers of (image, policy) of its own (the runtime's sbx_pool),
 * all ready when this returns; the first is made here, so a failure to make one (a missing
 * image) is the caller's. */
struct sbx_docker_pool;
int sbx_docker_pool_open(struct sbx_docker_pools *p, const char *image,
                         const struct sbx_policy *policy, unsigned size,
                         struct sbx_docker_pool **out, struct sbx_error **err);
/* A container for one job of policy: one of the pool's (*pooled), or, when the pool's do not fit
 * policy's container-level limits, one made for it alone (give it back all the same). */
int sbx_docker_pool_take(struct sbx_docker_pools *p, struct sbx_docker_pool *pool,
                         const struct sbx_policy *policy, struct sbx_docker_container **out,
                         bool *pooled, struct sbx_error **err);
/* Back after its job: reset before it is taken again (removed if that fails). */
void sbx_docker_pool_give(struct sbx_docker_pools *p, struct sbx_docker_pool *pool,
                          struct sbx_docker_container *c);
/* Remove the pool's containers; those taken go when given back, and the pool with the last. */
void sbx_docker_pool_close(struct sbx_docker_pools *p, struct sbx_docker_pool *pool);

#endif
