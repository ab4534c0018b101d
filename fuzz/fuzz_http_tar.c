/* Tar uploads (POST /sandbox/{id}/archive): the check every archive passes before anything is
 * written. */
#include <stdint.h>
#include <stdlib.h>

#include "server/http_parse.h"
#include "server/serve_archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sbx_error *err = NULL;

        if (size > (4u << 20))
                return 0;
        (void)sbx_archive_check(data, size, 1u << 20, &err);
        sbx_error_free(err);
        return 0;
}
