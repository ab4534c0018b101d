/* The run folder, EvalScope's layout: <work_dir>/<timestamp>/{configs,logs,predictions/<model>,
 * reviews/<model>,reports/<model>}; JSONL records appended and flushed one at a time so a
 * crash loses at most the samples in flight, and read back to resume. */
#ifndef SBX_EVAL_OUTPUTS_H
#define SBX_EVAL_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "evaluator/config.h"
#include "evaluator/judge.h"
#include "sandboxrt.h"

struct sbx_eval_outputs {
        char *dir;       /* the run folder */
        char *model_dir; /* the model's name as a path component */
        FILE *log;       /* logs/eval_log.log */
};

/* Create (or, with use_cache, reopen) the run folder, write configs/task_config.yaml (secrets
 * masked) and open the log. */
int sbx_eval_outputs_open(const struct sbx_eval_config *c, struct sbx_eval_outputs *o,
                          struct sbx_error **err);
void sbx_eval_outputs_close(struct sbx_eval_outputs *o);
/* A timestamped line in logs/eval_log.log. */
void sbx_eval_log(struct sbx_eval_outputs *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "<dir>/<kind>/<model>/<dataset><ext>" (malloc'd). */
char *sbx_eval_outputs_path(const struct sbx_eval_outputs *o, const char *kind, const char *dataset,
                            const char *ext);

/* Open a JSONL file for appending; truncate empties it first. A last line cut short by a crash
 * is removed so the next record starts on a line of its own. */
int sbx_eval_jsonl_open(const char *path, bool truncate, FILE **out, struct sbx_error **err);

struct sbx_eval_pred_record {
        const char *task_id;
        uint32_t sample;
        const char *model;
        const char *prompt; /* what the model was asked, or NULL */
        const char *reply;  /* raw reply (NULL on error) */
        const char *code;   /* the code that runs (NULL on error) */
        const char *error;  /* why there is no reply, or NULL */
};

struct sbx_eval_review {
        const char *task_id;
        uint32_t sample;
        uint64_t judged_hash; /* of its program, tests and limits (review.c: judged_hash) */
        enum sbx_eval_outcome outcome;
        bool executed; /* false: nothing ran (model error) */
        enum sbx_verdict verdict;
        int exit_code, signal;
        uint64_t wall_ms, cpu_ms, peak_memory_bytes;
        char *stdout_head, *stderr_head, *message; /* owned by whoever filled it */
        bool stdout_truncated, stderr_truncated;
        uint32_t tests_total, tests_run, tests_passed;
        bool early_exit; /* exit status 0 without the completion proof */
        const char *backend;
};

/* Write one record as a line and flush it. */
int sbx_eval_pred_write(FILE *f, const struct sbx_eval_pred_record *r);
int sbx_eval_review_write(FILE *f, const struct sbx_eval_review *r);

/* Read records back; lines that do not parse are skipped. The record passed to fn lives for
 * the call only. A missing file is no error. */
int sbx_eval_pred_read(const char *path, int (*fn)(void *ctx, const struct sbx_eval_pred_record *r),
                       void *ctx, struct sbx_error **err);
int sbx_eval_review_read(const char *path, int (*fn)(void *ctx, const struct sbx_eval_review *r),
                         void *ctx, struct sbx_error **err);

#endif
