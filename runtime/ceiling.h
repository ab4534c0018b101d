/* Ceilings inside the runtime: copies for sandboxes, and the one check every job and sandbox
 * of a client passes (internal to runtime/). */
#ifndef SBX_CEILING_H
#define SBX_CEILING_H

#include "sandboxrt.h"

/* A copy with a policy of its own (for a sandbox that outlives its creator's ceiling). NULL
 * for NULL, and when out of memory (then *oom is set). */
struct sbx_ceiling *sbx_ceiling_dup(const struct sbx_ceiling *c, bool *oom);

/* Is effective (base with the overrides in limits applied) within c? 0, or -SBX_ECEILING with
 * a message naming the key, the value asked (and the policy it came from when no override
 * set it) and the ceiling. */
int sbx_ceiling_check(const struct sbx_ceiling *c, const struct sbx_policy *effective,
                      const char *const *limits, struct sbx_error **err);

#endif
