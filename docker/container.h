/* Containers for sandboxes: the hardened create request (the policy mapped onto HostConfig),
 * start/restart/kill/remove, files in through the archive endpoint, orphan reaping and image
 * pulls. Internal to docker/. */
#ifndef SBX_DOCKER_CONTAINER_H
#define SBX_DOCKER_CONTAINER_H

#include <stdbool.h>

#include "docker/cgroup.h"
#include "docker/engine.h"
#include "owner.h"
#include "sandboxrt.h"

#define SBX_DOCKER_WORKDIR  "/sandbox"
#define SBX_DOCKER_JOB_UID  65534 /* "nobody": runs every job */
#define SBX_DOCKER_IDLE_UID 65533 /* runs the container's idle init, out of the job's reach */

struct sbx_docker_container {
        char *id;
        struct sbx_docker_cgroup *cg; /* NULL when the cgroup is not visible from here */
        bool broken;                  /* killed whole: must be restarted before the next job */
        char *work_source;            /* host paths of the /sandbox and /tmp volumes, when */
        char *tmp_source;             /* visible: they allow a reset without a restart */
};

/* The create request's JSON (exposed for tests), labelled with the owner token and the
 * sandbox's label. malloc'd, NULL on ENOMEM. */
char *sbx_docker_create_body(const char *image, const struct sbx_policy *policy, const char *owner,
                             const char *sandbox_label);

/* Create and start a container for policy from image (pulled when missing). */
int sbx_docker_container_new(struct sbx_docker_engine *e, const char *image,
                             const struct sbx_policy *policy, struct sbx_docker_container **out,
                             struct sbx_error **err);
/* Kill everything in it and start it again: fresh processes, work dir and /tmp. */
int sbx_docker_container_restart(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                                 struct sbx_error **err);
/* Make it fit for the next job: kill the job user's processes and empty the volumes from the
 * host when possible (no Engine API call), else restart it. */
int sbx_docker_container_reset(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                               struct sbx_error **err);
/* SIGKILL the container's init: every process in it dies; marks it broken. */
int sbx_docker_container_kill(struct sbx_docker_engine *e, struct sbx_docker_container *c);
/* Kill the job user's processes: through the cgroup when visible, else a container kill. */
int sbx_docker_container_kill_jobs(struct sbx_docker_engine *e, struct sbx_docker_container *c);
/* Force-remove with its volumes; accepts NULL, returns NULL. */
struct sbx_docker_container *sbx_docker_container_remove(struct sbx_docker_engine *e,
                                                         struct sbx_docker_container *c);
/* Write files (paths relative to the work dir, or absolute under it or /tmp). */
int sbx_docker_container_put_files(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                                   const struct sbx_file *files, size_t n, struct sbx_error **err);
/* Split a sandbox path into its volume ("/sandbox" or "/tmp") and a clean relative path.
 * -EINVAL for "..", empty components, or anything outside the two. rel is malloc'd. */
int sbx_docker_split_path(const char *path, const char **root, char **rel);

/* Remove the containers (and their volumes) labelled with the token of a dead owner in dead;
 * keeps the record of one whose container could not be removed. Number removed, or < 0. */
int sbx_docker_reap(struct sbx_docker_engine *e, struct sbx_owners *dead, struct sbx_error **err);
/* Make image available: local, or pulled (each progress line handed to fn, may be NULL). */
typedef void (*sbx_docker_progress_fn)(void *ctx, const char *line);
int sbx_docker_image_ensure(struct sbx_docker_engine *e, const char *image,
                            sbx_docker_progress_fn fn, void *ctx, struct sbx_error **err);
/* 0 when present, -ENOENT when not, other < 0 on errors. */
int sbx_docker_image_exists(struct sbx_docker_engine *e, const char *image, struct sbx_error **err);

#endif
