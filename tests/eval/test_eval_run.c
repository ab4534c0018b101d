/* The whole pipeline with a stand-in executor (no sandbox needed): a samples file with known
 * outcomes scores exactly what it should; a resumed run redoes only what is missing and writes
 * the same report; rerun_review runs everything again. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/run.h"
#include "tests/tmpdir.h"
#include "util.h"

static atomic_uint calls;

/* Decides from markers in the program, the way the real judge sees results. */
static int fake_run(void *ctx, const struct sbx_job *job, struct sbx_result **out,
                    struct sbx_error **err)
{
        struct sbx_result *r = calloc(1, sizeof(*r));

        const char *in = job->stdin_data, *nl = in ? strchr(in, '\n') : NULL;

        assert_string_equal(job->language, "python");
        /* review_timeout is CPU time, the wall clock three times that; a 16 MiB output cap */
        assert_string_equal(job->limits[0], "wall=12000ms");
        assert_string_equal(job->limits[1], "cpu=4000ms");
        assert_string_equal(job->limits[2], "output=16m");
        assert_non_null(nl); /* the completion proof's line comes first on stdin */
        assert_int_equal(nl - in, 32);
        assert_null(strstr(job->source, in == NULL ? "?" : "0123456789abcdef"));
        atomic_fetch_add(&calls, 1);
        r->err.data = strdup("");
        /* the harness prints the line back after its last test; an early exit does not */
        r->out.data = strstr(job->source, "SBX_FAKE_EARLYEXIT")
                          ? strdup("")
                          : sbx_strdup_printf("\n%.32s\n", in);
        r->out.size = strlen(r->out.data);
        if (strstr(job->source, "SBX_FAKE_FAIL")) {
                r->verdict = SBX_VERDICT_RUNTIME_ERROR;
                r->exit_code = 1;
                free(r->err.data);
                r->err.data = strdup("Traceback (most recent call last):\nAssertionError\n");
                r->err.size = strlen(r->err.data);
        } else if (strstr(job->source, "SBX_FAKE_TIMEOUT")) {
                r->verdict = SBX_VERDICT_TIME_LIMIT;
                r->exit_code = -1;
                r->signal = 9;
                r->message = strdup("wall-clock limit of 4000 ms exceeded");
        } else if (strstr(job->source, "SBX_FAKE_SANDBOX")) {
                r->verdict = SBX_VERDICT_SANDBOX_ERROR;
                r->message = strdup("cgroup setup failed");
        }
        r->wall_ms = 30;
        *out = r;
        return 0;
}

static struct sbx_result *fake_free(struct sbx_result *r)
{
        if (r) {
                free(r->out.data);
                free(r->err.data);
                free(r->message);
                free(r);
        }
        return NULL;
}

static const struct sbx_eval_executor fake = {
    .run = fake_run, .free_result = fake_free, .backend = "fake"};

static unsigned progress_finished;

static void on_progress(void *ctx, const char *phase, const char *dataset, size_t done,
                        size_t total, bool finished)
{
        assert_string_equal(dataset, "humaneval");
        assert_true(done <= total);
        progress_finished += finished;
}

static const struct sbx_eval_hooks hooks = {.progress = on_progress};

/* Two samples for each of the first six HumanEval problems, outcomes chosen per sample. */
static char *write_samples(void)
{
        static const char *const plan[6][2] = {
            {"ok", "ok"},     {"ok", "FAIL"},    {"TIMEOUT", "ok"},
            {"FAIL", "FAIL"}, {"SANDBOX", "ok"}, {"ok", "EARLYEXIT"},
        };
        struct sbx_eval_dataset_args args = {.few_shot_num = -1};
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;
        char *path = sbx_strdup_printf("%s/samples.jsonl", tmp);
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        assert_int_equal(sbx_eval_dataset_load(&sbx_eval_humaneval, &args, NULL, &set, &err), 0);
        for (int i = 0; i < 6; i++)
                for (int s = 0; s < 2; s++) {
                        if (!strcmp(plan[i][s], "ok"))
                                fprintf(f, "{\"task_id\": \"%s\", \"completion\": \"pass\"}\n",
                                        set.items[i].task_id);
                        else
                                fprintf(f,
                                        "{\"task_id\": \"%s\", \"completion\": \"    return "
                                        "SBX_FAKE_%s\\n\"}\n",
                                        set.items[i].task_id, plan[i][s]);
                }
        /* a task that is not evaluated (beyond the limit) is ignored with a warning */
        fprintf(f, "{\"task_id\": \"HumanEval/100\", \"completion\": \"pass\"}\n");
        fclose(f);
        sbx_eval_problem_set_release(&set);
        return path;
}

static struct sbx_eval_config *config(const char *samples, const char *use_cache, bool rerun)
{
        char *work = sbx_strdup_printf("%s/out", tmp);
        struct sbx_eval_overrides ov = {.datasets = "humaneval",
                                        .samples = samples,
                                        .limit = "6",
                                        .work_dir = work,
                                        .use_cache = use_cache,
                                        .rerun_review = rerun,
                                        .jobs = "3"};
        struct sbx_eval_config *c = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_eval_config_load(NULL, &ov, &c, &err), 0);
        free(work);
        return c;
}

static struct sbx_eval_summary *run(struct sbx_eval_config *c)
{
        struct sbx_eval_summary *s = NULL;
        struct sbx_error *err = NULL;

        if (sbx_eval_run(c, &fake, &hooks, &s, &err) < 0)
                fail_msg("run failed: %s", err && err->message ? err->message : "?");
        return s;
}

static char *slurp(const char *dir, const char *rel)
{
        char *path = sbx_strdup_printf("%s/%s", dir, rel), *text = NULL;

        assert_int_equal(sbx_read_file(path, 1 << 20, &text, NULL), 0);
        free(path);
        return text;
}

