/* Fuzz target: LiveCodeBench's released private tests (pickle.h): the single-string pickle
 * decoder on raw bytes, and the base64(zlib(...)) wrapper on the same input as text. Either
 * decodes to a string inside the input's bounds or refuses with a reason; it never does more. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/pickle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *why = NULL;
        char *out = NULL;
        size_t n = 0;
        int r = sbx_eval_pickle_string(data, size, &out, &n, &why);

        if (r == 0 && (n > size || out[n] != '\0'))
                abort();
        if (r < 0 && r != -ENOMEM && !why)
                abort();
        free(out);
        out = NULL;
        why = NULL;
        r = sbx_eval_lcb_private_tests((const char *)data, size, &out, &n, &why);
        if (r == 0 && (!out || out[n] != '\0'))
                abort();
        if (r < 0 && r != -ENOMEM && !why)
                abort();
        free(out);
        return 0;
}
