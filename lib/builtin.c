/* libsandboxrt's entry: sbx_runtime_new (sandboxrt.h) registers the backends this library is
 * built with, then opens a runtime. The light `sandboxrt` binary has its own entry with the
 * native jail alone (cli/entry_light.c). */
#include "lib/builtin.h"

#include <pthread.h>

#include "backend.h"
#include "docker/docker.h"
#include "isolation/native.h"
#include "remote/remote.h"
#include "sandboxrt.h"

static void register_builtin(void)
{
        /* Cannot fail: distinct names, and fewer than the table holds. */
        (void)sbx_backend_register(&sbx_native_ops);
        (void)sbx_backend_register(&sbx_docker_ops);
        (void)sbx_backend_register(&sbx_remote_ops);
}

void sbx_backends_builtin(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        pthread_once(&once, register_builtin);
}

int sbx_runtime_new(const struct sbx_runtime_options *opts, struct sbx_runtime **out,
                    struct sbx_error **err)
{
        sbx_backends_builtin();
        return sbx_runtime_open(opts, out, err);
}
