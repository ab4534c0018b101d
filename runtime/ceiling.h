/* Ceilings inside the runtime: copies for sandboxes, and the one check every job and sandbox
 * of a client passes (internal to runtime/). */
#ifndef SBX_CEILING_H
#define SBX_CEILING_H

#include "sandboxrt.h"

/* sbx_ceiling_new (runtime.c) resolves the name: does it name a policy file (else one of the
 * runtime's policies)? */
bool sbx_ceiling_names_file(const char *policy);
/* A ceiling of the policy in file, else of a copy of named. */
int sbx_ceiling_make(const char *file, const struct sbx_policy *named, bool allow_network,
                     struct sbx_ceiling **out, struct sbx_error **err);

/* A copy with a policy of its own (for a sandbox that outlives its creator's ceiling). NULL
 * for NULL, and when out of memory (then *oom is set). */
struct sbx_ceiling *sbx_ceiling_dup(const struct sbx_ceiling *c, bool *oom);

/* Is effective (base with the overrides in limits applied) within c? 0, or -SBX_ECEILING with
 * a message naming the key, the value asked (and the policy it came from when no override
 * set it) and the ceiling. */
int sbx_ceiling_check(const struct sbx_ceiling *c, const struct sbx_policy *effective,
                      const char *const *limits, struct sbx_error **err);

#endif
