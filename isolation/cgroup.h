/* cgroups for native jobs: v2 (unified) and v1 (per-controller hierarchies), one API. */
#ifndef SBX_CGROUP_H
#define SBX_CGROUP_H

#include "sandboxrt.h"

enum sbx_cgroup_mode {
        SBX_CGROUP_NONE, /* no usable, writable hierarchy: limits fall back to rlimits */
        SBX_CGROUP_V1,
        SBX_CGROUP_V2,
};

const char *sbx_cgroup_mode_to_string(enum sbx_cgroup_mode m);

/* Where this process may create job cgroups. Discovered once (in the launcher). */
struct sbx_cgroup_host;

/* Discover the hierarchy and create (if needed) the sandboxrt parent cgroup(s). Never fails
 * for lack of cgroups: mode NONE is a valid outcome, with *why set to the reason and fix
 * (static or malloc'd per the implementation; see the .c). */
int sbx_cgroup_host_open(struct sbx_cgroup_host **out, struct sbx_error **err);
struct sbx_cgroup_host *sbx_cgroup_host_free(struct sbx_cgroup_host *h);
enum sbx_cgroup_mode sbx_cgroup_host_mode(const struct sbx_cgroup_host *h);
/* One line for doctor/--verbose: "v1 (memory, pids, cpu, cpuacct under /sys/fs/cgroup/...)". */
const char *sbx_cgroup_host_describe(const struct sbx_cgroup_host *h);

/* Remove job cgroups left by dead supervisors (killing what still runs in them). */
int sbx_cgroup_reap(struct sbx_cgroup_host *h, struct sbx_error **err);

struct sbx_cgroup;

struct sbx_cgroup_stats {
        uint64_t cpu_usec;
        uint64_t peak_memory_bytes;
        bool oom_killed;
};

/* Create a job cgroup named after the calling process (owner = getpid()) with the limits
 * memory (swap off), pids and cpu bandwidth applied. */
int sbx_cgroup_create(struct sbx_cgroup_host *h, const struct sbx_limits *limits,
                      struct sbx_cgroup **out, struct sbx_error **err);
int sbx_cgroup_attach(struct sbx_cgroup *cg, pid_t pid, struct sbx_error **err);
/* v2: an O_PATH|O_DIRECTORY fd usable with CLONE_INTO_CGROUP; -1 on v1. */
int sbx_cgroup_fd(const struct sbx_cgroup *cg);
int sbx_cgroup_stats(struct sbx_cgroup *cg, struct sbx_cgroup_stats *out);
/* Total CPU time so far (cheap: one read), for the supervisor's CPU-limit checks. */
int sbx_cgroup_cpu_usec(struct sbx_cgroup *cg, uint64_t *out);
/* Kill every process in the cgroup (cgroup.kill, or freeze, SIGKILL all, thaw). */
int sbx_cgroup_kill(struct sbx_cgroup *cg);
/* Kill, wait until empty, remove. */
struct sbx_cgroup *sbx_cgroup_destroy(struct sbx_cgroup *cg);

#endif
