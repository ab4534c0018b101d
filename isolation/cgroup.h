/* cgroups for native jobs: v2 (unified) and v1 (per-controller hierarchies), one API.
 *
 * Threads: a host and its job cgroups are used by one thread at a time (the launcher opens the
 * host; each forked, single-threaded supervisor uses its inherited copy). Nothing here prints. */
#ifndef SBX_CGROUP_H
#define SBX_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "owner.h"
#include "sandboxrt.h"

enum sbx_cgroup_mode {
        SBX_CGROUP_NONE, /* no usable, writable hierarchy: limits fall back to rlimits */
        SBX_CGROUP_V1,
        SBX_CGROUP_V2,
};

/* "none", "v1", "v2"; from_string returns 0 or -EINVAL. */
const char *sbx_cgroup_mode_to_string(enum sbx_cgroup_mode m);
int sbx_cgroup_mode_from_string(const char *s, enum sbx_cgroup_mode *out);

/* Where this process may create job cgroups. Discovered once (in the launcher). */
struct sbx_cgroup_host;

/* Discover the hierarchy (from /proc/self/mountinfo) and open, creating it when root, the
 * parent of job cgroups. The first that works of:
 *   $SANDBOXRT_CGROUP            (root creates it; a user needs it writable, and our cgroup
 *                                 below a common ancestor we may write);
 *   v2, the delegated cgroup holding ours: the nearest a systemd unit with Delegate=yes got
 *                                (xattr trusted.delegate or user.delegate), else, unprivileged,
 *                                the topmost of our cgroup's ancestors writable all the way
 *                                down; never a user manager's user@UID.service;
 *   root:                        <hierarchy>/sandboxrt, created (v2: memory, pids, cpu enabled
 *                                down to it);
 *   unprivileged:                sandboxrt-<uid> at the hierarchy's top (sbx_cgroup_delegate).
 * v2's "no internal processes" rule: when the chosen parent holds processes and is our cgroup
 * or an ancestor of it (a delegated unit starts that way), they all move into its leaf
 * "supervisor", and controllers are enabled for its children.
 * Never fails for lack of cgroups: mode NONE is a valid outcome, and describe() then gives the
 * reason and the fix. Fails (<0, *err) only when out of memory. Free with host_free. */
int sbx_cgroup_host_open(struct sbx_cgroup_host **out, struct sbx_error **err);
struct sbx_cgroup_host *sbx_cgroup_host_free(struct sbx_cgroup_host *h);
enum sbx_cgroup_mode sbx_cgroup_host_mode(const struct sbx_cgroup_host *h);
/* One line for doctor/--verbose, owned by h: "v1 (memory, pids, cpu, cpuacct, freezer) under
 * /sys/fs/cgroup/memory/sandboxrt (created as root) ...", or for NONE "none: <reason>: <fix>". */
const char *sbx_cgroup_host_describe(const struct sbx_cgroup_host *h);
/* Mode NONE on v2, unprivileged, but a systemd user manager runs for us: a process started by
 * `systemd-run --user --scope -p Delegate=yes` would find a delegated cgroup (the native
 * launcher restarts itself that way). */
bool sbx_cgroup_host_scope_possible(const struct sbx_cgroup_host *h);
/* Absolute path of the parent cgroup in the hierarchy holding controller ("memory", "pids",
 * "cpu", "cpuacct", "freezer"; any of them on v2); NULL when absent or mode NONE. */
const char *sbx_cgroup_host_parent(const struct sbx_cgroup_host *h, const char *controller);

/* The hierarchy this host offers job cgroups on (V2, V1, or NONE), from /proc/self/mountinfo;
 * nothing is opened or created. */
enum sbx_cgroup_mode sbx_cgroup_host_kind(void);

/* As root: create sandboxrt-<uid> at the top of the hierarchy and hand it to uid:gid so that
 * user's sbx_cgroup_host_open finds it. v1: in every controller's hierarchy, chowning the
 * directory, cgroup.procs and tasks. v2: with memory, pids, cpu enabled down to it (not in it),
 * chowning the directory and the files the kernel lists as delegatable
 * (/sys/kernel/cgroup/delegate). On v2 the kernel also requires the user's processes to run
 * inside that subtree (moving a process needs write access to the common ancestor's
 * cgroup.procs): root moves the user's session there once. Under systemd, doctor uses the
 * user's systemd instead (lingering). */
int sbx_cgroup_delegate(uid_t uid, gid_t gid, struct sbx_error **err);

/* The owner token (owner.h) the job cgroups created from h carry. Set before creating any. */
void sbx_cgroup_host_set_owner(struct sbx_cgroup_host *h, const char *token);

