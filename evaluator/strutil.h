/* Evaluator string helpers: a capped growable buffer, edit distance, UTF-8 cleanup, hashing. */
#ifndef SBX_EVAL_STRUTIL_H
#define SBX_EVAL_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable string. Appends past max (0 = 256 MiB) are dropped and set truncated; an
 * allocation failure sets oom. data is always NUL-terminated once anything was appended. */
struct sbx_eval_buf {
        char *data;
        size_t len, cap, max;
        bool truncated, oom;
};

int sbx_eval_buf_append(struct sbx_eval_buf *b, const char *s, size_t n);
int sbx_eval_buf_puts(struct sbx_eval_buf *b, const char *s);
int sbx_eval_buf_printf(struct sbx_eval_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand the string over (never NULL unless oom: an empty buffer gives ""). The buffer is reset. */
char *sbx_eval_buf_take(struct sbx_eval_buf *b);
void sbx_eval_buf_free(struct sbx_eval_buf *b);

/* Levenshtein distance, for "did you mean" hints on short keys (inputs capped at 64 bytes). */
size_t sbx_eval_edit_distance(const char *a, const char *b);
/* The candidate nearest to key, or NULL when none is close enough to be a plausible typo. */
const char *sbx_eval_nearest(const char *key, const char *const *candidates, size_t n);

/* A copy of s[0..n) that is valid UTF-8 (bad bytes become U+FFFD, NULs become U+FFFD), cut at
 * max_bytes of input (truncated says so). NULL on allocation failure. */
char *sbx_eval_utf8_clean(const char *s, size_t n, size_t max_bytes, bool *truncated);

/* FNV-1a, 64 bits: identifies a program's text across runs (resume), not a security hash. */
uint64_t sbx_eval_hash64(const char *s, size_t n);
/* The hash of what h hashed followed by s[0..n). */
uint64_t sbx_eval_hash64_more(uint64_t h, const char *s, size_t n);

/* A view of n bytes at p. */
struct sbx_eval_span {
        const char *p;
        size_t n;
};

/* p[0..n) without its leading and trailing white space. */
struct sbx_eval_span sbx_eval_strip(const char *p, size_t n);

/* Is s (NULL: no) a Python (and C) identifier in ASCII: a letter or '_', then letters, digits
 * and '_'? */
bool sbx_eval_is_identifier(const char *s);

/* strdup that accepts NULL. */
char *sbx_eval_strdup0(const char *s);
bool sbx_eval_has_suffix(const char *s, const char *suffix);

#endif
