/* Progress lines for a phase ("Predicting[humaneval]"): on a terminal one live line redrawn in
 * place with done/total, rate and ETA; otherwise a plain line every few seconds. Writes only to
 * the FILE the caller hands in (the CLI gives stderr). Not thread-safe: one thread drives it. */
#ifndef SBX_EVAL_PROGRESS_H
#define SBX_EVAL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sbx_eval_progress {
        FILE *f;
        bool tty;
        char label[128];
        size_t done, total;
        uint64_t start_ms, last_ms;
        uint64_t plain_interval_ms; /* 0: 5000 */
        bool active;
};

void sbx_eval_progress_start(struct sbx_eval_progress *p, FILE *f, bool tty, const char *label,
                             size_t total);
void sbx_eval_progress_update(struct sbx_eval_progress *p, size_t done);
/* The final line (always printed), ending the live line with a newline. */
void sbx_eval_progress_finish(struct sbx_eval_progress *p);

/* "57/164 (34.8%), 12.3/s, ETA 0:09" into buf: the text of one line, for tests. */
void sbx_eval_progress_format(const struct sbx_eval_progress *p, uint64_t now_ms, char *buf,
                              size_t size);

#endif
