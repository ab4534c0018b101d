/* Fuzz target: policy files (sbx_policy_parse), including the printer on whatever parses. */
#include <stdint.h>
#include <stdlib.h>

#include "policies/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sbx_policy *p = NULL, *again = NULL;
        struct sbx_error *err = NULL;

        if (sbx_policy_parse((const char *)data, size, "fuzz.yaml", &p, &err) == 0) {
                /* What parses must print and parse back: the printer is part of the contract. */
                char *yaml = sbx_policy_to_yaml(p);
                if (!yaml ||
                    sbx_policy_parse(yaml, __builtin_strlen(yaml), "again.yaml", &again, &err) < 0)
                        abort();
                free(yaml);
        }
        sbx_policy_free(again);
        sbx_policy_free(p);
        sbx_error_free(err);
        return 0;
}
