/* Reviews: every predicted sample's program run through the executor by a pool of threads,
 * judged there, and written (and counted) by the calling thread as results come in. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "evaluator/harness.h"
#include "evaluator/run_internal.h"
#include "evaluator/strutil.h"
#include "util.h"

#define HEAD_BYTES 1024

/* A program this large is the sample's fault, not the sandbox's: it is judged without running
 * (the default policy's work directory holds 64 MiB; no benchmark's program nears this). */
#define PROGRAM_MAX_BYTES ((size_t)16 << 20)

struct unit {
        size_t slot;
        struct sbx_eval_review rv;
};

struct pool {
        struct ds_run *d;
        struct unit *units;
        size_t n;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        size_t next;      /* next unit to start */
        size_t running;   /* units taken and not finished */
        size_t *finished; /* units in the order they finished */
        size_t n_finished;
        bool abort;
        struct sbx_error *fatal;
};

static void review_release(struct sbx_eval_review *rv)
{
        free(rv->stdout_head);
        free(rv->stderr_head);
        free(rv->message);
        rv->stdout_head = rv->stderr_head = rv->message = NULL;
}

static uint64_t hash_string(uint64_t h, const char *s)
{
        s = s ? s : "";
        return sbx_eval_hash64_more(h, s, strlen(s) + 1); /* its NUL ends it */
}

/* What decides a sample's review, hashed: its program, the tests it runs on (inputs and expected
 * outputs), the limits it runs under and how outputs are compared. A resumed run reuses a review
 * only when this is the same: a changed prediction, test file, review_timeout or tolerance is
 * judged again. */
static uint64_t judged_hash(const struct ds_run *d, const struct sbx_eval_problem *p,
                            const char *program)
{
        char tolerance[32];
        uint64_t h = hash_string(sbx_eval_hash64("", 0), program);

        for (size_t t = 0; p->check != SBX_EVAL_CHECK_EXIT && t < p->n_tests; t++)
                h = hash_string(hash_string(h, p->tests[t].input), p->tests[t].output);
        h = hash_string(h, p->stdin_data);
        h = hash_string(hash_string(h, d->sandbox.policy), d->sandbox.image);
        for (size_t i = 0; d->sandbox.limits && d->sandbox.limits[i]; i++)
                h = hash_string(h, d->sandbox.limits[i]);
        snprintf(tolerance, sizeof(tolerance), "%.17g", d->tolerance);
        return hash_string(h, tolerance);
}

/* The judged hash of the program slot s would run now; 0 when it has none. */
static uint64_t slot_hash(const struct ds_run *d, const struct slot *s)
{
        const struct sbx_eval_problem *p = &d->set.items[s->problem];
        _cleanup_free_ char *program = s->code ? d->bench->program(p, s->code) : NULL;

        return program ? judged_hash(d, p, program) : 0;
}

/* ---- one sample ----------------------------------------------------------------------------- */

static void record_result(struct sbx_eval_review *rv, const struct sbx_result *r,
                          const char *reason)
{
        /* a compile error's story is the compiler's output */
        const struct sbx_result *shown =
            r->verdict == SBX_VERDICT_COMPILE_ERROR && r->compile ? r->compile : r;

        review_release(rv);
        rv->executed = true;
        rv->verdict = r->verdict;
        rv->exit_code = r->exit_code;
        rv->signal = r->signal;
        rv->wall_ms = r->wall_ms;
        rv->cpu_ms = r->cpu_ms;
        rv->peak_memory_bytes = r->peak_memory_bytes;
        rv->stdout_head = sbx_eval_utf8_clean(shown->out.data ? shown->out.data : "",
                                              shown->out.size, HEAD_BYTES, &rv->stdout_truncated);
        rv->stderr_head = sbx_eval_utf8_clean(shown->err.data ? shown->err.data : "",
                                              shown->err.size, HEAD_BYTES, &rv->stderr_truncated);
        rv->stdout_truncated |= shown->out.truncated;
        rv->stderr_truncated |= shown->err.truncated;
        if (!reason && shown != r && shown->message)
                rv->message = sbx_strdup_printf("compile step: %s", shown->message);
        else
                rv->message = sbx_eval_strdup0(reason ? reason : r->message);
}

