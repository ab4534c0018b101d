/* The Docker Engine backend: sandboxes as hardened containers driven over the Engine API.
 *
 * Jobs run through exec as a uid of their container's own (claimed from the range the native
 * jail's slots use, runtime/slots.h) in a container whose idle init runs as 65533, under a
 * read-only root with size-capped tmpfs volumes at /sandbox (the work dir) and /tmp, all
 * capabilities dropped, no-new-privileges, network "none" (policies with "loopback" get "none"
 * too: a fresh network namespace has only lo; "host" only when the policy says so), memory
 * with swap equal to it, pids, CPU and ulimits from the policy, and sandboxrt.* labels.
 *
 * Environment: DOCKER_HOST (unix:// only), SANDBOXRT_DOCKER_IMAGE (default image when the
 * runtime options name none), SANDBOXRT_DOCKER_POOL (warm containers per image and policy;
 * 0, the default, creates a container per job), SANDBOXRT_DOCKER_WAITER (the sandboxrt-waiter
 * binary, instead of PREFIX/libexec/sandboxrt/sandboxrt-waiter). */
#ifndef SBX_DOCKER_H
#define SBX_DOCKER_H

#include "backend.h"

#define SBX_DOCKER_DEFAULT_IMAGE "python:3.11-slim"

extern const struct sbx_backend_ops sbx_docker_ops;

/* A short multi-line report for `sandboxrt doctor`: whether the engine answers, its version,
 * API version and cgroup driver, and whether image (NULL: the default image) is present.
 * Returns 0 when the engine answers (the report is malloc'd in *report), else < 0 with the
 * reason and its fix in *err. */
int sbx_docker_describe(const char *image, char **report, struct sbx_error **err);

/* Pool size of an open docker backend (0 turns pools off; containers in use are unaffected).
 * For the runtime/CLI; the environment sets the initial value. */
int sbx_docker_set_pool_size(struct sbx_backend *be, unsigned size, struct sbx_error **err);
/* Create the pool's containers for (image, policy) now and wait until they are ready. */
int sbx_docker_warm(struct sbx_backend *be, const char *image, const struct sbx_policy *policy,
                    struct sbx_error **err);

#endif
