/* Warm pools: N started containers per (image, container-level policy) key, filled in
 * parallel, handed out one job at a time, and restarted between jobs (fresh processes, work
 * dir and /tmp by construction) before anyone gets them again. Internal to docker/. */
#ifndef SBX_DOCKER_POOL_H
#define SBX_DOCKER_POOL_H

#include "docker/container.h"

struct sbx_docker_pools;

/* size containers per key (0: pools off). Starts the reset workers. */
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

#endif
