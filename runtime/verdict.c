#include "verdict.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

void sbx_result_set_message(struct sbx_result *r, const char *fmt, ...)
{
        va_list ap;

        free(r->message);
        va_start(ap, fmt);
        r->message = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
}

static void judge_status(int status, const struct sbx_limits *l, struct sbx_result *r)
{
        if (WIFEXITED(status)) {
                r->exit_code = WEXITSTATUS(status);
                r->verdict = r->exit_code == 0 ? SBX_VERDICT_OK : SBX_VERDICT_RUNTIME_ERROR;
                return;
        }
        r->signal = WTERMSIG(status);
        switch (r->signal) {
        case SIGSYS:
                r->verdict = SBX_VERDICT_POLICY_VIOLATION;
                sbx_result_set_message(r, "killed by the seccomp policy (a forbidden system call)");
                break;
        case SIGXCPU:
                r->verdict = SBX_VERDICT_TIME_LIMIT;
                sbx_result_set_message(r, "CPU time limit of %llu ms exceeded",
                                       (unsigned long long)l->cpu_ms);
                break;
        case SIGXFSZ:
                r->verdict = SBX_VERDICT_OUTPUT_LIMIT;
                sbx_result_set_message(r, "file size limit of %llu bytes exceeded",
                                       (unsigned long long)l->file_size_bytes);
                break;
        default:
                r->verdict = SBX_VERDICT_SIGNALED;
                sbx_result_set_message(r, "killed by signal %d (%s)", r->signal,
                                       strsignal(r->signal));
        }
}

/* A limit the backend or the kernel enforced comes before how the program itself ended: a
 * program killed at the limit "ended by SIGKILL" only because of the limit. */
void sbx_judge(const struct sbx_ending *e, const struct sbx_limits *l, struct sbx_result *r)
{
        r->exit_code = -1;
        r->signal = 0;
        if (e->stop == SBX_STOP_CANCEL) {
                r->verdict = SBX_VERDICT_SANDBOX_ERROR;
                sbx_result_set_message(r, "cancelled: the caller went away");
        } else if (e->stop == SBX_STOP_WALL) {
                r->verdict = SBX_VERDICT_TIME_LIMIT;
                sbx_result_set_message(r, "wall-clock limit of %llu ms exceeded",
                                       (unsigned long long)l->wall_ms);
        } else if (e->stop == SBX_STOP_CPU || r->cpu_ms >= l->cpu_ms) {
                r->verdict = SBX_VERDICT_TIME_LIMIT;
                sbx_result_set_message(r, "CPU time limit of %llu ms exceeded",
                                       (unsigned long long)l->cpu_ms);
        } else if (e->stop == SBX_STOP_OUTPUT) {
                r->verdict = SBX_VERDICT_OUTPUT_LIMIT;
                sbx_result_set_message(r, "output limit of %llu bytes per stream exceeded",
                                       (unsigned long long)l->output_bytes);
        } else if (e->oom_killed) {
                r->verdict = SBX_VERDICT_MEMORY_LIMIT;
        } else if (!e->exited) {
                r->verdict = SBX_VERDICT_SANDBOX_ERROR;
                sbx_result_set_message(r, "the sandbox did not report how the program ended");
        } else {
                judge_status(e->status, l, r);
                /* An allocation refused at the limit (MemoryError, std::bad_alloc) fails the
                 * program without an OOM kill: still the memory limit's doing. */
                if (r->verdict != SBX_VERDICT_OK && e->memory_oom)
                        r->verdict = SBX_VERDICT_MEMORY_LIMIT;
        }
        if (r->verdict == SBX_VERDICT_MEMORY_LIMIT)
                sbx_result_set_message(r, "memory limit of %llu bytes exceeded",
                                       (unsigned long long)l->memory_bytes);
}
