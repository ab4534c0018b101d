/* All known policies: the built-in ones, then a directory's, by name. */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "policies/fields.h"
#include "util.h"

/* A directory holding more policies than this is a mistake, not a configuration. */
#define MAX_POLICIES 256

struct sbx_policy_set {
        struct sbx_policy *items[MAX_POLICIES];
        size_t n;
};

/* Takes p (freed on failure); replaces a policy of the same name. */
static int set_add(struct sbx_policy_set *set, struct sbx_policy *p, struct sbx_error **err)
{
        for (size_t i = 0; i < set->n; i++)
                if (!strcmp(set->items[i]->name, p->name)) {
                        sbx_policy_free(set->items[i]);
                        set->items[i] = p;
                        return 0;
                }
        if (set->n == MAX_POLICIES) {
                int r =
                    sbx_error_set(err, EINVAL, "%s: more than %d policies", p->path, MAX_POLICIES);
                sbx_policy_free(p);
                return r;
        }
        set->items[set->n++] = p;
        return 0;
}

static int load_builtins(struct sbx_policy_set *set, struct sbx_error **err)
{
        for (size_t i = 0; i < sbx_n_builtin_policies; i++) {
                const struct sbx_builtin_policy *b = &sbx_builtin_policies[i];
                _cleanup_free_ char *where = sbx_strdup_printf("<built-in>/%s", b->file);
                struct sbx_policy *p = NULL;

                if (!where)
                        return sbx_error_set(err, ENOMEM, "out of memory");
                int r = sbx_policy_parse_named(b->text, b->size, where, b->file, &p, err);
                if (r < 0)
                        return r;
                r = set_add(set, p, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int is_policy_file(const struct dirent *d)
{
        size_t len = strlen(d->d_name);

        return d->d_name[0] != '.' && len > 5 && !strcmp(d->d_name + len - 5, ".yaml");
}

/* Every *.yaml of dir in name order; one bad file fails the whole load, so a typo in a policy
 * is reported instead of silently falling back to the built-in of the same name. */
static int load_dir(struct sbx_policy_set *set, const char *dir, struct sbx_error **err)
{
        struct dirent **names = NULL;
        int n = scandir(dir, &names, is_policy_file, alphasort), r = 0;

        if (n < 0)
                return sbx_error_set(err, errno, "policy directory %s: %s", dir, strerror(errno));
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                struct sbx_policy *p = NULL;

                if (r >= 0) {
                        path = sbx_strdup_printf("%s/%s", dir, names[i]->d_name);
                        r = path ? sbx_policy_load_file(path, &p, err)
                                 : sbx_error_set(err, ENOMEM, "out of memory");
                }
                if (r >= 0)
                        r = set_add(set, p, err);
                free(names[i]);
        }
        free(names);
        return r;
}

int sbx_policy_set_load(const char *dir, struct sbx_policy_set **out, struct sbx_error **err)
{
        struct sbx_policy_set *set = calloc(1, sizeof(*set));
        int r;

        if (!set)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = load_builtins(set, err);
        if (r >= 0 && dir && *dir) /* "" as from an empty $SANDBOXRT_POLICY_DIR: none */
                r = load_dir(set, dir, err);
        if (r < 0) {
                sbx_policy_set_free(set);
                return r;
        }
        *out = set;
        return 0;
}

const struct sbx_policy *sbx_policy_set_find(const struct sbx_policy_set *set, const char *name)
{
        for (size_t i = 0; set && name && i < set->n; i++)
                if (!strcmp(set->items[i]->name, name))
                        return set->items[i];
        return NULL;
}

const struct sbx_policy *sbx_policy_set_at(const struct sbx_policy_set *set, size_t i)
{
        return set && i < set->n ? set->items[i] : NULL;
}

struct sbx_policy_set *sbx_policy_set_free(struct sbx_policy_set *set)
{
        if (set) {
                for (size_t i = 0; i < set->n; i++)
                        sbx_policy_free(set->items[i]);
                free(set);
        }
        return NULL;
}
