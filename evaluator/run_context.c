/* What run.c, predict.c and review.c share about one dataset's run (struct ds_run, in
 * run_internal.h): messages, progress, lookups. Apart from run.c, which calls the other two,
 * so that neither calls back into it. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evaluator/run_internal.h"
#include "util.h"

void run_message(const struct ds_run *d, enum sbx_eval_level level, const char *fmt, ...)
{
        _cleanup_free_ char *text = NULL;
        va_list ap;

        va_start(ap, fmt);
        text = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (!text)
                return;
        sbx_eval_log(d->out, "%s%s", level == SBX_EVAL_WARNING ? "WARNING: " : "", text);
        if (d->hooks && d->hooks->message)
                d->hooks->message(d->hooks->ctx, level, text);
}

void run_progress(const struct ds_run *d, const char *phase, size_t done, size_t total,
                  bool finished)
{
        if (d->hooks && d->hooks->progress)
                d->hooks->progress(d->hooks->ctx, phase, d->name, done, total, finished);
}

static int by_task_id(const void *a, const void *b, void *arg)
{
        const struct sbx_eval_problem_set *set = arg;

        return strcmp(set->items[*(const size_t *)a].task_id,
                      set->items[*(const size_t *)b].task_id);
}

int run_index_problems(struct ds_run *d, struct sbx_error **err)
{
        d->by_id = calloc(d->set.n ? d->set.n : 1, sizeof(*d->by_id));
        if (!d->by_id)
                return sbx_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < d->set.n; i++)
                d->by_id[i] = i;
        qsort_r(d->by_id, d->set.n, sizeof(*d->by_id), by_task_id, &d->set);
        for (size_t i = 1; i < d->set.n; i++) {
                const struct sbx_eval_problem *a = &d->set.items[d->by_id[i - 1]];
                const struct sbx_eval_problem *b = &d->set.items[d->by_id[i]];
                if (strcmp(a->task_id, b->task_id))
                        continue;
                if (a->line && b->line)
                        return sbx_error_set(err, EINVAL,
                                             "%s: task id '%s' is used twice (lines %u and %u of "
                                             "the dataset): ids must be unique",
                                             d->name, a->task_id,
                                             a->line < b->line ? a->line : b->line,
                                             a->line < b->line ? b->line : a->line);
                return sbx_error_set(err, EINVAL,
                                     "%s: task id '%s' is used twice: ids must be unique", d->name,
                                     a->task_id);
        }
        return 0;
}

ssize_t run_find_problem(const struct ds_run *d, const char *task_id)
{
        size_t lo = 0, hi = d->set.n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(task_id, d->set.items[d->by_id[mid]].task_id);
                if (c == 0)
                        return (ssize_t)d->by_id[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return -1;
}

struct slot *run_slot(const struct ds_run *d, size_t problem, uint32_t sample)
{
        if (problem >= d->set.n || sample >= d->n_samples[problem])
                return NULL;
        return &d->slots[d->first_slot[problem] + sample];
}

unsigned sbx_eval_default_jobs(void)
{
        cpu_set_t set;

        if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
                return (unsigned)CPU_COUNT(&set);
        return sbx_online_cpus();
}
