/* A container's cgroup seen from the host: CPU time, peak memory and OOM kills for a job's
 * verdict, and freeze-then-kill of the job user's processes. Only usable when sandboxrt runs on
 * the engine's host with the cgroup filesystem visible; otherwise callers fall back to the
 * Engine API (stats, container kill). Internal to docker/. */
#ifndef SBX_DOCKER_CGROUP_H
#define SBX_DOCKER_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sbx_docker_cgroup;

struct sbx_docker_cgroup_sample {
        uint64_t cpu_usec;
        uint64_t peak_memory_bytes;
        uint64_t oom_kills; /* tasks the OOM killer took (v2: also whole-group kills) */
        uint64_t ooms;      /* v2: times the limit was hit; v1: 1 while an OOM is handled */
};

/* Find the cgroup of container id (cgroupfs or systemd driver, v1 or v2). NULL when not
 * visible from here. */
struct sbx_docker_cgroup *sbx_docker_cgroup_open(const char *id, const char *driver);
struct sbx_docker_cgroup *sbx_docker_cgroup_free(struct sbx_docker_cgroup *cg);

int sbx_docker_cgroup_sample(struct sbx_docker_cgroup *cg, struct sbx_docker_cgroup_sample *out);
int sbx_docker_cgroup_cpu_usec(struct sbx_docker_cgroup *cg, uint64_t *out);
/* Start a new peak-memory window (v1: max_usage_in_bytes; v2 keeps the container's peak). */
void sbx_docker_cgroup_reset_peak(struct sbx_docker_cgroup *cg);
/* Freeze the cgroup, SIGKILL every process whose real uid is uid, thaw; repeat until none is
 * left. Other uids (the container's idle init) are spared. 0, or -errno. */
int sbx_docker_cgroup_kill_uid(struct sbx_docker_cgroup *cg, uid_t uid);
/* Number of processes of uid in the cgroup (for checks), or -errno. */
int sbx_docker_cgroup_count_uid(struct sbx_docker_cgroup *cg, uid_t uid);
/* True when pid is a process of this container (guards pids read from the engine). */
bool sbx_docker_cgroup_has_pid(struct sbx_docker_cgroup *cg, pid_t pid);

#endif
