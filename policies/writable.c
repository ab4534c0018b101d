/* A policy's writable list: which directories it may make writable. Each one becomes a
 * directory of the sandbox's capped storage bound at that path (native) or a capped volume
 * (Docker), so the list must never hide what the sandbox needs to see (the host's toolchains,
 * /proc, /dev) nor reach the places the jail builds itself with (/.empty, /.devices,
 * /.sandboxrt). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/fields.h"
#include "policies/policy.h"
#include "util.h"

/* Every sandbox's own (sandboxrt.h); a policy's list adds to them. */
const char *const sbx_writable_dirs[] = {"/sandbox", "/tmp", "/home/sandbox", NULL};
_Static_assert(sizeof(sbx_writable_dirs) / sizeof(*sbx_writable_dirs) == 3 + 1,
               "SBX_WRITABLE_DIRS_MAX counts the built-in writable directories");

/* What the jail shows of the host read-only, and the kernel's own file systems: a writable
 * directory there would hide the toolchains or the devices. (Their parents: only "/".) */
static const char *const system_dirs[] = {"/usr",    "/bin", "/sbin", "/lib", "/lib32", "/lib64",
                                          "/libx32", "/etc", "/proc", "/sys", "/dev"};

/* path is dir or below it. */
static bool under(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        return !strncmp(path, dir, n) && (!path[n] || path[n] == '/');
}

/* The directory every sandbox may write that holds path (or is path), or NULL. */
static const char *builtin_holding(const char *path)
{
        for (size_t i = 0; sbx_writable_dirs[i]; i++)
                if (under(path, sbx_writable_dirs[i]))
                        return sbx_writable_dirs[i];
        return under(path, "/dev/shm") ? "/dev/shm" : NULL;
}

/* The shape of a path: absolute, normalized, plain names. NULL when fine, else why not. */
static const char *shape_refusal(const char *path)
{
        size_t len = strlen(path);

        if (path[0] != '/')
                return "is not an absolute path (use /opt/data)";
        if (len > SBX_WRITABLE_PATH_MAX)
                return "is too long (at most 128 characters)";
        if (len == 1)
                return "is the whole file system: name a directory (/opt/data)";
        if (path[1] == '.')
                return "starts with '/.', where the sandbox keeps its own mount points";
        for (const char *c = path; *c; c++) {
                if (*c == '/' && (c[1] == '/' || c[1] == '\0'))
                        return "is not normalized (no '//', no trailing '/': /opt/data)";
                if (*c == '/' && c[1] == '.' &&
                    (c[2] == '/' || !c[2] || (c[2] == '.' && (c[3] == '/' || !c[3]))))
                        return "must not contain '.' or '..'";
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+@-",
                            *c))
                        return "has a character other than letters, digits and / . _ - + @";
        }
        return NULL;
}

int sbx_policy_writable_check(const char *path, char *why, size_t size)
{
        const char *shape = shape_refusal(path);

        if (shape) {
                snprintf(why, size, "%s", shape);
                return -EINVAL;
        }
        const char *own = builtin_holding(path);
        /* The same directory as one every sandbox has: nothing to add, nothing to refuse. */
        if (own && !strcmp(own, path))
                return 0;
        if (own) {
                snprintf(why, size, "is inside %s, which every sandbox may write already", own);
                return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++)
                if (under(path, system_dirs[i])) {
                        snprintf(why, size,
                                 "is under %s, which the sandbox needs as it is (the host's "
                                 "toolchains, /proc, /sys and /dev): pick a path elsewhere, "
                                 "such as /opt or /var",
                                 system_dirs[i]);
                        return -EINVAL;
                }
        return 0;
}

int sbx_policy_writable_add(struct sbx_policy *p, const char *path, struct sbx_error **err)
{
        char why[256];
        size_t n = 0;

        if (sbx_policy_writable_check(path, why, sizeof(why)) < 0)
                return sbx_error_set(err, EINVAL, "\"%.140s\" %s", path, why);
        for (; p->writable && p->writable[n]; n++) {
                const char *o = p->writable[n];
                if (!strcmp(o, path))
                        return 0;
                if (under(path, o) || under(o, path))
                        return sbx_error_set(err, EINVAL,
                                             "\"%s\" and \"%s\" are nested: list only the outer "
                                             "one, which holds the other",
                                             o, path);
        }
        if (n == SBX_WRITABLE_MAX)
                return sbx_error_set(err, EINVAL, "more than %d paths", SBX_WRITABLE_MAX);
        char **v = realloc(p->writable, (n + 2) * sizeof(*v));
        if (!v)
                return sbx_error_set(err, ENOMEM, "out of memory");
        p->writable = v;
        if (!(v[n] = strdup(path)))
                return sbx_error_set(err, ENOMEM, "out of memory");
        v[n + 1] = NULL;
        return 0;
}

char **sbx_policy_writable_dup(char *const *v, bool *oom)
{
        size_t n = 0;
        char **d;

        *oom = false;
        if (!v)
                return NULL;
        while (v[n])
                n++;
        d = calloc(n + 1, sizeof(*d));
        for (size_t i = 0; d && i < n; i++)
                if (!(d[i] = strdup(v[i]))) {
                        sbx_policy_writable_free(d);
                        d = NULL;
                }
        *oom = !d;
        return d;
}

char **sbx_policy_writable_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
        return NULL;
}
