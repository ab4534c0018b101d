/* The schema of a policy: one row per key, from which the parser, the overrides, the printer and
 * every other form of a policy are derived (the launcher wire, the v1 API's JSON, the remote
 * backend's JSON, Docker's HostConfig, the jail's rlimits, server/openapi.json). Adding a limit is
 * a row in policies/fields.c plus its enforcement. docs/limits.md describes the columns. */
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
        SBX_FIELD_PATHS,    /* char **, a list of directories (sbx_policy_writable_add) */
        SBX_FIELD_WARM,     /* enum sbx_warm: true or false */
};

/* A resource limit of the payload: the jail's setrlimit, and Docker's HostConfig.Ulimits, which
 * uses the same short names. */
struct sbx_field_rlimit {
        const char *name;  /* "nofile" (Docker's and prlimit(1)'s name); NULL: no rlimit */
        int resource;      /* RLIMIT_NOFILE */
        const char *label; /* "RLIMIT_NOFILE", for messages */
};

struct sbx_field {
        const char *key; /* in policy files, --limit, clients' "limits" and the remote's */
        enum sbx_field_kind kind;
        size_t offset; /* of the member in struct sbx_policy */
        size_t width;  /* of a numeric member (network too): 4 or 8 */
        uint64_t min, max;
        bool override; /* settable with sbx_policy_override (--limit, a client's "limits") */
        const struct sbx_field *sub;
        size_t n_sub;
        bool optional;    /* a policy may leave it out: it then has the value dflt */
        uint64_t dflt;    /* of an optional numeric key */
        const char *json; /* member of the policy in the v1 API's JSON (GET /v1/policies) */
        bool wire;        /* sent to the launcher (isolation/wire.c), in table order */
        const char *doc;  /* what it bounds, for server/openapi.json */
        /* Enforcement: at least one per limit (tests/unit/test_limits.c checks). */
        const char *docker; /* HostConfig member set from it ("Memory") */
        /* The cgroup v2 file that bounds it for the job's whole process tree ("memory.max"; for
         * cpu, cpu.stat, from which the supervisor kills the tree): the native jail writes it, or
         * its v1 equivalent (isolation/cgroup.c), and reports the limit as held tree-wide only
         * with a cgroup. */
        const char *cgroup;
        struct sbx_field_rlimit rlimit; /* set as the payload's rlimit (native and Docker) */
        bool supervised;                /* watched from outside by the supervisor / waiter */
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
/* Store v in a numeric field, unchecked (the caller decoded it from a trusted form). */
void sbx_field_put(const struct sbx_field *f, struct sbx_policy *p, uint64_t v);
/* A string field's value (name, description; network by its name), or NULL for a number. */
/* Whether p says anything for f: false only for a switch left to the runtime (warm unset), which
 * is then neither written nor sent. */
bool sbx_field_is_set(const struct sbx_field *f, const struct sbx_policy *p);
/* A SBX_FIELD_PATHS member (NULL-terminated, or NULL); NULL for any other kind. */
char *const *sbx_field_paths(const struct sbx_field *f, const struct sbx_policy *p);
const char *sbx_field_string(const struct sbx_field *f, const struct sbx_policy *p);
/* What values of f's kind look like ("use 256m, 1g, 65536"), as error messages say. */
const char *sbx_field_hint(const struct sbx_field *f);
/* The unit of a numeric field's value as stored ("ms", "bytes", "millicores"; "" for counts). */
const char *sbx_field_unit(const struct sbx_field *f);
/* The value of f's rlimit for the value v: durations in whole seconds, rounded up, plus one (the
 * rlimit backs up a check made from outside, which must fire first). */
uint64_t sbx_field_rlimit_value(const struct sbx_field *f, uint64_t v);
bool sbx_policy_name_is_valid(const char *s);

/* path as an entry of a policy's writable list: 0 when it may be one (an absolute, normalized
 * path of plain names, not "/", not under the jail's system directories /usr, /bin, /sbin, /lib*,
 * /etc, /proc, /sys, /dev nor inside a directory every sandbox may write, though it may be one
 * of those, /dev/shm included), else -EINVAL and why (a sentence without the path) in buf. */
int sbx_policy_writable_check(const char *path, char *why, size_t size);
/* Append path to p->writable, checked as above, and not nested in (or holding) one already
 * there: one directory of the storage each; a repeat is dropped. -EINVAL (also for more than
 * SBX_WRITABLE_MAX), -ENOMEM, with a message naming the path but not the key. */
int sbx_policy_writable_add(struct sbx_policy *p, const char *path, struct sbx_error **err);

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
