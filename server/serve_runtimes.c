/* Which of the server's runtimes serves an image. Apart from serve.c, which owns the registry,
 * so that the registry, which asks this, does not call back into the server. */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "server/serve.h"

int sbx_server_runtime_for(struct sbx_server *srv, const char *image, struct sbx_runtime **out,
                           struct sbx_error **err)
{
        const struct sbx_serve_config *cfg = srv->cfg;
        bool native = !image;

        if (!strcmp(cfg->backend, "native") || !strcmp(cfg->backend, "docker")) {
                native = !strcmp(cfg->backend, "native");
        } else {
                /* auto: the first rule that matches; an image no rule names needs Docker. */
                for (size_t i = 0; image && i < cfg->n_rules; i++)
                        if (fnmatch(cfg->rules[i].pattern, image, 0) == 0) {
                                native = cfg->rules[i].native;
                                break;
                        }
        }
        *out = native ? srv->rt_native : srv->rt_docker;
        if (*out)
                return 0;
        if (native)
                return sbx_error_set(err, ENOTSUP,
                                     "image '%s' runs on the native jail, which is not available "
                                     "on this server: %s",
                                     image ? image : "(none)",
                                     srv->native_error ? srv->native_error : "not configured");
        return sbx_error_set(err, ENOTSUP,
                             "image '%s' needs the docker backend, which is not available on this "
                             "server: %s",
                             image ? image : "(none)",
                             srv->docker_error ? srv->docker_error : "not configured");
}
