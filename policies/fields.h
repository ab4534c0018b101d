/* The table of policy keys, shared by the parser, the overrides and the printer (internal to
 * policies/). */
#ifndef SBX_POLICY_FIELDS_H
#define SBX_POLICY_FIELDS_H

#include <stdbool.h>

#include "policies/policy.h"

enum sbx_field_kind {
        SBX_FIELD_NAME,     /* char *, [a-z0-9_-]{1,64} */
        SBX_FIELD_TEXT,     /* char *, one printable line */
        SBX_FIELD_NETWORK,  /* enum sbx_network */
        SBX_FIELD_DURATION, /* uint64_t ms */
        SBX_FIELD_SIZE,     /* uint64_t bytes */
        SBX_FIELD_CPUS,     /* uint32_t millicores */
        SBX_FIELD_COUNT,    /* uint32_t */
        SBX_FIELD_LIMITS,   /* a nested mapping: the fields in sub */
        SBX_FIELD_WARM,     /* enum sbx_warm: true or false */
};

struct sbx_field {
        const char *key;
        enum sbx_field_kind kind;
        size_t offset; /* of the member in struct sbx_policy */
        size_t width;  /* of a numeric member: 4 or 8 */
        uint64_t min, max;
        bool override; /* settable with sbx_policy_override */
        const struct sbx_field *sub;
        size_t n_sub;
        bool optional; /* a policy may leave it out (the parser's caller set its default) */
};

extern const struct sbx_field sbx_policy_fields[];
extern const size_t sbx_n_policy_fields;
extern const struct sbx_field sbx_limit_fields[];
extern const size_t sbx_n_limit_fields;

/* The field whose key is key[0..len), or NULL. */
const struct sbx_field *sbx_field_find(const struct sbx_field *fields, size_t n, const char *key,
                                       size_t len);
/* "a, b, c" into buf (truncated to size). Returns buf. */
char *sbx_field_keys(const struct sbx_field *fields, size_t n, char *buf, size_t size);
/* Parse value as f's kind, check its bounds and store it in p. The error message says what was
 * wrong and what is accepted, without naming the key (the caller knows where it came from). */
int sbx_field_set(const struct sbx_field *f, struct sbx_policy *p, const char *value,
                  struct sbx_error **err);
/* A numeric field's value, and the same printed in the unit the parser reads back. */
uint64_t sbx_field_get(const struct sbx_field *f, const struct sbx_policy *p);
const char *sbx_field_format(const struct sbx_field *f, const struct sbx_policy *p, char *buf,
                             size_t size);
bool sbx_policy_name_is_valid(const char *s);

/* sbx_policy_parse, and the policy's name must match name_path's file name without .yaml. */
int sbx_policy_parse_named(const char *text, size_t size, const char *filename,
                           const char *name_path, struct sbx_policy **out, struct sbx_error **err);

/* The .yaml files of policies/, embedded at build time (generated policies_builtin.c). */
struct sbx_builtin_policy {
        const char *file; /* "default.yaml" */
        const char *text;
        size_t size;
};
extern const struct sbx_builtin_policy sbx_builtin_policies[];
extern const size_t sbx_n_builtin_policies;

#endif
