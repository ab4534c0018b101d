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
/* Copies and frees of a policy's writable list (NULL-terminated; NULL for none), for holders
 * of part of a policy. dup sets *oom when it returns NULL for want of memory; free returns
 * NULL. */
char **sbx_policy_writable_dup(char *const *v, bool *oom);
char **sbx_policy_writable_free(char **v);

/* Apply one "key=value" override (the keys of a policy's limits, plus "network"). */
int sbx_policy_override(struct sbx_policy *p, const char *key_value, struct sbx_error **err);

/* The policy as YAML text, loadable again. malloc'd. */
char *sbx_policy_to_yaml(const struct sbx_policy *p);

/* Units: "2s", "500ms", "1.5s", "1m" (minutes) -> ms; "256m", "1g", "64k", "1024" -> bytes. */
int sbx_parse_duration_ms(const char *s, uint64_t *out);
int sbx_parse_size_bytes(const char *s, uint64_t *out);
/* Decimal cores, at most 3 decimals: "1" -> 1000, "0.5" -> 500, "0.01" -> 10. */
int sbx_parse_cpus_millicores(const char *s, uint32_t *out);
/* All three parsers: 0, -EINVAL (not that kind of value, or finer than the base unit: "1.5ms"),
 * -ERANGE (overflow). Durations require a unit (ms, s, m, h); sizes are binary, any case
 * ("64k", "256M", "256MiB", "256mb", bare bytes "65536"). */

/* Print a value in the largest unit that divides it exactly ("2s", "1500ms", "512m", "0.25"),
 * which the parsers above read back to the same value. Returns buf. */
const char *sbx_format_duration_ms(uint64_t ms, char *buf, size_t size);
const char *sbx_format_size_bytes(uint64_t bytes, char *buf, size_t size);
const char *sbx_format_cpus(uint32_t millicores, char *buf, size_t size);

/* Policy files larger than this are refused before parsing. */
#define SBX_POLICY_MAX_BYTES (64u * 1024u)

/* All policies known by name: the built-in ones (embedded at build time from the policies folder),
 * then *.yaml in dir (if non-NULL and not ""), which replace built-ins of the same name. */
struct sbx_policy_set;
int sbx_policy_set_load(const char *dir, struct sbx_policy_set **out, struct sbx_error **err);
/* A file of dir that does not load fails the whole call (the message names the file and line).
 * Built-in policies have path == NULL. */
/* Lookup and iteration: NULL when unknown or past the end; the policies live as long as set. */
const struct sbx_policy *sbx_policy_set_find(const struct sbx_policy_set *set, const char *name);
const struct sbx_policy *sbx_policy_set_at(const struct sbx_policy_set *set, size_t i);
struct sbx_policy_set *sbx_policy_set_free(struct sbx_policy_set *set);

#endif
