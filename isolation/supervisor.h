/* The per-job supervisor: a single-threaded process forked by the launcher. It reads one job
 * spec, clones the jail, enforces wall/CPU/output limits from outside, and writes one result. */
#ifndef SBX_SUPERVISOR_H
#define SBX_SUPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "owner.h"
#include "seccomp.h"

/* What travels with a job's socket (and a stateful sandbox's work dir fd) from the runtime to
 * the launcher, and from the launcher to the supervisor that takes the job. */
struct sbx_launch_request {
        uint32_t magic;
        uint32_t box_uid; /* a stateful sandbox's uid, or UINT32_MAX */
};
#define SBX_LAUNCH_MAGIC 0x53425852u /* "SBXR" */

/* How the jail limits jobs on this host: decided once, by the launcher (doctor asks too). */
struct sbx_native_limits {
        uint32_t enforced;  /* bits 1u << SBX_LIMIT_x, for a job's whole process tree */
        bool rlimit_memory; /* no memory cgroup: RLIMIT_AS per process */
        bool rlimit_nproc;  /* no pids cgroup: RLIMIT_NPROC, counted per jail */
        char why[768];      /* when not all are enforced: what holds instead, and the fix */
};

/* What the launcher prepared once and every supervisor shares (copied by fork). */
struct sbx_native_env {
        struct sbx_cgroup_host *cgroups;
        struct sbx_seccomp *seccomp;
        struct sbx_native_limits limits;
        bool privileged;         /* root: private uids per slot (runtime/slots.h) */
        struct sbx_owner *owner; /* the launcher's record; supervisors share its lock */
        char *state_dir;         /* holds owners/ and boxes/ */
        char *slot_dir;          /* the slot locks (root only) */
        int netns_fd;            /* an empty network namespace lent to this supervisor, or -1 */
};

/* A supervisor, forked by the launcher: prepares a jail for a one-shot job without network,
 * then receives its job on ctl_fd (the job's socket, and for a stateful sandbox its work dir and
 * uid, see native.c), runs it and writes the result to the job's socket. Never returns. */
_Noreturn void sbx_supervise(const struct sbx_native_env *env, int ctl_fd);

#endif
