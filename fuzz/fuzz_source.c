/* Fuzz target: the source scanner behind the language table (runtime/source.c), through every
 * entry's sbx_language_program: whatever the bytes, the names it derives are NUL-terminated
 * within their buffers and every argv ends in NULL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandboxrt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct sbx_program p;

        for (size_t i = 0; sbx_language_at(i); i++) {
                sbx_language_program(sbx_language_at(i), (const char *)data, size, &p);
                if (!memchr(p.source_name, '\0', sizeof(p.source_name)) ||
                    !memchr(p.main, '\0', sizeof(p.main)) || !p.run || !p.run[0])
                        abort();
                for (size_t k = 0; p.compile && p.compile[k]; k++)
                        if (k >= SBX_PROGRAM_MAX_ARGS)
                                abort();
        }
        return 0;
}
