/* Where a sandbox may write, and the one normalization every file path a caller hands the
 * runtime goes through (job files, the file functions of stateful sandboxes). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandboxrt.h"

static bool listed(const char *const *dirs, size_t n, const char *dir)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(dirs[i], dir))
                        return true;
        return false;
}

size_t sbx_writable_dirs_of(const struct sbx_policy *p, const char *dirs[SBX_WRITABLE_DIRS_MAX + 1])
{
        size_t n = 0;

        for (size_t i = 0; sbx_writable_dirs[i]; i++)
                dirs[n++] = sbx_writable_dirs[i];
        /* The loader keeps a policy's list short and out of the other dirs; /dev/shm is a
         * writable place of every sandbox already, though no file function's. */
        for (size_t i = 0; p && p->writable && p->writable[i] && n < SBX_WRITABLE_DIRS_MAX; i++)
                if (strcmp(p->writable[i], "/dev/shm") && !listed(dirs, n, p->writable[i]))
                        dirs[n++] = p->writable[i];
        dirs[n] = NULL;
        return n;
}

const char *sbx_writable_dirs_list(const struct sbx_policy *p, char *buf, size_t size)
{
        const char *dirs[SBX_WRITABLE_DIRS_MAX + 1];
        size_t used = 0;

        sbx_writable_dirs_of(p, dirs);
        buf[0] = '\0';
        for (size_t i = 0; dirs[i] && used < size; i++) {
                int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", dirs[i]);
                used += w > 0 ? (size_t)w : 0;
        }
        return buf;
}

/* Whether path is in one of dirs (itself or below it). */
static bool in_dirs(const char *const *dirs, const char *path)
{
        for (size_t i = 0; dirs[i]; i++) {
                size_t n = strlen(dirs[i]);
                if (!strncmp(path, dirs[i], n) && (!path[n] || path[n] == '/'))
                        return true;
        }
        return false;
}

/* path's components appended to out ('/' before each), "." and empty ones dropped. */
static int append_components(char *out, const char *path, const char **why)
{
        char *o = out + strlen(out);

        for (const char *p = path; *p;) {
                size_t n = strcspn(p, "/");
                if (n == 2 && !strncmp(p, "..", 2)) {
                        *why = "must not contain '..'";
                        return -EINVAL;
                }
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        *o++ = '/';
                        memcpy(o, p, n);
                        o += n;
                }
                p += n;
                while (*p == '/')
                        p++;
        }
        *o = '\0';
        return 0;
}

int sbx_sandbox_path(const struct sbx_policy *p, const char *path, char **out, const char **why)
{
        const char *dirs[SBX_WRITABLE_DIRS_MAX + 1];
        char *abs;

        if (!path || !*path) {
                *why = "is empty";
                return -EINVAL;
        }
        size_t base = path[0] == '/' ? 0 : strlen(sbx_writable_dirs[0]);

        if (!(abs = malloc(base + strlen(path) + 2)))
                return -ENOMEM;
        memcpy(abs, sbx_writable_dirs[0], base); /* relative: to the working directory */
        abs[base] = '\0';
        if (append_components(abs, path, why) < 0) {
                free(abs);
                return -EINVAL;
        }
        sbx_writable_dirs_of(p, dirs);
        if (!in_dirs(dirs, abs)) {
                *why = "is not in a writable directory of the sandbox";
                free(abs);
                return -EROFS;
        }
        *out = abs;
        return 0;
}
