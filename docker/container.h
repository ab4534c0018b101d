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
#define SBX_DOCKER_DIRS_MAX SBX_WRITABLE_DIRS_MAX /* writable directories, each a volume */
#define SBX_DOCKER_IDLE_UID 65533 /* runs the container's idle init, out of the job's reach */

/* What every container of one backend shares; owned by the backend, outlives its containers. */
struct sbx_docker_config {
        const char *slot_dir; /* where job uids are claimed (runtime/slots.h) */
        const char *waiter;   /* host path of sandboxrt-waiter, NULL without it */
        /* Where each container's agent directory is made (docker/agent.h); NULL: every job is
         * an exec through the engine. */
        const char *agent_dirs;
};

/* Where the waiter is bind-mounted in a container, and where it leaves its record: a tmpfs
 * volume the host reads (docker/waiter.c). */
#define SBX_DOCKER_WAITER_DIR "/.sandboxrt"
#define SBX_DOCKER_WAITER     SBX_DOCKER_WAITER_DIR "/waiter"
/* The same program as the container's first process, the agent (docker/agent_main.c), and the
 * host directory it listens in. */
#define SBX_DOCKER_AGENT     "/.sandboxrt-agent"
#define SBX_DOCKER_AGENT_DIR "/.sandboxrt-run"

struct sbx_docker_container {
        char *id;
        uid_t uid;   /* runs this container's jobs (gid alike): its own, claimed ... */
        int slot_fd; /* ... with this lock, released when the container is gone */
        struct sbx_docker_cgroup *cg; /* NULL when the cgroup is not visible from here */
        bool broken;                  /* killed whole: must be restarted before the next job */
        /* Its writable directories (sbx_writable_dirs_of its policy), NULL-terminated, and the
         * host paths of their volumes (same order), when visible: they allow a reset without a
         * restart. */
        char *dirs[SBX_DOCKER_DIRS_MAX + 1];
        char *sources[SBX_DOCKER_DIRS_MAX];
        bool waiter;         /* jobs run under sandboxrt-waiter ... */
        char *waiter_source; /* ... whose records are here, when visible */
        char *agent_dir;     /* host directory of its agent's socket, NULL without an agent */
        bool agent;          /* the agent listens and the cgroup is visible: jobs go to it */
};

/* The create request's JSON for a container whose jobs run as uid, under the waiter at host
 * path waiter unless it is NULL, labelled with the owner token and the sandbox's label; with
 * the agent listening in host directory agent_dir unless it (or waiter) is NULL (exposed for
 * tests). malloc'd, NULL on ENOMEM. */
char *sbx_docker_create_body(const char *image, const struct sbx_policy *policy, const char *owner,
                             const char *sandbox_label, uid_t uid, const char *waiter,
                             const char *agent_dir);

/* Create and start a container for policy from image (pulled when missing), with a uid of its
 * own for its jobs. */
int sbx_docker_container_new(struct sbx_docker_engine *e, const struct sbx_docker_config *cfg,
                             const char *image, const struct sbx_policy *policy,
                             struct sbx_docker_container **out, struct sbx_error **err);
/* Whether its next job goes to its agent (c->agent), also once an agent that missed the wait
 * at the start listens. */
bool sbx_docker_container_agent(struct sbx_docker_container *c);
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
/* Write files (paths relative to the work dir, or absolute in a writable directory). */
int sbx_docker_container_put_files(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                                   const struct sbx_file *files, size_t n, struct sbx_error **err);

/* What a container is made for, of a job's policy: its limits, network and writable list (a
 * copy: the name and description are not kept). 0 or -ENOMEM. */
int sbx_docker_policy_copy(struct sbx_policy *dst, const struct sbx_policy *src);
void sbx_docker_policy_clear(struct sbx_policy *p);
/* Both policies' sandboxes have the same writable directories. */
bool sbx_docker_same_dirs(const struct sbx_policy *a, const struct sbx_policy *b);

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
