/* Fuzz target: tenants files (sbx_tenants_parse), and key lookups in what parses. */
#include <stdint.h>
#include <stdlib.h>

#include "server/serve_tenants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sbx_tenants *set = NULL;
        struct sbx_error *err = NULL;

        if (sbx_tenants_parse((const char *)data, size, "fuzz.yaml", &set, &err) == 0) {
                /* Every parsed tenant has a name, a digest and a unique one of each. */
                if (!set->n || !set->keyed)
                        abort();
                for (size_t i = 0; i < set->n; i++)
                        if (!set->items[i].name || set->items[i].index != i)
                                abort();
                (void)sbx_tenants_find(set, "key");
                (void)sbx_tenants_find(set, "");
        } else if (!err || !err->message) {
                abort();
        }
        sbx_tenants_free(set);
        sbx_error_free(err);
        return 0;
}
