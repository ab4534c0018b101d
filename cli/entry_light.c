/* sbx_runtime_new of the light `sandboxrt` binary (lib/builtin.c is sandboxrt-full's and
 * libsandboxrt's). A file of its own: cmd_run.c calls it, and main_light.c calls cmd_run.c. */
#include "backend.h"
#include "isolation/native.h"
#include "sandboxrt.h"

/* This binary's composition root: the native jail is its only backend. */
int sbx_runtime_new(const struct sbx_runtime_options *opts, struct sbx_runtime **out,
                    struct sbx_error **err)
{
        int r = sbx_backend_register(&sbx_native_ops);

        return r < 0 ? sbx_error_set(err, -r, "cannot register the native backend")
                     : sbx_runtime_open(opts, out, err);
}
