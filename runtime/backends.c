/* The backend registry. The runtime names no backend: whoever composes sandboxrt (the CLI's
 * mains, libsandboxrt's entry in lib/builtin.c) registers the backends it links, in the order
 * "auto" tries them, before it opens a runtime. A table filled at run time rather than a linker
 * section: static archives drop objects nothing references, so a backend must be named by the
 * program that wants it. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "backend.h"

#define MAX_BACKENDS 8

static const struct sbx_backend_ops *backends[MAX_BACKENDS];
static size_t n_backends;
static pthread_mutex_t backends_lock = PTHREAD_MUTEX_INITIALIZER;

int sbx_backend_register(const struct sbx_backend_ops *ops)
{
        int r = 0;

        pthread_mutex_lock(&backends_lock);
        for (size_t i = 0; i < n_backends && r == 0; i++)
                if (!strcmp(backends[i]->name, ops->name))
                        r = backends[i] == ops ? 1 : -EEXIST;
        if (r == 0 && n_backends == MAX_BACKENDS)
                r = -ENOSPC;
        if (r == 0)
                backends[n_backends++] = ops;
        pthread_mutex_unlock(&backends_lock);
        return r < 0 ? r : 0;
}

const struct sbx_backend_ops *sbx_backend_at(size_t i)
{
        const struct sbx_backend_ops *ops;

        pthread_mutex_lock(&backends_lock);
        ops = i < n_backends ? backends[i] : NULL;
        pthread_mutex_unlock(&backends_lock);
        return ops;
}

const struct sbx_backend_ops *sbx_backend_find(const char *name)
{
        const struct sbx_backend_ops *ops;

        for (size_t i = 0; (ops = sbx_backend_at(i)); i++)
                if (!strcmp(ops->name, name))
                        return ops;
        return NULL;
}
