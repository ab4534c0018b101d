/* Where a job's file goes in a container: one of its writable directories (each a volume) and a
 * clean path below it. Used by archive uploads (container.c) and the agent's jobs (agent.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "docker/container.h"
#include "docker/paths.h"

int sbx_docker_split_path(char *const *dirs, const char *path, const char **root, char **rel)
{
        const char *p = path;
        char *out, *o;

        *rel = NULL;
        if (!path || !*path)
                return -EINVAL;
        *root = SBX_DOCKER_WORKDIR;
        for (size_t i = 0; *p == '/' && dirs[i]; i++) {
                size_t n = strlen(dirs[i]);
                if (!strncmp(p, dirs[i], n) && p[n] == '/') {
                        *root = dirs[i];
                        p += n + 1;
                }
        }
        if (*p == '/')
                return -EINVAL;
        out = o = malloc(strlen(p) + 1);
        if (!out)
                return -ENOMEM;
        while (*p) {
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 2 && !strncmp(p, "..", 2))) {
                        free(out);
                        return -EINVAL;
                }
                if (!(n == 1 && *p == '.')) {
                        if (o != out)
                                *o++ = '/';
                        memcpy(o, p, n);
                        o += n;
                }
                p += n;
                if (*p == '/')
                        p++;
        }
        *o = '\0';
        if (!*out) {
                free(out);
                return -EINVAL;
        }
        *rel = out;
        return 0;
}
