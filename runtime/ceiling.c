/* Ceilings: what a client may ask of the runtime. One check, walking the policy key table
 * (policies/fields.c), decides for every limit of every job and sandbox, whoever built them. */
#include "ceiling.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/fields.h"
#include "util.h"

struct sbx_ceiling {
        struct sbx_policy *policy;
        bool allow_network;
};

/* A file when it looks like a path ("./tiny.yaml", "/etc/x.yaml", "tiny.yaml"), else a name:
 * policy names never hold a '/' or a '.'. */
bool sbx_ceiling_names_file(const char *s)
{
        return strchr(s, '/') || strchr(s, '.');
}

int sbx_ceiling_make(const char *file, const struct sbx_policy *named, bool allow_network,
                     struct sbx_ceiling **out, struct sbx_error **err)
{
        struct sbx_ceiling *c = calloc(1, sizeof(*c));
        int r = 0;

        if (!c)
                return sbx_error_set(err, ENOMEM, "out of memory");
        c->allow_network = allow_network;
        if (file)
                r = sbx_policy_load_file(file, &c->policy, err);
        else if (!(c->policy = sbx_policy_dup(named)))
                r = sbx_error_set(err, ENOMEM, "out of memory");
        if (r < 0) {
                sbx_ceiling_free(c);
                return sbx_error_prefix(err, "ceiling");
        }
        *out = c;
        return 0;
}

struct sbx_ceiling *sbx_ceiling_free(struct sbx_ceiling *c)
{
        if (c) {
                sbx_policy_free(c->policy);
                free(c);
        }
        return NULL;
}

const struct sbx_policy *sbx_ceiling_policy(const struct sbx_ceiling *c)
{
        return c->policy;
}

bool sbx_ceiling_allows_network(const struct sbx_ceiling *c)
{
        return c->allow_network;
}

struct sbx_ceiling *sbx_ceiling_dup(const struct sbx_ceiling *c, bool *oom)
{
        struct sbx_ceiling *d;

        *oom = false;
        if (!c)
                return NULL;
        d = calloc(1, sizeof(*d));
        if (d && (d->policy = sbx_policy_dup(c->policy))) {
                d->allow_network = c->allow_network;
                return d;
        }
        free(d);
        *oom = true;
        return NULL;
}

int sbx_ceiling_derive(const struct sbx_ceiling *c, const char *const *overrides,
                       struct sbx_ceiling **out, struct sbx_error **err)
{
        bool oom = false;
        struct sbx_ceiling *d = sbx_ceiling_dup(c, &oom);
        int r = d ? 0 : sbx_error_set(err, ENOMEM, "out of memory");

        for (size_t i = 0; r == 0 && overrides && overrides[i]; i++)
                r = sbx_policy_override(d->policy, overrides[i], err);
        if (r < 0) {
                sbx_ceiling_free(d);
                return r;
        }
        *out = d;
        return 0;
}

/* The override that set key last (the runtime applies them in order), or NULL. */
static const char *override_of(const char *const *limits, const char *key)
{
        const char *found = NULL;
        size_t n = strlen(key);

        for (size_t i = 0; limits && limits[i]; i++)
                if (!strncmp(limits[i], key, n) && limits[i][n] == '=')
                        found = limits[i];
        return found;
}

/* "limit memory=1024g" when the client asked for it (its own words), "memory=2g (from policy
 * 'compile')" when its policy did. */
static const char *asked(const char *const *limits, const struct sbx_policy *p, const char *key,
                         const char *value, char *buf, size_t size)
{
        const char *own = override_of(limits, key);

        if (own) /* as the client wrote it: "1024g", not "1t" */
                snprintf(buf, size, "limit %.80s", own);
        else
                snprintf(buf, size, "%s=%s (from policy '%s')", key, value,
                         p->name ? p->name : "?");
        return buf;
}

static int check_network(const struct sbx_ceiling *c, const struct sbx_policy *p,
                         const char *const *limits, struct sbx_error **err)
{
        char what[160];

        /* The enum is ordered from closed to open: none, loopback, host. */
        if (c->allow_network || p->network <= c->policy->network)
                return 0;
        return sbx_error_set(
            err, SBX_ECEILING,
            "%s is above the ceiling: network %s (policy '%s'), and network "
            "changes are not allowed",
            asked(limits, p, "network", sbx_network_to_string(p->network), what, sizeof(what)),
            sbx_network_to_string(c->policy->network), c->policy->name);
}

int sbx_ceiling_check(const struct sbx_ceiling *c, const struct sbx_policy *effective,
                      const char *const *limits, struct sbx_error **err)
{
        char value[32], cap[32], what[160];

        if (!c)
                return 0;
        for (size_t i = 0; i < sbx_n_limit_fields; i++) {
                const struct sbx_field *f = &sbx_limit_fields[i];
                if (sbx_field_get(f, effective) <= sbx_field_get(f, c->policy))
                        continue;
                return sbx_error_set(
                    err, SBX_ECEILING, "%s is above the ceiling: %s=%s (policy '%s')",
                    asked(limits, effective, f->key,
                          sbx_field_format(f, effective, value, sizeof(value)), what, sizeof(what)),
                    f->key, sbx_field_format(f, c->policy, cap, sizeof(cap)), c->policy->name);
        }
        return check_network(c, effective, limits, err);
}
