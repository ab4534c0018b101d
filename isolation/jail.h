/* The jail's inside: what the cloned child (pid 1 of the new pid namespace) does before it
 * runs the payload. Runs in a single-threaded child of a supervisor; never returns. */
#ifndef SBX_JAIL_H
#define SBX_JAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "seccomp.h"
#include "wire.h"

#define SBX_JAIL_UID      1000 /* the payload's uid and gid inside the user namespace */
#define SBX_JAIL_WORKDIR  "/sandbox"
#define SBX_JAIL_HOSTNAME "sandbox"

struct sbx_jail_config {
        const struct sbx_seccomp *seccomp;
        int stdin_fd, stdout_fd, stderr_fd; /* the payload's ends */
        /* read end: "m" (maps written), "a" (in its cgroup), the spec, "g" (EOF: abort) */
        int go_fd;
        int status_fd;      /* write end: struct sbx_jail_record messages */
        int workdir_fd;     /* a work dir (storage.h), or -1 */
        int devices_fd;     /* private device nodes (storage.h), or -1 */
        bool rlimit_memory; /* no memory cgroup: RLIMIT_AS per process */
        bool rlimit_nproc;  /* no pids cgroup: RLIMIT_NPROC (per jail) */
        /* Called in the payload with its job once the init has placed its files, while the
         * payload still has every capability in the jail's user namespace (the zygote:
         * zygote_serve.c); or NULL. */
        void (*job_arrived)(const struct sbx_spec *spec);
};

enum sbx_jail_record_kind {
        SBX_JAIL_SETUP_FAILED = 1, /* the sandbox could not be built: SANDBOX_ERROR */
        SBX_JAIL_EXEC_FAILED,      /* the program could not be executed (not found, ...) */
        SBX_JAIL_EXITED,           /* the payload ended: status is its wait status */
};

/* Fixed-size record written atomically to the status pipe (docs/style.md rule 8). */
struct sbx_jail_record {
        uint32_t kind;
        int32_t error; /* errno */
        int32_t status;
        uint64_t cpu_usec;
        uint64_t maxrss_bytes;
        uint32_t alone; /* SBX_JAIL_EXITED: nothing else of the job runs; the init exits next */
        char message[200];
};

/* A jail's /dev: the device nodes null, zero, full, random, urandom; symbolic links {name,
 * target} to its fds (fd, stdin, stdout, stderr); and the directory shm. */
extern const char *const sbx_jail_devices[];
extern const size_t sbx_n_jail_devices;
extern const char *const sbx_jail_dev_links[][2];
extern const size_t sbx_n_jail_dev_links;

/* Clone a jail's init with flags (namespaces), its user namespace owned by uid/gid as root
 * (privileged; see jail.c), like fork: returns 0 in the child, its pid, or -1 with errno. The
 * caller must be single-threaded. With cgroup_fd >= 0 (a v2 job cgroup: sbx_cgroup_fd) it is
 * born in that cgroup (CLONE_INTO_CGROUP) and *refused is 0; if the kernel refuses that, it is
 * cloned where we are, to be moved (sbx_cgroup_attach), and *refused is the kernel's errno. */
pid_t sbx_jail_clone(unsigned long flags, uid_t uid, gid_t gid, bool privileged, int cgroup_fd,
                     int *refused);

/* The cloned child: builds the jail, becomes its init, and forks the payload as soon as the jail
 * is in its cgroup, before the job is known. Returns in the payload only, which must then call
 * sbx_jail_payload. Failures go to the status pipe, then _exit. */
void sbx_jail_enter(const struct sbx_jail_config *c);
/* In the payload: waits for the job, then drops every capability and confines itself (setsid,
 * rlimits, cwd, no_new_privs, seccomp). Returns the job's spec just before its program; the
 * caller then runs it. */
const struct sbx_spec *sbx_jail_payload(const struct sbx_jail_config *c);

/* The payload's program (the spec's argv and env), or an SBX_JAIL_EXEC_FAILED record. */
_Noreturn void sbx_jail_exec(const struct sbx_spec *spec);

/* sbx_jail_enter, then sbx_jail_exec: what a cold jail does. */
_Noreturn void sbx_jail_child(const struct sbx_jail_config *c);

#endif
