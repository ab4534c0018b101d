/* Fuzz target: task files (sbx_eval_config_parse, YAML and JSON), and the resolved config it
 * writes, which must load again with the same meaning. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sbx_eval_config *c = NULL, *again = NULL;
        struct sbx_error *err = NULL;

        if (sbx_eval_config_parse((const char *)data, size, "fuzz.yaml", NULL, NULL, &c, &err) ==
            0) {
                char *yaml = sbx_eval_config_to_yaml(c);
                if (!yaml)
                        abort();
                /* The written config masks the key, so only the key may differ on reload. */
                if (sbx_eval_config_parse(yaml, strlen(yaml), "again.yaml", NULL, NULL, &again,
                                          &err) < 0)
                        abort();
                if (again->model_kind != c->model_kind || again->repeats != c->repeats ||
                    again->limit_set != c->limit_set || strcmp(again->model, c->model) ||
                    strcmp(again->datasets[0], c->datasets[0]))
                        abort();
                free(yaml);
        }
        sbx_eval_config_free(again);
        sbx_eval_config_free(c);
        sbx_error_free(err);
        return 0;
}
