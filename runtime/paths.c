/* Where a sandbox may write, and the one normalization every file path a caller hands the
 * runtime goes through (job files, the file functions of stateful sandboxes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandboxrt.h"

const char *const sbx_writable_dirs[] = {"/sandbox", "/tmp", "/home/sandbox", NULL};

const char *sbx_writable_dirs_list(char *buf, size_t size)
{
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; sbx_writable_dirs[i] && used < size; i++) {
                int w =
                    snprintf(buf + used, size - used, "%s%s", i ? ", " : "", sbx_writable_dirs[i]);
                used += w > 0 ? (size_t)w : 0;
        }
        return buf;
}

/* The writable directory path is in (itself or below it), or NULL. */
static const char *writable_dir_of(const char *path)
{
        for (size_t i = 0; sbx_writable_dirs[i]; i++) {
                size_t n = strlen(sbx_writable_dirs[i]);
                if (!strncmp(path, sbx_writable_dirs[i], n) && (!path[n] || path[n] == '/'))
                        return sbx_writable_dirs[i];
        }
        return NULL;
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

int sbx_sandbox_path(const char *path, char **out, const char **why)
{
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
        if (!writable_dir_of(abs)) {
                *why = "is not in a writable directory of the sandbox";
                free(abs);
                return -EROFS;
        }
        *out = abs;
        return 0;
}
