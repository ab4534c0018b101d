#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/strutil.h"
#include "util.h"

#define BUF_DEFAULT_MAX ((size_t)256 << 20)

static int buf_reserve(struct sbx_eval_buf *b, size_t extra)
{
        size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 256;

        if (need <= b->cap)
                return 0;
        while (cap < need)
                cap *= 2;
        char *n = realloc(b->data, cap);
        if (!n) {
                b->oom = true;
                return -ENOMEM;
        }
        b->data = n;
        b->cap = cap;
        return 0;
}

int sbx_eval_buf_append(struct sbx_eval_buf *b, const char *s, size_t n)
{
        size_t max = b->max ? b->max : BUF_DEFAULT_MAX;

        if (b->oom)
                return -ENOMEM;
        if (b->len + n > max) {
                b->truncated = true;
                n = max - b->len;
        }
        if (buf_reserve(b, n) < 0)
                return -ENOMEM;
        if (n)
                memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
}

int sbx_eval_buf_puts(struct sbx_eval_buf *b, const char *s)
{
        return sbx_eval_buf_append(b, s ? s : "", s ? strlen(s) : 0);
}

int sbx_eval_buf_printf(struct sbx_eval_buf *b, const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->oom = true;
                return -ENOMEM;
        }
        int r = sbx_eval_buf_append(b, s, (size_t)n);
        free(s);
        return r;
}

char *sbx_eval_buf_take(struct sbx_eval_buf *b)
{
        char *s;

        if (b->oom) {
                sbx_eval_buf_free(b);
                return NULL;
        }
        if (!b->data && buf_reserve(b, 0) < 0)
                return NULL;
        if (b->len == 0)
                b->data[0] = '\0';
        s = b->data;
        b->data = NULL;
        b->len = b->cap = 0;
        b->truncated = false;
        return s;
}

void sbx_eval_buf_free(struct sbx_eval_buf *b)
{
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
        b->truncated = b->oom = false;
}

size_t sbx_eval_edit_distance(const char *a, const char *b)
{
        size_t la = strnlen(a, 64), lb = strnlen(b, 64);
        size_t row[65];

        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
                        if (row[j] + 1 < best)
                                best = row[j] + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        diag = up;
                }
        }
        return row[lb];
}

const char *sbx_eval_nearest(const char *key, const char *const *candidates, size_t n)
{
        const char *best = NULL;
        size_t best_d = SIZE_MAX, len = strlen(key);
        /* A third of the key's length (at least 2) separates typos from unrelated words. */
        size_t max_d = len / 3 > 2 ? len / 3 : 2;

        for (size_t i = 0; i < n; i++) {
                size_t d = sbx_eval_edit_distance(key, candidates[i]);
                if (d < best_d) {
                        best_d = d;
                        best = candidates[i];
                }
        }
        return best_d <= max_d ? best : NULL;
}

char *sbx_eval_utf8_clean(const char *s, size_t n, size_t max_bytes, bool *truncated)
{
        if (truncated)
                *truncated = n > max_bytes;
        return sbx_utf8_sanitize(s, n > max_bytes ? max_bytes : n);
}

uint64_t sbx_eval_hash64(const char *s, size_t n)
{
        return sbx_eval_hash64_more(0xcbf29ce484222325ull, s, n);
}

uint64_t sbx_eval_hash64_more(uint64_t h, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

struct sbx_eval_span sbx_eval_strip(const char *p, size_t n)
{
        while (n && isspace((unsigned char)*p))
                p++, n--;
        while (n && isspace((unsigned char)p[n - 1]))
                n--;
        return (struct sbx_eval_span){p, n};
}

bool sbx_eval_is_identifier(const char *s)
{
        if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && *s != '_')
                        return false;
        return true;
}

char *sbx_eval_strdup0(const char *s)
{
        return s ? strdup(s) : NULL;
}

bool sbx_eval_has_suffix(const char *s, const char *suffix)
{
        size_t ls = strlen(s), lf = strlen(suffix);

        return ls >= lf && !strcmp(s + ls - lf, suffix);
}
