/* The context of one dataset's run, shared by run.c (datasets), predict.c (predictions) and
 * review.c (executions); run_context.c has its functions. */
#ifndef SBX_EVAL_RUN_INTERNAL_H
#define SBX_EVAL_RUN_INTERNAL_H

#include <stdio.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/judge.h"
#include "evaluator/outputs.h"
#include "evaluator/run.h"

struct strv;

/* One sample: a completion of one problem, and what became of it. */
struct slot {
        size_t problem;
        uint32_t sample;
        char *prompt, *reply, *code, *error;
        bool predicted, reviewed;
        enum sbx_eval_outcome outcome;
        bool early_exit; /* the outcome is an exit before the tests finished */
};

struct ds_run {
        const struct sbx_eval_config *c;
        const struct sbx_eval_benchmark *bench;
        char *subset; /* the benchmark's subset evaluated, or NULL */
        char *name;   /* "humaneval", "humaneval_x_cpp": messages and file names */
        const struct sbx_eval_dataset_args *args;
        const struct sbx_eval_executor *ex;
        const struct sbx_eval_hooks *hooks;
        struct sbx_eval_outputs *out;
        struct sbx_eval_problem_set set;
        size_t *by_id; /* problem indices sorted by task_id */
        uint32_t *n_samples;
        size_t *first_slot;
        struct slot *slots;
        size_t n_slots;
        struct sbx_eval_sandbox_config sandbox;
        double tolerance;
        struct strv *samples; /* a samples file's completions by problem (predict.c), or NULL */
};

void run_message(const struct ds_run *d, enum sbx_eval_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void run_progress(const struct ds_run *d, const char *phase, size_t done, size_t total,
                  bool finished);
/* Sort the problems by id for run_find_problem; two with one id are an error naming both. */
int run_index_problems(struct ds_run *d, struct sbx_error **err);
/* The problem with this task id, or -1. */
ssize_t run_find_problem(const struct ds_run *d, const char *task_id);
struct slot *run_slot(const struct ds_run *d, size_t problem, uint32_t sample);

/* review.c: judge every predicted sample that has no valid review yet. */
int run_reviews(struct ds_run *d, struct sbx_error **err);
/* predict.c: how many samples each problem gets, and their slots; a samples file is read (and
 * must cover every problem) here, before anything runs. */
int run_plan_samples(struct ds_run *d, struct sbx_error **err);
/* predict.c: fill every slot's completion. */
int run_predictions(struct ds_run *d, struct sbx_error **err);
void run_samples_release(struct ds_run *d);

#endif
