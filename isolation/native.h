/* The native jail backend (see native.c for the process model). */
#ifndef SBX_NATIVE_H
#define SBX_NATIVE_H

#include "backend.h"

extern const struct sbx_backend_ops sbx_native_ops;

struct sbx_cgroup_host;
struct sbx_native_limits;

/* What the jail enforces with cgroups h (mode NONE included) as root or not (see
 * supervisor.h); doctor reports it. Never fails. */
void sbx_native_limits(const struct sbx_cgroup_host *h, bool privileged,
                       struct sbx_native_limits *out);

/* How an open native backend uses cgroups (for doctor and --verbose), e.g. "v1 (memory, ...)". */
const char *sbx_native_describe_cgroups(const struct sbx_backend *be);

/* `sandboxrt __launcher PARENT_PID [scoped]`: the launcher in a process of its own (see
 * native.c: find_launcher), control socket on fd 3. scoped: started by another launcher in a
 * systemd scope (native_launcher.c: relaunch_in_scope), told that we run through fd 4. Returns only
 * on failure. */
int sbx_native_launcher_main(const char *parent, bool scoped);
/* The light `sandboxrt` binary's main calls this: the process is the launcher binary itself,
 * so it forks its launcher in the build tree and restarts it from itself in a systemd scope. */
void sbx_native_launcher_is_self(void);

#endif
