/* Warm Python: a zygote, an interpreter that has started and never runs a job's code, forks
 * jails whose payloads run the job's program in its already initialised memory. See
 * docs/warm.md for the design and its security argument; in short, the zygote only replaces
 * the supervisor's clone(2) of a jail's init: the child runs the same jail code (jail.c) and
 * the supervisor writes its id maps, has it born in (or moves it into) its cgroup and watches it
 * as for any jail.
 *
 *   launcher --fork+exec--> python3 -c BOOTSTRAP LIB (zygote: ctypes loads LIB, sbx_zygote_serve)
 *   supervisor --request + the jail's fds--> zygote --clone--> jail init --fork--> payload,
 *        back into the interpreter before its job (it makes itself ready), then for the job:
 *        exec (a cold job), or its program in the interpreter (a warm one)
 */
#ifndef SBX_ZYGOTE_H
#define SBX_ZYGOTE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "sandboxrt.h"

/* Whether argv is `python3 FILE.py ARGS`, the command line a zygote runs warm: python3 by name
 * or at python (the zygote's path; NULL: at any path), no interpreter option, FILE ending in
 * .py. The zygote checks the rest in the jail (zygote_serve.c: warm_fits). */
static inline bool sbx_zygote_command(const char *const *argv, const char *python)
{
        const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
        size_t n = argv[0] && argv[1] ? strlen(argv[1]) : 0;

        if (n < 3 || argv[1][0] == '-' || strcmp(argv[1] + n - 3, ".py"))
                return false;
        if (!strcmp(argv[0], "python3"))
                return true;
        return python ? !strcmp(argv[0], python) : base && !strcmp(base + 1, "python3");
}

/* The fds a request carries, in this order; the absent ones are left out (fd_mask). */
enum sbx_zygote_fd {
        SBX_ZFD_REPLY, /* where the answer goes: struct sbx_zygote_reply and the init's pidfd */
        SBX_ZFD_STDIN,
        SBX_ZFD_STDOUT,
        SBX_ZFD_STDERR,
        SBX_ZFD_STATUS,
        SBX_ZFD_GO,
        SBX_ZFD_WORKDIR,
        SBX_ZFD_DEVICES,
        SBX_ZFD_NETNS,  /* the lent empty network namespace the jail joins, or absent */
        SBX_ZFD_CGROUP, /* the v2 job cgroup the jail is born in (sbx_jail_clone), or absent */
        _SBX_ZFD_MAX,
};

struct sbx_zygote_request {
        uint32_t magic;
        uint32_t fd_mask; /* 1u << SBX_ZFD_x for each fd attached */
        uint64_t flags;   /* clone flags: the namespaces */
        uint32_t uid, gid;
        uint8_t privileged, rlimit_memory, rlimit_nproc, pad;
};
#define SBX_ZYGOTE_MAGIC 0x53425a59u /* "SBZY" */

struct sbx_zygote_reply {
        int32_t error;   /* errno, 0 with the pidfd attached */
        int32_t pid;     /* the jail's init, in the zygote's (and the supervisor's) pid namespace */
        int32_t refused; /* sbx_jail_clone's: 0, or why it is not in SBX_ZFD_CGROUP's cgroup */
};

/* A zygote forks the jails of at most this many jobs (SANDBOXRT_WARM_JOBS overrides it), then a
 * fresh one, started in the background halfway through, takes over: each generation has its own
 * hash seed and address-space layout. A generation costs ~50 ms of CPU to start (docs/warm.md). */
#define SBX_ZYGOTE_JOBS_ENV     "SANDBOXRT_WARM_JOBS"
#define SBX_ZYGOTE_JOBS_DEFAULT 64u
#define SBX_ZYGOTE_JOBS_MAX     1000000u

/* Launcher: start the zygote (its pid in *pid; python3 from the base environment's PATH, in the
 * mount namespace supervisors run in: see sbx_storage_leave). Returns the socket to send requests
 * on (close-on-exec; every supervisor shares it), or -errno: no python3, no zygote library (the
 * jobs then run cold). The zygote dies with the launcher and when every holder of the socket closed
 * it. */
struct sbx_storage;
int sbx_zygote_start(struct sbx_storage *storage, bool privileged, pid_t *pid);

/* Supervisor: ask the zygote for a jail's init (what sbx_jail_clone would create) with the
 * fds of req's fd_mask in fds[]. Returns its pid, *pidfd and *refused (see sbx_jail_clone), or
 * -errno (then clone it cold). */
pid_t sbx_zygote_clone(int zygote_fd, struct sbx_zygote_request *req, const int fds[_SBX_ZFD_MAX],
                       int *pidfd, int *refused);

/* In the zygote's library (zygote_serve.c), called by the bootstrap through ctypes: serve
 * requests on sock until EOF (then _exit). Returns only in a jail's payload, before its job. */
void sbx_zygote_serve(int sock, const char *python);
/* Then, in the payload: wait for the job and confine the payload. Returns (for a warm job only:
 * any other is exec'd) with its argv and the environment variables to set ("argc\0argv...\0
 * env...\0", *len bytes). */
const char *sbx_zygote_job(size_t *len);

#endif
