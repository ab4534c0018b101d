/* Standard base64 (RFC 4648): the server's JSON bodies and the evaluator's LiveCodeBench tests
 * carry bytes in it. */
#include "base64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
        const char *p = c ? strchr(b64_alphabet, c) : NULL;

        return p ? (int)(p - b64_alphabet) : -1;
}

int sbx_base64_decode(const char *s, size_t n, char **out, size_t *out_size)
{
        char *buf, *o;

        if (n % 4)
                return -EINVAL;
        buf = o = malloc(n / 4 * 3 + 1);
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < n; i += 4) {
                int v[4];
                size_t pad = 0;
                for (size_t k = 0; k < 4; k++) {
                        bool last = i + 4 == n;
                        if (last && s[i + k] == '=' && k >= 2 && (k == 3 || s[i + 3] == '=')) {
                                v[k] = 0;
                                pad++;
                        } else if ((v[k] = b64_value(s[i + k])) < 0) {
                                free(buf);
                                return -EINVAL;
                        }
                }
                /* Bits the padding leaves unused must be zero: one text per byte string. */
                if ((pad == 1 && (v[2] & 3)) || (pad == 2 && (v[1] & 15))) {
                        free(buf);
                        return -EINVAL;
                }
                uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                             (uint32_t)v[3];
                *o++ = (char)(w >> 16);
                if (pad < 2)
                        *o++ = (char)(w >> 8);
                if (pad < 1)
                        *o++ = (char)w;
        }
        *o = '\0';
        *out = buf;
        *out_size = (size_t)(o - buf);
        return 0;
}

char *sbx_base64_encode(const void *data, size_t n)
{
        const unsigned char *p = data;
        char *out, *o;

        if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
                return NULL;
        out = o = malloc((n + 2) / 3 * 4 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                uint32_t w = (uint32_t)p[i] << 16;
                if (i + 1 < n)
                        w |= (uint32_t)p[i + 1] << 8;
                if (i + 2 < n)
                        w |= p[i + 2];
                *o++ = b64_alphabet[w >> 18 & 63];
                *o++ = b64_alphabet[w >> 12 & 63];
                *o++ = i + 1 < n ? b64_alphabet[w >> 6 & 63] : '=';
                *o++ = i + 2 < n ? b64_alphabet[w & 63] : '=';
        }
        *o = '\0';
        return out;
}
