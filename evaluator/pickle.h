/* LiveCodeBench's released private tests: base64(zlib(pickle(str))), the str a JSON list of
 * test cases. Decoded without a general unpickler: a pickle is a program for a stack machine
 * that can import and call anything, so only the opcodes that build one string are accepted
 * and anything else is refused. */
#ifndef SBX_EVAL_PICKLE_H
#define SBX_EVAL_PICKLE_H

#include <stddef.h>

/* Caps: a release's largest private test list is tens of MiB once inflated. */
#define SBX_EVAL_PICKLE_MAX_BYTES ((size_t)512 << 20)

/* The one string a pickle holds (protocols 2 to 5: PROTO, FRAME, SHORT_BINUNICODE, BINUNICODE,
 * BINUNICODE8, then memo writes and STOP). 0 and a malloc'd NUL-terminated copy in *out (its
 * length in *size), or -EINVAL with a static reason in *why. */
int sbx_eval_pickle_string(const unsigned char *p, size_t n, char **out, size_t *size,
                           const char **why);

/* base64 text -> zlib inflate -> pickle string, as above; *why says which step refused. */
int sbx_eval_lcb_private_tests(const char *text, size_t n, char **out, size_t *size,
                               const char **why);

#endif
