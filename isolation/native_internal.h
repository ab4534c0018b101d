/* Private to isolation/native*.c: what the runtime's side (native.c, the backend ops) and the
 * launcher (native_launcher.c) share, and the launcher's pool of network namespaces
 * (native_netns.c). Other modules use native.h. */
#ifndef SBX_NATIVE_INTERNAL_H
#define SBX_NATIVE_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervisor.h"

/* The launcher protocol's version (launch requests, the ready message, the wire formats, the
 * layout of a work dir: sbx_writable_layout): bump it with any change to them, so that a
 * launcher binary from another build is refused. */
#define SBX_LAUNCHER_BUILD 11u

/* The launcher's first message: whether it could prepare cgroups and seccomp. */
struct launcher_ready {
        uint32_t build; /* SBX_LAUNCHER_BUILD: a launcher binary from another build is refused */
        int32_t error;  /* errno, 0 when ready */
        char message[512];
        char cgroups[512]; /* sbx_cgroup_host_describe() */
        struct sbx_native_limits limits;
};

/* The answer to SBX_LAUNCH_BOX_CREATE (with the work dir's top directory attached) and to
 * SBX_LAUNCH_BOX_REMOVE. */
struct box_reply {
        int32_t error; /* errno, 0 when created */
        uint32_t pad;
        uint64_t id;
        char message[256];
};

/* The state dir holds owners/ and boxes/ (the work dirs' mount point, storage.h); as root, the
 * slot locks live apart (runtime/slots.h). Fills env's state_dir and slot_dir. */
int sbx_native_state_dir_open(struct sbx_native_env *env, struct sbx_error **err);

/* Our own binary when it is the launcher binary (the light `sandboxrt`, whose main runs
 * `sandboxrt __launcher`), so that a launcher forked from it can restart in a systemd scope;
 * NULL otherwise. */
const char *sbx_native_own_launcher_binary(char self[PATH_MAX]);
/* Whether this process is the light binary (sbx_native_launcher_is_self was called). */
bool sbx_native_runs_launcher_binary(void);

/* The launcher: control socket ctrl (moved to fd 3), exits when parent does or closes it.
 * self_exe: see sbx_native_own_launcher_binary (NULL: never restart in a scope). */
_Noreturn void sbx_native_launcher_run(struct sbx_native_env *env, int ctrl, pid_t parent,
                                       const char *self_exe);

/* ---- native_netns.c ---- */

#define NETNS_POOL 256

/* Empty network namespaces the launcher (as root) lends to supervisors, one each. */
struct netns_pool {
        int home_fd; /* the launcher's own namespace; -1: no pool (unprivileged) */
        int free[NETNS_POOL];
        size_t n_free;
        struct {
                pid_t supervisor;
                int fd;
        } lent[NETNS_POOL];
        size_t n_lent;
};

/* An empty pool; only root gets namespaces from it (home_fd), others make their own. */
void sbx_netns_pool_init(struct netns_pool *pool, bool privileged);
/* A namespace for the next supervisor (from the pool, else new), or -1: none (the supervisor
 * makes its own). */
int sbx_netns_lend(struct netns_pool *pool);
/* fd went to supervisor (pid > 0), or back to the pool (the fork failed: pid < 0). */
void sbx_netns_lent(struct netns_pool *pool, pid_t supervisor, int fd);
/* supervisor was reaped: its namespace is free again. */
void sbx_netns_returned(struct netns_pool *pool, pid_t supervisor);

#endif
