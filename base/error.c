#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandboxrt.h"
#include "util.h"

int sbx_error_set(struct sbx_error **err, int code, const char *fmt, ...)
{
        if (code <= 0)
                code = EIO;
        if (err && !*err) {
                struct sbx_error *e = calloc(1, sizeof(*e));
                va_list ap;

                if (e) {
                        e->code = code;
                        va_start(ap, fmt);
                        e->message = sbx_strdup_vprintf(fmt, ap);
                        va_end(ap);
                        *err = e;
                }
        }
        return -code;
}

int sbx_error_prefix(struct sbx_error **err, const char *fmt, ...)
{
        char *prefix = NULL, *joined = NULL;
        va_list ap;

        if (!err || !*err)
                return -EIO;
        va_start(ap, fmt);
        prefix = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (prefix && asprintf(&joined, "%s: %s", prefix,
                               (*err)->message ? (*err)->message : strerror((*err)->code)) >= 0) {
                free((*err)->message);
                (*err)->message = joined;
        }
        free(prefix);
        return -(*err)->code;
}

struct sbx_error *sbx_error_free(struct sbx_error *err)
{
        if (err) {
                free(err->message);
                free(err);
        }
        return NULL;
}
