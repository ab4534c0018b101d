/* The executor behind `sandboxrt eval`: the runtime's sbx_run. */
#include "evaluator/run.h"

static int runtime_run(void *ctx, const struct sbx_job *job, struct sbx_result **out,
                       struct sbx_error **err)
{
        return sbx_run(ctx, job, out, err);
}

struct sbx_eval_executor sbx_eval_executor_runtime(struct sbx_runtime *rt)
{
        return (struct sbx_eval_executor){
            .run = runtime_run,
            .free_result = sbx_result_free,
            .backend = sbx_runtime_backend(rt),
            .ctx = rt,
        };
}
