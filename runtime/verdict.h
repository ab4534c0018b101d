/* How a backend turns the way a program ended into a verdict: the same rules for every
 * backend, so that no caller can tell which one ran a job. Internal to sandboxrt. */
#ifndef SBX_VERDICT_H
#define SBX_VERDICT_H

#include "sandboxrt.h"

/* Why the backend stopped the program, if it did. */
enum sbx_stop {
        SBX_STOP_NONE,
        SBX_STOP_WALL,   /* wall-clock limit */
        SBX_STOP_CPU,    /* CPU-time limit of the whole tree */
        SBX_STOP_OUTPUT, /* an output stream passed its cap */
        SBX_STOP_CANCEL, /* the caller went away */
};

struct sbx_ending {
        enum sbx_stop stop;
        bool oom_killed; /* the memory limit's OOM killer fired */
        bool memory_oom; /* an allocation failed at the memory limit, killed or not */
        bool exited;     /* the backend saw the program end ... */
        int status;      /* ... with this wait status */
};

/* Set r's verdict, exit code, signal and message. r->cpu_ms must be filled first. */
void sbx_judge(const struct sbx_ending *e, const struct sbx_limits *l, struct sbx_result *r);

/* Replace r->message. */
void sbx_result_set_message(struct sbx_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
