/* The seccomp filter of docs/spec/seccomp-defaults.md, compiled once with libseccomp, loaded per
 * job without libseccomp (the load is async-signal-safe: no allocation). */
#ifndef SBX_SECCOMP_H
#define SBX_SECCOMP_H

#include <stddef.h>

#include "policies/seccomp_rules.h"
#include "sandboxrt.h"

struct sbx_seccomp;

/* Build the default filter (allow by default, the spec's deny list, KILL_PROCESS for foreign
 * arches and x32) into a BPF program owned by *out. Syscalls unknown to this architecture or
 * libseccomp are skipped. Returns 0, or <0 with *err filled. Not async-signal-safe; the result is
 * read-only afterwards and may be shared by threads and inherited by forked children. */
int sbx_seccomp_compile(struct sbx_seccomp **out, struct sbx_error **err);
/* The same for another list of rules (tests compile the Docker profile's rules read back). */
int sbx_seccomp_compile_rules(const struct sbx_seccomp_rule *rules, size_t n,
                              struct sbx_seccomp **out, struct sbx_error **err);
/* Install the filter in the calling thread (requires no_new_privs). Returns 0 or -errno.
 * Safe to call in a child after fork/clone: no allocation, no libseccomp, errno untouched. */
int sbx_seccomp_load(const struct sbx_seccomp *s);
/* Number of BPF instructions of the compiled program (0 for NULL). */
size_t sbx_seccomp_insn_count(const struct sbx_seccomp *s);
/* Free a compiled filter; accepts NULL, returns NULL. */
struct sbx_seccomp *sbx_seccomp_free(struct sbx_seccomp *s);

#endif
