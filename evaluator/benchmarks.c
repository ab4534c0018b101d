/* The table of benchmarks. Apart from dataset.c, whose helpers every benchmark uses, so that
 * dataset.c does not call the benchmarks back. */
#include <string.h>

#include "evaluator/dataset.h"
#include "util.h"

static const struct sbx_eval_benchmark *const benchmarks[] = {
    &sbx_eval_humaneval,      &sbx_eval_mbpp,      &sbx_eval_livecodebench,
    &sbx_eval_humaneval_plus, &sbx_eval_mbpp_plus, &sbx_eval_humaneval_x,
    &sbx_eval_mbxp,           &sbx_eval_multiple,  &sbx_eval_multiple_humaneval,
    &sbx_eval_multiple_mbpp,
};

const struct sbx_eval_benchmark *sbx_eval_benchmark_find(const char *name)
{
        for (size_t i = 0; name && i < ELEMENTSOF(benchmarks); i++)
                if (!strcmp(benchmarks[i]->name, name))
                        return benchmarks[i];
        return NULL;
}

const struct sbx_eval_benchmark *sbx_eval_benchmark_at(size_t i)
{
        return i < ELEMENTSOF(benchmarks) ? benchmarks[i] : NULL;
}
