/* The single-string pickle decoder and LiveCodeBench's base64(zlib(...)) around it. Opcode
 * values are those of CPython's pickle protocol (Lib/pickletools.py documents them). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base64.h"
#include "evaluator/pickle.h"
#include "evaluator/strutil.h"
#include "util.h"

enum {
        OP_PROTO = 0x80,            /* + 1 byte: protocol 2..5 */
        OP_FRAME = 0x95,            /* + 8 bytes: frame length (a hint, protocol 4+) */
        OP_SHORT_BINUNICODE = 0x8c, /* + 1 byte length + UTF-8 */
        OP_BINUNICODE = 'X',        /* + 4 bytes length + UTF-8 */
        OP_BINUNICODE8 = 0x8d,      /* + 8 bytes length + UTF-8 */
        OP_MEMOIZE = 0x94,          /* store the top of the stack in the memo: no effect here */
        OP_BINPUT = 'q',            /* + 1 byte memo index */
        OP_LONG_BINPUT = 'r',       /* + 4 bytes memo index */
        OP_STOP = '.',
};

struct reader {
        const unsigned char *p, *end;
};

static bool take(struct reader *r, size_t n, const unsigned char **at)
{
        if ((size_t)(r->end - r->p) < n)
                return false;
        *at = r->p;
        r->p += n;
        return true;
}

static bool take_le(struct reader *r, size_t n, uint64_t *v)
{
        const unsigned char *at;

        if (!take(r, n, &at))
                return false;
        *v = 0;
        for (size_t i = n; i > 0; i--)
                *v = *v << 8 | at[i - 1];
        return true;
}

/* The string's bytes for a unicode opcode (its length field first). */
static int string_op(struct reader *r, unsigned char op, const unsigned char **s, size_t *len,
                     const char **why)
{
        size_t width = op == OP_SHORT_BINUNICODE ? 1 : op == OP_BINUNICODE ? 4 : 8;
        uint64_t n;

        if (!take_le(r, width, &n) || n > SBX_EVAL_PICKLE_MAX_BYTES || !take(r, (size_t)n, s)) {
                *why = "the string's length runs past the end of the pickle";
                return -EINVAL;
        }
        *len = (size_t)n;
        return 0;
}

int sbx_eval_pickle_string(const unsigned char *p, size_t n, char **out, size_t *size,
                           const char **why)
{
        struct reader r = {p, p + n};
        const unsigned char *s = NULL, *skip;
        size_t len = 0;
        uint64_t ignored;

        *why = NULL;
        for (bool first = true;; first = false) {
                if (r.p == r.end) {
                        *why = "the pickle ends without a STOP";
                        return -EINVAL;
                }
                unsigned char op = *r.p++;
                bool ok = true;
                switch (op) {
                case OP_PROTO:
                        ok = first && take(&r, 1, &skip) && *skip >= 2 && *skip <= 5;
                        break;
                case OP_FRAME:
                        ok = take_le(&r, 8, &ignored);
                        break;
                case OP_SHORT_BINUNICODE:
                case OP_BINUNICODE:
                case OP_BINUNICODE8:
                        if (s) {
                                *why = "the pickle holds more than one string";
                                return -EINVAL;
                        }
                        if (string_op(&r, op, &s, &len, why) < 0)
                                return -EINVAL;
                        break;
                case OP_MEMOIZE:
                        ok = s != NULL;
                        break;
                case OP_BINPUT:
                        ok = s && take(&r, 1, &skip);
                        break;
                case OP_LONG_BINPUT:
                        ok = s && take(&r, 4, &skip);
                        break;
                case OP_STOP:
                        if (!s) {
                                *why = "the pickle holds no string";
                                return -EINVAL;
                        }
                        if (r.p != r.end) {
                                *why = "data after the pickle's STOP";
                                return -EINVAL;
                        }
                        if (!(*out = malloc(len + 1)))
                                return -ENOMEM;
                        memcpy(*out, s, len);
                        (*out)[len] = '\0';
                        *size = len;
                        return 0;
                default:
                        ok = false;
                        break;
                }
                if (!ok) {
                        *why = "an opcode that does more than build one string (a general "
                               "unpickler could run code here)";
                        return -EINVAL;
                }
        }
}

/* zlib (RFC 1950) inflated into a capped buffer. */
static int inflate_all(const unsigned char *in, size_t n, struct sbx_eval_buf *b, const char **why)
{
        z_stream z = {.next_in = (unsigned char *)in, .avail_in = (uInt)n};
        unsigned char chunk[65536];
        int zr;

        if (n > UINT32_MAX || inflateInit(&z) != Z_OK) {
                *why = "cannot start zlib";
                return -EINVAL;
        }
        do {
                z.next_out = chunk;
                z.avail_out = sizeof(chunk);
                zr = inflate(&z, Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END)
                        break;
                sbx_eval_buf_append(b, (const char *)chunk, sizeof(chunk) - z.avail_out);
        } while (zr != Z_STREAM_END && !b->truncated && !b->oom);
        inflateEnd(&z);
        if (b->oom)
                return -ENOMEM;
        if (b->truncated) {
                *why = "larger than 512 MiB once inflated";
                return -EFBIG;
        }
        if (zr != Z_STREAM_END) {
                *why = "not a complete zlib stream";
                return -EINVAL;
        }
        return 0;
}

int sbx_eval_lcb_private_tests(const char *text, size_t n, char **out, size_t *size,
                               const char **why)
{
        _cleanup_free_ char *raw = NULL, *clean = NULL;
        struct sbx_eval_buf inflated = {.max = SBX_EVAL_PICKLE_MAX_BYTES};
        size_t raw_n = 0, m = 0;
        int r;

        /* base64 as released: one line, but tolerate wrapped text */
        clean = malloc(n + 1);
        if (!clean)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!strchr(" \t\r\n", text[i]))
                        clean[m++] = text[i];
        r = sbx_base64_decode(clean, m, &raw, &raw_n);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                *why = "not base64";
                return -EINVAL;
        }
        r = inflate_all((const unsigned char *)raw, raw_n, &inflated, why);
        if (r == 0)
                r = sbx_eval_pickle_string((const unsigned char *)inflated.data, inflated.len, out,
                                           size, why);
        sbx_eval_buf_free(&inflated);
        return r;
}
