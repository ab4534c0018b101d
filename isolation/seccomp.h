/* The seccomp filter of spec/seccomp-defaults.md, compiled once with libseccomp, loaded per job
 * without libseccomp (the load is async-signal-safe: no allocation). */
#ifndef SBX_SECCOMP_H
#define SBX_SECCOMP_H

#include "sandboxrt.h"

struct sbx_seccomp;

int sbx_seccomp_compile(struct sbx_seccomp **out, struct sbx_error **err);
/* Install the filter in the calling thread (requires no_new_privs). Returns 0 or -errno.
 * Safe to call in a child after fork/clone. */
int sbx_seccomp_load(const struct sbx_seccomp *s);
struct sbx_seccomp *sbx_seccomp_free(struct sbx_seccomp *s);

#endif