/* A fresh random line for each run: the harness prints it back only after its last test. */
static int make_proof(char out[static 33])
{
        static const char hex[] = "0123456789abcdef";
        uint8_t raw[16];

        if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
                return -EIO;
        for (size_t i = 0; i < sizeof(raw); i++) {
                out[2 * i] = hex[raw[i] >> 4];
                out[2 * i + 1] = hex[raw[i] & 15];
        }
        out[32] = '\0';
        return 0;
}

/* One run of p's program on test t (t unused for exit-status problems); proof (when the
 * program is one of ours) is the line it must print back. */
static int run_once(struct ds_run *d, const struct sbx_eval_problem *p, const char *program,
                    size_t t, const char *proof, struct sbx_result **res, struct sbx_error **err)
{
        const char *input = p->check != SBX_EVAL_CHECK_EXIT ? p->tests[t].input
                            : p->stdin_data                 ? p->stdin_data
                                                            : "";
        _cleanup_free_ char *stdin_text = proof ? sbx_strdup_printf("%s\n%s", proof, input) : NULL;
        struct sbx_job job = {
            .language = p->lang ? p->lang->runtime : "python",
            .source = program,
            .source_size = strlen(program),
            .stdin_data = proof ? stdin_text : input,
            .policy = d->sandbox.policy,
            .limits = (const char *const *)d->sandbox.limits,
            .env = p->lang ? p->lang->env : NULL,
        };

        if (proof && !stdin_text)
                return sbx_error_set(err, ENOMEM, "out of memory");
        job.stdin_size = strlen(job.stdin_data);
        return d->ex->run(d->ex->ctx, &job, res, err);
}

static struct sbx_eval_expect expect_for(const struct ds_run *d, const struct sbx_eval_problem *p,
                                         size_t t, const char *proof)
{
        return (struct sbx_eval_expect){
            .check = p->check,
            .output = p->check == SBX_EVAL_CHECK_EXIT ? NULL : p->tests[t].output,
            .proof = proof,
            .quiet_stdout = p->quiet_stdout,
            .quiet_stderr = p->quiet_stderr,
            .fail_markers = p->lang ? p->lang->fail_markers : NULL,
            .python = !p->lang || !strcmp(p->lang->name, "python"),
            .tol = d->tolerance,
        };
}

/* Run the program once per test (once in all for exit-status benchmarks), stopping at the
 * first failure unless all_tests. The review keeps the first failing run, else the last. */
static int exec_unit(struct ds_run *d, struct unit *u, struct sbx_error **err)
{
        const struct slot *s = &d->slots[u->slot];
        const struct sbx_eval_problem *p = &d->set.items[s->problem];
        _cleanup_free_ char *program = d->bench->program(p, s->code);
        size_t n_runs = p->check == SBX_EVAL_CHECK_EXIT ? 1 : p->n_tests;
        bool failed = false;

        if (!program)
                return sbx_error_set(err, ENOMEM, "out of memory");
        u->rv.judged_hash = judged_hash(d, p, program);
        if (strlen(program) > PROGRAM_MAX_BYTES) {
                u->rv.outcome = SBX_EVAL_RUNTIME_ERROR;
                u->rv.message = sbx_strdup_printf(
                    "the program is %.1f MiB, more than the %zu MiB a judged program may be: not "
                    "run",
                    (double)strlen(program) / (1 << 20), PROGRAM_MAX_BYTES >> 20);
                return u->rv.message ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
        }
        u->rv.outcome = SBX_EVAL_OK;
        u->rv.tests_total = p->check == SBX_EVAL_CHECK_EXIT ? 0 : (uint32_t)n_runs;
        for (size_t t = 0; t < n_runs && (!failed || d->c->all_tests); t++) {
                struct sbx_result *res = NULL;
                const char *reason = NULL;
                char proof[33];
                bool ours = p->check != SBX_EVAL_CHECK_STDIN;
                if (ours && make_proof(proof) < 0)
                        return sbx_error_set(err, EIO, "no random bytes for the completion proof");
                int r = run_once(d, p, program, t, ours ? proof : NULL, &res, err);
                if (r < 0)
                        return r;
                struct sbx_eval_expect e = expect_for(d, p, t, ours ? proof : NULL);
                enum sbx_eval_outcome o = sbx_eval_judge(&e, res, &reason);
                u->rv.tests_run++;
                u->rv.tests_passed += o == SBX_EVAL_OK;
                if (!failed)
                        record_result(&u->rv, res, reason);
                if (o != SBX_EVAL_OK && !failed) {
                        failed = true;
                        u->rv.outcome = o;
                        u->rv.early_exit = reason && !strcmp(reason, SBX_EVAL_REASON_EARLY_EXIT);
                }
                d->ex->free_result(res);
        }
        return 0;
}

