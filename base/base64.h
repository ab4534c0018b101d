#ifndef SBX_BASE64_H
#define SBX_BASE64_H

#include <stddef.h>

/* Standard base64 (RFC 4648, padding required, no whitespace). decode: 0 or -EINVAL/-ENOMEM;
 * *out is malloc'd and NUL-terminated. encode: malloc'd or NULL. */
int sbx_base64_decode(const char *s, size_t n, char **out, size_t *out_size);
char *sbx_base64_encode(const void *data, size_t n);

#endif
