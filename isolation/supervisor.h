/* The per-job supervisor: a single-threaded process forked by the launcher. It reads one job
 * spec, clones the jail, enforces wall/CPU/output limits from outside, and writes one result. */
#ifndef SBX_SUPERVISOR_H
#define SBX_SUPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "owner.h"
#include "sandboxrt.h"
#include "seccomp.h"

/* What the runtime asks of the launcher on its control socket (a SOCK_SEQPACKET message with
 * its fds attached): run a job, or create or remove a work dir (storage.h). A job's request is
 * forwarded to the supervisor that takes it, with the job's own copy of its work dir. */
enum sbx_launch_kind {
        SBX_LAUNCH_JOB = 1,    /* fds: the job's socket[, its work dir's top directory] */
        SBX_LAUNCH_BOX_CREATE, /* fds: a socket for the answer, see native_internal.h: struct
                                  box_reply */
        SBX_LAUNCH_BOX_REMOVE, /* fds: a socket for the answer */
        SBX_LAUNCH_WARM,       /* start the zygote (zygote.h) if it is not running; no answer */
};

/* The kind of jail a job can use (native_launcher.c: READY_MAX): one its supervisor prepared
 * ahead, or, for a job in a work dir or with network, one the supervisor clones for it then
 * (a warm one if the supervisor has the zygote). */
enum sbx_launch_jail {
        SBX_LAUNCH_JAIL_COLD, /* cloned by the supervisor (its program is exec'd) */
        SBX_LAUNCH_JAIL_WARM, /* forked by the zygote (it may run warm: zygote.h) */
};

/* A job in a work dir or with network gets a jail cloned for it: the one its supervisor prepared
 * ahead has neither. The runtime tells the launcher (cloned), the supervisor acts on it. */
static inline bool sbx_launch_clones_jail(bool in_box, enum sbx_network net)
{
        return in_box || net != SBX_NETWORK_NONE;
}

struct sbx_launch_request {
        uint32_t magic;
        uint32_t kind;
        uint32_t box_uid; /* JOB in a work dir, BOX_CREATE: the work dir's uid (and gid) */
        uint32_t in_box;  /* JOB: 1 when it runs in a work dir (gone if the fd is missing) */
        uint32_t jail;    /* JOB: enum sbx_launch_jail */
        uint32_t cloned;  /* JOB: 1 when it gets a jail cloned for it, not the prepared one */
        uint64_t box_id;  /* BOX_REMOVE: which one */
        uint64_t bytes;   /* BOX_CREATE: its size; WARM: jobs per zygote (SBX_ZYGOTE_JOBS_ENV) */
};
#define SBX_LAUNCH_MAGIC 0x53425852u /* "SBXR" */

/* How the jail limits jobs on this host: decided once, by the launcher (doctor asks too). */
struct sbx_native_limits {
        uint32_t enforced;  /* bits 1u << SBX_LIMIT_x, for a job's whole process tree */
        bool rlimit_memory; /* no memory cgroup: RLIMIT_AS per process */
        bool rlimit_nproc;  /* no pids cgroup: RLIMIT_NPROC, counted per jail */
        char why[768];      /* when not all are enforced: what holds instead, and the fix */
};

struct sbx_storage;

/* What the launcher prepared once and every supervisor shares (copied by fork). */
struct sbx_native_env {
        struct sbx_cgroup_host *cgroups;
        struct sbx_seccomp *seccomp;
        struct sbx_native_limits limits;
        struct sbx_storage *storage; /* the launcher's work dirs (storage.h); NULL elsewhere */
        bool privileged;             /* root: private uids per slot (runtime/slots.h) */
        struct sbx_owner *owner;     /* the launcher's record; supervisors share its lock */
        char *state_dir;             /* holds owners/ and boxes/ (storage.h) */
        char *slot_dir;              /* the slot locks (root only) */
        int netns_fd;                /* an empty network namespace lent to this supervisor, or -1 */
        int zygote_fd;               /* requests to the warm Python zygote (zygote.h), or -1 */
        pid_t zygote_pid;            /* the launcher's child */
        unsigned cpus;               /* online CPUs: the most CPU time a job's tree spends per ms */
};

/* A supervisor, forked by the launcher (and back in the mount namespace the launcher came
 * from): prepares a slot and a cgroup, and if asked a jail for a one-shot job without network,
 * then receives its job on ctl_fd (the job's socket, and for a job in a work dir a copy of it
 * and its uid, see native.c), runs it and writes the result to the job's socket. Never
 * returns. */
_Noreturn void sbx_supervise(const struct sbx_native_env *env, int ctl_fd, bool prepare_jail);

#endif
