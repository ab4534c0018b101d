#include <stdio.h>
#include <string.h>

#include "evaluator/progress.h"
#include "util.h"

#define TTY_REFRESH_MS 100

void sbx_eval_progress_start(struct sbx_eval_progress *p, FILE *f, bool tty, const char *label,
                             size_t total)
{
        uint64_t keep = p->plain_interval_ms;

        memset(p, 0, sizeof(*p));
        p->plain_interval_ms = keep ? keep : 5000;
        p->f = f;
        p->tty = tty;
        p->total = total;
        p->start_ms = p->last_ms = sbx_now_ms();
        p->active = true;
        snprintf(p->label, sizeof(p->label), "%s", label);
        if (!tty && f) {
                fprintf(f, "%s: 0/%zu\n", p->label, total);
                fflush(f);
        }
}

static void format_duration(char *buf, size_t size, uint64_t secs)
{
        if (secs >= 3600)
                snprintf(buf, size, "%llu:%02llu:%02llu", (unsigned long long)(secs / 3600),
                         (unsigned long long)(secs / 60 % 60), (unsigned long long)(secs % 60));
        else
                snprintf(buf, size, "%llu:%02llu", (unsigned long long)(secs / 60),
                         (unsigned long long)(secs % 60));
}

void sbx_eval_progress_format(const struct sbx_eval_progress *p, uint64_t now_ms, char *buf,
                              size_t size)
{
        double elapsed = (double)(now_ms - p->start_ms) / 1000.0;
        double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
        double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100.0;
        char eta[48], spent[32];

        format_duration(spent, sizeof(spent), (uint64_t)elapsed);
        if (p->done >= p->total)
                snprintf(eta, sizeof(eta), "in %s", spent);
        else if (rate > 0)
                format_duration(eta, sizeof(eta), (uint64_t)((double)(p->total - p->done) / rate));
        else
                snprintf(eta, sizeof(eta), "?");
        /* No rate before there is time to measure it (an instant phase would say 0.0/s). */
        if (elapsed < 0.1)
                snprintf(buf, size, "%s: %zu/%zu (%.1f%%), %s%s", p->label, p->done, p->total, pct,
                         p->done >= p->total ? "" : "ETA ", eta);
        else
                snprintf(buf, size, "%s: %zu/%zu (%.1f%%), %.1f/s, %s%s", p->label, p->done,
                         p->total, pct, rate, p->done >= p->total ? "" : "ETA ", eta);
}

static void draw(struct sbx_eval_progress *p, uint64_t now, bool final)
{
        char line[256];

        sbx_eval_progress_format(p, now, line, sizeof(line));
        if (p->tty)
                /* \r and erase-to-end redraw the line in place. */
                fprintf(p->f, "\r%s\033[K%s", line, final ? "\n" : "");
        else
                fprintf(p->f, "%s\n", line);
        fflush(p->f);
        p->last_ms = now;
}

void sbx_eval_progress_update(struct sbx_eval_progress *p, size_t done)
{
        uint64_t now = sbx_now_ms();

        if (!p->active || !p->f)
                return;
        p->done = done;
        if (now - p->last_ms >= (p->tty ? TTY_REFRESH_MS : p->plain_interval_ms))
                draw(p, now, false);
}

void sbx_eval_progress_finish(struct sbx_eval_progress *p)
{
        if (!p->active || !p->f)
                return;
        draw(p, sbx_now_ms(), true);
        p->active = false;
}