/* ---- the pool ------------------------------------------------------------------------------- */

static void *worker(void *arg)
{
        struct pool *pl = arg;

        for (;;) {
                struct sbx_error *e = NULL;
                size_t i;
                pthread_mutex_lock(&pl->mu);
                if (pl->abort || pl->next >= pl->n) {
                        pthread_mutex_unlock(&pl->mu);
                        return NULL;
                }
                i = pl->next++;
                pl->running++;
                pthread_mutex_unlock(&pl->mu);
                int r = exec_unit(pl->d, &pl->units[i], &e);
                pthread_mutex_lock(&pl->mu);
                if (r < 0 && !pl->fatal) {
                        pl->fatal = e ? e : calloc(1, sizeof(*pl->fatal));
                        if (pl->fatal && !e)
                                pl->fatal->code = -r;
                        pl->abort = true;
                        e = NULL;
                }
                sbx_error_free(e);
                if (r == 0)
                        pl->finished[pl->n_finished++] = i;
                pl->running--;
                pthread_cond_signal(&pl->cv);
                pthread_mutex_unlock(&pl->mu);
        }
}

static int write_review(struct ds_run *d, FILE *f, struct sbx_eval_review *rv, struct slot *s,
                        struct sbx_error **err)
{
        rv->task_id = d->set.items[s->problem].task_id;
        rv->sample = s->sample;
        rv->backend = rv->executed ? d->ex->backend : NULL;
        s->reviewed = true;
        s->outcome = rv->outcome;
        s->early_exit = rv->early_exit;
        if (sbx_eval_review_write(f, rv) < 0)
                return sbx_error_set(err, EIO, "writing reviews: %s", strerror(errno));
        return 0;
}

/* Wait for finished units and write them; returns when every started unit is accounted for. */
static int consume(struct pool *pl, FILE *f, struct sbx_error **err)
{
        size_t consumed = 0;
        int r = 0;

        pthread_mutex_lock(&pl->mu);
        for (;;) {
                while (consumed == pl->n_finished &&
                       (pl->running > 0 || (!pl->abort && pl->next < pl->n))) {
                        struct timespec ts;
                        clock_gettime(CLOCK_REALTIME, &ts);
                        ts.tv_sec += 1;
                        pthread_cond_timedwait(&pl->cv, &pl->mu, &ts);
                        pthread_mutex_unlock(&pl->mu);
                        run_progress(pl->d, "Reviewing", consumed, pl->n, false);
                        pthread_mutex_lock(&pl->mu);
                }
                if (consumed == pl->n_finished)
                        break;
                struct unit *u = &pl->units[pl->finished[consumed++]];
                pthread_mutex_unlock(&pl->mu);
                if (r == 0)
                        r = write_review(pl->d, f, &u->rv, &pl->d->slots[u->slot], err);
                if (r < 0) {
                        pthread_mutex_lock(&pl->mu);
                        pl->abort = true;
                        pthread_mutex_unlock(&pl->mu);
                }
                run_progress(pl->d, "Reviewing", consumed, pl->n, false);
                pthread_mutex_lock(&pl->mu);
        }
        pthread_mutex_unlock(&pl->mu);
        run_progress(pl->d, "Reviewing", consumed, pl->n, true);
        return r;
}