/* Keep the first `lines` lines of a file and add a torn one, as a crash mid-write leaves. */
static void cut(const char *dir, const char *rel, int lines)
{
        char *text = slurp(dir, rel), *p = text, *path = sbx_strdup_printf("%s/%s", dir, rel);
        FILE *f;

        for (int i = 0; i < lines; i++)
                p = strchr(p, '\n') + 1;
        *p = '\0';
        f = fopen(path, "w");
        fprintf(f, "%s{\"task_id\": \"HumanEval/0\", \"sam", text);
        fclose(f);
        free(text);
        free(path);
}

static void test_samples_scores(void **state)
{
        char *samples = write_samples();
        struct sbx_eval_config *c = config(samples, NULL, false);
        struct sbx_eval_summary *s;

        calls = 0;
        progress_finished = 0;
        s = run(c);
        assert_int_equal(calls, 12);
        assert_int_equal(progress_finished, 2); /* Predicting, Reviewing */
        assert_int_equal(s->n, 1);
        const struct sbx_eval_dataset_result *r = &s->results[0];
        assert_int_equal(r->n_problems, 6);
        assert_int_equal(r->n_samples, 12);
        assert_int_equal(r->max_k, 2);
        /* passes per problem: 2, 1, 1, 0, 1, 1 (an exit before the tests is no pass) */
        assert_true(fabs(r->pass_at_k[0] - 3.0 / 6) < 1e-12);
        assert_true(fabs(r->pass_at_k[1] - 5.0 / 6) < 1e-12);
        assert_int_equal(r->outcomes[SBX_EVAL_OK], 6);
        assert_int_equal(r->outcomes[SBX_EVAL_WRONG_ANSWER], 4);
        assert_int_equal(r->early_exits, 1);
        assert_int_equal(r->outcomes[SBX_EVAL_TIME_LIMIT], 1);
        assert_int_equal(r->outcomes[SBX_EVAL_SANDBOX_ERROR], 1);

        char *report = slurp(s->run_dir, "reports/samples/humaneval.json");
        assert_non_null(strstr(report, "\"pass@1\":\t0.5"));
        assert_non_null(strstr(report, "\"pass@2\":\t0.833333"));
        assert_non_null(strstr(report, "\"early_exits\":\t1"));
        char *breakdown = sbx_eval_summary_breakdown(s);
        assert_non_null(strstr(breakdown, "WRONG_ANSWER 4 (1 exited before the tests finished)"));
        assert_non_null(strstr(breakdown, "OUTPUT_LIMIT 0"));
        free(breakdown);
        char *reviews = slurp(s->run_dir, "reviews/samples/humaneval.jsonl");
        assert_non_null(strstr(reviews, "\"early_exit\":true"));
        assert_non_null(strstr(reviews, "\"message\":\"exited before the tests finished\""));
        assert_non_null(strstr(reviews, "\"outcome\":\"TIME_LIMIT\""));
        assert_non_null(strstr(reviews, "\"message\":\"cgroup setup failed\""));
        assert_non_null(strstr(reviews, "\"backend\":\"fake\""));
        char *preds = slurp(s->run_dir, "predictions/samples/humaneval.jsonl");
        assert_non_null(strstr(preds, "\"code\":\"    return SBX_FAKE_FAIL\\n\""));

        /* resume after a crash: half the reviews and all but two predictions survived */
        char *dir = strdup(s->run_dir);
        cut(dir, "reviews/samples/humaneval.jsonl", 5);
        cut(dir, "predictions/samples/humaneval.jsonl", 10);
        sbx_eval_summary_free(s);
        sbx_eval_config_free(c);
        c = config(samples, dir, false);
        calls = 0;
        s = run(c);
        assert_int_equal(calls, 7); /* only the reviews that were lost */
        assert_string_equal(s->run_dir, dir);
        char *again = slurp(dir, "reports/samples/humaneval.json");
        assert_string_equal(again, report);
        free(again);
        char *reviews2 = slurp(dir, "reviews/samples/humaneval.jsonl");
        size_t lines = 0;
        for (char *p = reviews2; *p; p++)
                lines += *p == '\n';
        assert_int_equal(lines, 12); /* the torn line is gone, no duplicates */
        assert_null(strstr(reviews2, "\"sam\n"));
        free(reviews2);
        sbx_eval_summary_free(s);
        sbx_eval_config_free(c);

        /* rerun_review: keep predictions, judge everything again */
        c = config(samples, dir, true);
        calls = 0;
        s = run(c);
        assert_int_equal(calls, 12);
        again = slurp(dir, "reports/samples/humaneval.json");
        assert_string_equal(again, report);
        free(again);
        sbx_eval_summary_free(s);
        sbx_eval_config_free(c);

        free(report);
        free(reviews);
        free(preds);
        free(dir);
        free(samples);
}

static void test_missing_samples(void **state)
{
        char *path = sbx_strdup_printf("%s/few.jsonl", tmp);
        FILE *f = fopen(path, "w");
        struct sbx_eval_config *c;
        struct sbx_eval_summary *s = NULL;
        struct sbx_error *err = NULL;

        fprintf(f, "{\"task_id\": \"HumanEval/0\", \"completion\": \"pass\"}\n");
        fclose(f);
        c = config(path, NULL, false);
        assert_true(sbx_eval_run(c, &fake, &hooks, &s, &err) < 0);
        assert_non_null(strstr(err->message, "has no completion for HumanEval/1 and others (5 "
                                             "problems of 6 without one)"));
        sbx_error_free(err);
        sbx_eval_config_free(c);
        free(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_samples_scores),
            cmocka_unit_test(test_missing_samples),
        };
        return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
