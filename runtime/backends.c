/* The backend registry: a backend is one folder and one line here ("auto" tries them in
 * this order). */
#include <string.h>

#include "backend.h"
#include "isolation/native.h"
#ifndef SBX_NATIVE_ONLY
#include "remote/remote.h"
#include "docker/docker.h"
#endif

const struct sbx_backend_ops *const sbx_backends[] = {
    &sbx_native_ops,
#ifndef SBX_NATIVE_ONLY /* the light binary: see api/CMakeLists.txt */
    &sbx_docker_ops,
    &sbx_remote_ops, /* never picked by "auto": only with a URL */
#endif
    NULL,
};

const struct sbx_backend_ops *sbx_backend_find(const char *name)
{
        for (size_t i = 0; sbx_backends[i]; i++)
                if (!strcmp(sbx_backends[i]->name, name))
                        return sbx_backends[i];
        return NULL;
}