static int run_pool(struct ds_run *d, struct pool *pl, FILE *f, struct sbx_error **err)
{
        unsigned jobs = d->c->jobs ? d->c->jobs : sbx_eval_default_jobs();
        pthread_t threads[256];
        size_t started = 0;
        int r;

        if (jobs > ELEMENTSOF(threads))
                jobs = ELEMENTSOF(threads);
        if (jobs > pl->n)
                jobs = (unsigned)pl->n;
        run_progress(d, "Reviewing", 0, pl->n, false);
        for (; started < jobs; started++)
                if (pthread_create(&threads[started], NULL, worker, pl) != 0)
                        break;
        if (started == 0 && pl->n > 0)
                return sbx_error_set(err, EAGAIN, "cannot start worker threads");
        r = consume(pl, f, err);
        for (size_t i = 0; i < started; i++)
                pthread_join(threads[i], NULL);
        if (r == 0 && pl->fatal) {
                r = -(pl->fatal->code ? pl->fatal->code : EIO);
                if (err && !*err)
                        *err = TAKE_PTR(pl->fatal);
        }
        sbx_eval_log(d->out, "%s: reviews: %zu run with %zu threads on backend %s", d->name,
                     pl->n_finished, started, d->ex->backend);
        return r;
}

/* ---- the phase ------------------------------------------------------------------------------ */

static int cached_review(void *ctx, const struct sbx_eval_review *r)
{
        struct ds_run *d = ctx;
        ssize_t p = run_find_problem(d, r->task_id);
        struct slot *s;

        if (p < 0 || !(s = run_slot(d, (size_t)p, r->sample)) || !s->predicted)
                return 0;
        /* Valid only for the very program, tests and limits of now (judged_hash). */
        if (r->judged_hash != slot_hash(d, s))
                return 0;
        s->reviewed = true;
        s->outcome = r->outcome;
        s->early_exit = r->early_exit;
        return 0;
}

static int model_errors(struct ds_run *d, FILE *f, struct sbx_error **err)
{
        for (size_t i = 0; i < d->n_slots; i++) {
                struct slot *s = &d->slots[i];
                struct sbx_eval_review rv = {.outcome = SBX_EVAL_MODEL_ERROR};
                if (s->predicted || s->reviewed)
                        continue;
                rv.message = s->error;
                int r = write_review(d, f, &rv, s, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int pool_init(struct ds_run *d, struct pool *pl)
{
        size_t n = 0;

        memset(pl, 0, sizeof(*pl));
        for (size_t i = 0; i < d->n_slots; i++)
                n += d->slots[i].predicted && !d->slots[i].reviewed;
        pl->units = calloc(n ? n : 1, sizeof(*pl->units));
        pl->finished = calloc(n ? n : 1, sizeof(*pl->finished));
        if (!pl->units || !pl->finished)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_slots; i++)
                if (d->slots[i].predicted && !d->slots[i].reviewed)
                        pl->units[pl->n++].slot = i;
        pthread_mutex_init(&pl->mu, NULL);
        pthread_cond_init(&pl->cv, NULL);
        pl->d = d; /* also marks the mutex as initialized for pool_release */
        return 0;
}

static void pool_release(struct pool *pl)
{
        for (size_t i = 0; pl->units && i < pl->n; i++)
                review_release(&pl->units[i].rv);
        free(pl->units);
        free(pl->finished);
        sbx_error_free(pl->fatal);
        if (pl->d) {
                pthread_mutex_destroy(&pl->mu);
                pthread_cond_destroy(&pl->cv);
        }
}

int run_reviews(struct ds_run *d, struct sbx_error **err)
{
        _cleanup_free_ char *path = sbx_eval_outputs_path(d->out, "reviews", d->name, ".jsonl");
        bool reuse = d->c->use_cache && !d->c->rerun_review;
        struct pool pl = {0};
        FILE *f = NULL;
        size_t cached = 0;
        int r;

        if (!path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = reuse ? sbx_eval_review_read(path, cached_review, d, err) : 0;
        if (r == 0)
                r = sbx_eval_jsonl_open(path, !reuse, &f, err);
        for (size_t i = 0; i < d->n_slots; i++)
                cached += d->slots[i].reviewed;
        if (r == 0)
                r = model_errors(d, f, err);
        if (r == 0 && pool_init(d, &pl) < 0)
                r = sbx_error_set(err, ENOMEM, "out of memory");
        if (r == 0)
                r = run_pool(d, &pl, f, err);
        pool_release(&pl);
        if (f)
                fclose(f);
        if (r == 0)
                sbx_eval_log(d->out, "%s: reviews: %zu reused", d->name, cached);
        return r;
}
