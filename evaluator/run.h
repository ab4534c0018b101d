/* sandboxrt eval, the whole of it: for each dataset, predictions (reference, samples file or
 * openai_api), then every program run through the runtime in parallel and judged, then the
 * scores. Only the runtime API runs programs; this module never executes anything itself. */
#ifndef SBX_EVAL_RUN_H
#define SBX_EVAL_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "evaluator/config.h"
#include "evaluator/report.h"
#include "sandboxrt.h"

/* How programs run: sbx_run on a runtime (sbx_eval_executor_runtime), or a stand-in in tests. */
struct sbx_eval_executor {
        /* Same contract as sbx_run: < 0 only for an invalid job; called from many threads. */
        int (*run)(void *ctx, const struct sbx_job *job, struct sbx_result **out,
                   struct sbx_error **err);
        struct sbx_result *(*free_result)(struct sbx_result *r);
        const char *backend; /* for the reviews: "native", ... */
        void *ctx;
        /* Optional: run the next jobs in this Docker image (NULL: the runtime's default).
         * Called between datasets, with no job in flight; may update backend. */
        int (*use_image)(void *ctx, const char *image, struct sbx_error **err);
};

/* The executor backed by a runtime (sbx_run / sbx_result_free). */
struct sbx_eval_executor sbx_eval_executor_runtime(struct sbx_runtime *rt);

enum sbx_eval_level { SBX_EVAL_INFO, SBX_EVAL_WARNING };

struct sbx_eval_hooks {
        /* Messages for the user (the library prints nothing itself). */
        void (*message)(void *ctx, enum sbx_eval_level level, const char *text);
        /* A phase starts (done 0), advances, or ends (finished). Called from the calling
         * thread only. phase: "Predicting" or "Reviewing". */
        void (*progress)(void *ctx, const char *phase, const char *dataset, size_t done,
                         size_t total, bool finished);
        /* Optional: the run folder is ready (created, or the one resumed), before anything
         * runs. What is done from then on stays there for --use-cache, whatever ends the run. */
        void (*opened)(void *ctx, const char *run_dir);
        void *ctx;
};

/* Run the evaluation described by c. Threads are started here (parallel executions), so the
 * runtime behind ex must already exist. On success *out has the scores and run folder. */
int sbx_eval_run(const struct sbx_eval_config *c, const struct sbx_eval_executor *ex,
                 const struct sbx_eval_hooks *hooks, struct sbx_eval_summary **out,
                 struct sbx_error **err);

/* Executions in parallel when the config does not say: the CPUs this process may use. */
unsigned sbx_eval_default_jobs(void);

#endif
