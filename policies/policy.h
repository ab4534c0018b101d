/* Policy files: parse, validate, apply overrides, print. Library code: never prints. */
#ifndef SBX_POLICY_H
#define SBX_POLICY_H

#include "sandboxrt.h"

/* Parse a policy from YAML text. filename is used in messages only ("file:line: key: ...").
 * Unknown keys, missing keys and bad values are errors (-EINVAL). */
int sbx_policy_parse(const char *text, size_t size, const char *filename, struct sbx_policy **out,
                     struct sbx_error **err);
int sbx_policy_load_file(const char *path, struct sbx_policy **out, struct sbx_error **err);
struct sbx_policy *sbx_policy_free(struct sbx_policy *p);
struct sbx_policy *sbx_policy_dup(const struct sbx_policy *p);

/* Apply one "key=value" override (the keys of a policy's limits, plus "network"). */
int sbx_policy_override(struct sbx_policy *p, const char *key_value, struct sbx_error **err);

/* The policy as YAML text, loadable again. malloc'd. */
char *sbx_policy_to_yaml(const struct sbx_policy *p);

/* Units: "2s", "500ms", "1.5s", "1m" (minutes) -> ms; "256m", "1g", "64k", "1024" -> bytes. */
int sbx_parse_duration_ms(const char *s, uint64_t *out);
int sbx_parse_size_bytes(const char *s, uint64_t *out);

/* All policies known by name: the built-in ones (embedded at build time from policies/*.yaml),
 * then *.yaml in dir (if non-NULL), which replace built-ins of the same name. */
struct sbx_policy_set;
int sbx_policy_set_load(const char *dir, struct sbx_policy_set **out, struct sbx_error **err);
const struct sbx_policy *sbx_policy_set_find(const struct sbx_policy_set *set, const char *name);
const struct sbx_policy *sbx_policy_set_at(const struct sbx_policy_set *set, size_t i);
struct sbx_policy_set *sbx_policy_set_free(struct sbx_policy_set *set);

#endif