/* Remove the job cgroups (job-<token>-...) of the dead owners in dead, killing what still runs
 * in them; keeps (sbx_owners_keep) the record of an owner whose cgroup could not be removed.
 * Live owners' cgroups, and those of owners not in dead, are never touched. */
int sbx_cgroup_reap(struct sbx_cgroup_host *h, struct sbx_owners *dead, struct sbx_error **err);

struct sbx_cgroup;

struct sbx_cgroup_stats {
        uint64_t cpu_usec;
        uint64_t peak_memory_bytes;
        bool oom_killed; /* the kernel OOM-killed a process of the job */
        bool memory_oom; /* the job hit its memory limit and reclaim failed (an OOM event),
                          * killed or not: with a failed exit it still means MEMORY_LIMIT */
};

/* Create job-<owner token>-<getpid()>-<n> under the host's parent(s) with the limits applied:
 * memory with swap off, pids, cpu bandwidth (a zero limit means none). Fails <0 with *err (mode
 * NONE: -ENOTSUP; no owner token set: -EINVAL). */
int sbx_cgroup_create(struct sbx_cgroup_host *h, const struct sbx_limits *limits,
                      struct sbx_cgroup **out, struct sbx_error **err);
/* Apply (new) limits to a job cgroup, as create does. */
int sbx_cgroup_set_limits(struct sbx_cgroup *cg, const struct sbx_limits *limits,
                          struct sbx_error **err);
/* Move pid (the whole process) into the job cgroup in every hierarchy. */
int sbx_cgroup_attach(struct sbx_cgroup *cg, pid_t pid, struct sbx_error **err);
/* v2: an O_PATH|O_DIRECTORY fd usable with CLONE_INTO_CGROUP; -1 on v1. Owned by cg. */
int sbx_cgroup_fd(const struct sbx_cgroup *cg);
/* The job cgroup's directory name (job-<owner token>-<pid>-<n>). */
const char *sbx_cgroup_name(const struct sbx_cgroup *cg);
/* CPU time, peak memory and OOM events so far. 0 or -errno. */
int sbx_cgroup_stats(struct sbx_cgroup *cg, struct sbx_cgroup_stats *out);
/* Total CPU time so far (cheap: one pread on a kept fd), for the supervisor's CPU-limit checks. */
int sbx_cgroup_cpu_usec(struct sbx_cgroup *cg, uint64_t *out);
/* Kill every process in the cgroup (cgroup.kill, or freeze, SIGKILL all, thaw). Does not wait
 * for them to exit. 0 or -errno. */
int sbx_cgroup_kill(struct sbx_cgroup *cg);
/* Kill, wait until empty (at most ~2 s), remove in every hierarchy, free. What could not be
 * removed stays for sbx_cgroup_reap once its owner is gone. Accepts NULL, returns NULL. */
struct sbx_cgroup *sbx_cgroup_destroy(struct sbx_cgroup *cg);

/* ---- internals exported for unit tests on fixture text and fake trees (not for modules) --- */

struct sbx_cgroup_probe {
        const char *mountinfo;   /* text of /proc/self/mountinfo */
        const char *self_cgroup; /* text of /proc/self/cgroup (may be NULL) */
        uid_t euid;
        const char *env;           /* $SANDBOXRT_CGROUP, or NULL */
        const char *delegate_list; /* text of /sys/kernel/cgroup/delegate, or NULL */
        const char *user_manager;  /* our systemd user manager's socket, or NULL */
        bool systemd;              /* the host was booted by systemd (/run/systemd/system) */
};
int sbx_cgroup_host_open_probe(const struct sbx_cgroup_probe *p, struct sbx_cgroup_host **out,
                               struct sbx_error **err);
int sbx_cgroup_delegate_probe(const struct sbx_cgroup_probe *p, uid_t uid, gid_t gid,
                              struct sbx_error **err);
/* The value of the "key N" line of a flat keyed file (memory.events, cpu.stat, oom_control).
 * 0, -ENOENT when the key is absent, -EINVAL/-ERANGE when its value is not a u64. */
int sbx_cgroup_parse_keyed(const char *text, const char *key, uint64_t *out);
/* Write the limit files into job directories (v2: the same fd three times; cpu_fd may be -1).
 * where names the job in error messages. */
int sbx_cgroup_limits_at(enum sbx_cgroup_mode m, int memory_fd, int pids_fd, int cpu_fd,
                         const struct sbx_limits *l, const char *where, struct sbx_error **err);
/* Read stats from job directories (v2: the same fd twice). */
int sbx_cgroup_stats_at(enum sbx_cgroup_mode m, int memory_fd, int cpuacct_fd,
                        struct sbx_cgroup_stats *out);

#endif
