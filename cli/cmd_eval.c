/* sandboxrt eval: an EvalScope task file run with every program in a sandbox. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "evaluator/config.h"
#include "evaluator/fleet.h"
#include "evaluator/progress.h"
#include "evaluator/run.h"
#include "sandboxrt.h"
#include "util.h"

static const char usage_text[] =
    "Usage: sandboxrt eval --config TASK.yaml [OPTIONS]\n"
    "       sandboxrt eval --datasets humaneval [OPTIONS]\n"
    "\n"
    "Evaluate code benchmarks as EvalScope does (same task files, same scores), running every\n"
    "program in a sandbox. The task file is YAML or JSON with EvalScope's TaskConfig keys;\n"
    "options override it.\n"
    "\n"
    "Options:\n"
    "  --config FILE           the task file\n"
    "  --datasets A,B          benchmarks: humaneval, mbpp, live_code_bench, humaneval_plus,\n"
    "                          mbpp_plus, humaneval_x, mbxp, multiple (also\n"
    "                          multiple_humaneval, multiple_mbpp)\n"
    "  --model NAME            model name for the API; 'reference' runs the canonical\n"
    "                          solutions; a .jsonl file is a samples file\n"
    "  --samples FILE          human-eval samples JSONL ({task_id, completion} per line)\n"
    "  --api-url URL           OpenAI-compatible endpoint (.../v1)\n"
    "  --limit N|F             first N problems per dataset, or a fraction F in (0, 1]\n"
    "  --repeats N             samples per problem (pass@k for k <= N)\n"
    "  --eval-batch-size N     model requests in flight\n"
    "  -j, --jobs N            programs run in parallel (default: judge_worker_num, else\n"
    "                          the CPU count, times the number of servers with --remote)\n"
    "  --work-dir DIR          output root (default ./outputs)\n"
    "  --no-timestamp          write into the work dir itself, not a timestamped folder\n"
    "  --use-cache DIR         resume the run in DIR: only what is missing is done\n"
    "  --rerun-review          with --use-cache: keep predictions, run and judge again\n"
    "  --all-tests             run every test case, not only up to the first failure\n"
    "  --ignore-errors         go on past failed model requests (they score as failures)\n"
    "  --backend NAME          auto (default), native, docker or remote (sandbox_type:\n"
    "                          docker in the task file chooses docker too)\n"
    "  --remote URL            run the programs on a sandboxrt or ms-enclave server\n"
    "                          (sandbox.manager_config.base_url); repeat it for a fleet:\n"
    "                          jobs go to the server with the fewest in flight, and a\n"
    "                          failed server's jobs run again on another\n"
    "  -q, --quiet             no progress lines\n"
    "  -h, --help              show this help\n"
    "\n"
    "The API key comes from the task file's api_key (which may say ${VAR}), else the\n"
    "environment (SANDBOXRT_API_KEY, then OPENAI_API_KEY), else a .env file beside the task\n"
    "file. It is never printed or written out.\n"
    "\n"
    "Progress goes to stderr, the score table to stdout, everything else to\n"
    "<work_dir>/<timestamp>/ (configs, logs, predictions, reviews, reports).\n"
    "\n"
    "Exit status: 0 done, 1 the evaluation failed (dataset, model or output error), 2 usage\n"
    "or task file error, 9 the sandbox failed: no runtime, or some samples ended in\n"
    "SANDBOX_ERROR (their scores are then only a lower bound).\n";

enum {
        OPT_CONFIG = 256,
        OPT_DATASETS,
        OPT_MODEL,
        OPT_SAMPLES,
        OPT_API_URL,
        OPT_REMOTE,
        OPT_LIMIT,
        OPT_REPEATS,
        OPT_BATCH,
        OPT_WORK_DIR,
        OPT_NO_TIMESTAMP,
        OPT_USE_CACHE,
        OPT_RERUN_REVIEW,
        OPT_ALL_TESTS,
        OPT_IGNORE_ERRORS,
        OPT_BACKEND,
};

struct eval_cli {
        const char *config;
        struct sbx_eval_overrides ov;
        const char *remotes[SBX_EVAL_REMOTE_MAX + 1];
        size_t n_remotes;
        bool quiet;
        struct sbx_eval_progress progress;
        bool tty;
        char *resume;    /* how to go on from where the run stopped, once its folder exists */
        bool progressed; /* something was done, kept for the run that goes on */
};

static const struct option options[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"datasets", required_argument, NULL, OPT_DATASETS},
    {"model", required_argument, NULL, OPT_MODEL},
    {"samples", required_argument, NULL, OPT_SAMPLES},
    {"api-url", required_argument, NULL, OPT_API_URL},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"repeats", required_argument, NULL, OPT_REPEATS},
    {"eval-batch-size", required_argument, NULL, OPT_BATCH},
    {"jobs", required_argument, NULL, 'j'},
    {"work-dir", required_argument, NULL, OPT_WORK_DIR},
    {"no-timestamp", no_argument, NULL, OPT_NO_TIMESTAMP},
    {"use-cache", required_argument, NULL, OPT_USE_CACHE},
    {"rerun-review", no_argument, NULL, OPT_RERUN_REVIEW},
    {"all-tests", no_argument, NULL, OPT_ALL_TESTS},
    {"ignore-errors", no_argument, NULL, OPT_IGNORE_ERRORS},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"remote", required_argument, NULL, OPT_REMOTE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option into a; 1: --help was shown, -1: a bad option, 0 otherwise. */
static int set_option(int c, struct eval_cli *a)
{
        switch (c) {
        case OPT_CONFIG:
                a->config = optarg;
                break;
        case OPT_DATASETS:
                a->ov.datasets = optarg;
                break;
        case OPT_MODEL:
                a->ov.model = optarg;
                break;
        case OPT_SAMPLES:
                a->ov.samples = optarg;
                break;
        case OPT_API_URL:
                a->ov.api_url = optarg;
                break;
        case OPT_LIMIT:
                a->ov.limit = optarg;
                break;
        case OPT_REPEATS:
                a->ov.repeats = optarg;
                break;
        case OPT_BATCH:
                a->ov.eval_batch_size = optarg;
                break;
        case 'j':
                a->ov.jobs = optarg;
                break;
        case OPT_WORK_DIR:
                a->ov.work_dir = optarg;
                break;
        case OPT_NO_TIMESTAMP:
                a->ov.no_timestamp = true;
                break;
        case OPT_USE_CACHE:
                a->ov.use_cache = optarg;
                break;
        case OPT_RERUN_REVIEW:
                a->ov.rerun_review = true;
                break;
        case OPT_ALL_TESTS:
                a->ov.all_tests = true;
                break;
        case OPT_IGNORE_ERRORS:
                a->ov.ignore_errors = true;
                break;
        case OPT_BACKEND:
                a->ov.backend = optarg;
                break;
        case OPT_REMOTE:
                if (a->n_remotes == SBX_EVAL_REMOTE_MAX) {
                        sbx_cli_error("eval: at most %d --remote servers", SBX_EVAL_REMOTE_MAX);
                        return -1;
                }
                a->remotes[a->n_remotes++] = optarg;
                a->ov.remote_urls = a->remotes;
                break;
        case 'q':
                a->quiet = true;
                break;
        case 'h':
                fputs(usage_text, stdout);
                return 1;
        default:
                return -1;
        }
        return 0;
}

static int parse_args(int argc, char **argv, struct eval_cli *a)
{
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":j:qh", options, NULL)) != -1) {
                if (c == '?' || c == ':') {
                        sbx_cli_bad_option("eval", c, argv);
                        return -1;
                }
                if ((r = set_option(c, a)) != 0)
                        return r;
        }
        if (optind < argc) {
                sbx_cli_error("eval: unexpected argument '%s'", argv[optind]);
                return -1;
        }
        if (!a->config && !a->ov.datasets) {
                sbx_cli_error("eval: give a task file with --config, or --datasets");
                return -1;
        }
        return 0;
}

static void on_message(void *ctx, enum sbx_eval_level level, const char *text)
{
        struct eval_cli *a = ctx;

        if (a->progress.active && a->tty)
                fputc('\n', stderr);
        if (level == SBX_EVAL_WARNING)
                sbx_cli_error("warning: %s", text);
        else if (!a->quiet)
                fprintf(stderr, "%s\n", text);
}

/* What to run to go on with the run in dir: the same command with --use-cache DIR, DIR quoted
 * for a shell when it has to be. */
static char *resume_hint(const char *dir)
{
        static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789_-+=.,:@%/";
        static const char lead[] =
            "to go on from where it stopped, run the same command with --use-cache";
        size_t n = strlen(dir);
        _cleanup_free_ char *quoted = NULL;
        char *p;

        if (n && strspn(dir, plain) == n)
                return sbx_strdup_printf("%s %s", lead, dir);
        quoted = p = malloc(4 * n + 3);
        if (!quoted)
                return NULL;
        *p++ = '\'';
        for (; *dir; dir++)
                if (*dir == '\'') {
                        memcpy(p, "'\\''", 4);
                        p += 4;
                } else {
                        *p++ = *dir;
                }
        memcpy(p, "'", 2);
        return sbx_strdup_printf("%s %s", lead, quoted);
}

/* A run ended by a signal (Ctrl-C, SIGTERM, SIGHUP) says how to go on with it, then dies of the
 * signal as before; what it had finished is already in its folder. The handler may only write
 * what was made ready before it was set. */
static char interrupted_note[8192];
static size_t interrupted_note_len;

static void on_interrupt(int sig)
{
        (void)!write(STDERR_FILENO, interrupted_note, interrupted_note_len);
        raise(sig); /* the handler was reset: the default action, once this one returns */
}

static void on_opened(void *ctx, const char *run_dir)
{
        struct eval_cli *a = ctx;
        static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
        struct sigaction sa = {.sa_handler = on_interrupt, .sa_flags = SA_RESETHAND};
        int n;

        a->resume = resume_hint(run_dir);
        if (!a->resume)
                return;
        n = snprintf(interrupted_note, sizeof(interrupted_note),
                     "%ssandboxrt: eval: interrupted; %s\n", a->tty ? "\n" : "", a->resume);
        if (n < 0 || (size_t)n >= sizeof(interrupted_note))
                return;
        interrupted_note_len = (size_t)n;
        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                struct sigaction old;
                /* A signal ignored on entry (a job started with & or nohup) stays ignored. */
                if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
                        sigaction(signals[i], &sa, NULL);
        }
}

static void on_progress(void *ctx, const char *phase, const char *dataset, size_t done,
                        size_t total, bool finished)
{
        struct eval_cli *a = ctx;
        char label[128];

        a->progressed |= done > 0;
        if (a->quiet)
                return;
        snprintf(label, sizeof(label), "%s[%s]", phase, dataset);
        if (!a->progress.active || strcmp(a->progress.label, label))
                sbx_eval_progress_start(&a->progress, stderr, a->tty, label, total);
        a->progress.total = total;
        sbx_eval_progress_update(&a->progress, done);
        if (finished)
                sbx_eval_progress_finish(&a->progress);
}

/* The runtimes behind the executor: one per Docker image a dataset asks for, created when it is
 * first asked for (between datasets, when no job runs). */
struct runtimes {
        struct sbx_runtime_options opts;
        struct sbx_runtime *current;
        struct {
                char *image;
                struct sbx_runtime *rt;
        } list[16];
        size_t n;
};

static int runtimes_run(void *ctx, const struct sbx_job *job, struct sbx_result **out,
                        struct sbx_error **err)
{
        struct runtimes *rs = ctx;

        return sbx_run(rs->current, job, out, err);
}

static int runtimes_use_image(void *ctx, const char *image, struct sbx_error **err)
{
        struct runtimes *rs = ctx;
        struct sbx_runtime_options o = rs->opts;

        image = image ? image : rs->opts.image;
        for (size_t i = 0; i < rs->n; i++)
                if ((!image && !rs->list[i].image) ||
                    (image && rs->list[i].image && !strcmp(image, rs->list[i].image))) {
                        rs->current = rs->list[i].rt;
                        return 0;
                }
        if (rs->n == sizeof(rs->list) / sizeof(rs->list[0]))
                return sbx_error_set(err, E2BIG, "more than %zu images in one evaluation", rs->n);
        o.image = image;
        int r = sbx_runtime_new(&o, &rs->list[rs->n].rt, err);
        if (r < 0)
                return r;
        rs->list[rs->n].image = image ? strdup(image) : NULL;
        rs->current = rs->list[rs->n++].rt;
        return 0;
}

static void runtimes_free(struct runtimes *rs)
{
        for (size_t i = 0; i < rs->n; i++) {
                sbx_runtime_free(rs->list[i].rt);
                free(rs->list[i].image);
        }
}

static int report(const struct sbx_eval_summary *s)
{
        char *table = sbx_eval_summary_table(s), *breakdown = sbx_eval_summary_breakdown(s);
        size_t sandbox_errors = sbx_eval_summary_sandbox_errors(s);

        fputs(table ? table : "", stdout);
        fputs(breakdown ? breakdown : "", stdout);
        fflush(stdout);
        fprintf(stderr, "Outputs: %s\n", s->run_dir ? s->run_dir : "?");
        free(table);
        free(breakdown);
        return sandbox_errors ? SBX_CLI_EXIT_SANDBOX_ERROR : 0;
}

/* Where programs run: a runtime per image (sandbox_type docker), or a fleet of servers. */
struct where {
        struct runtimes rs;
        struct sbx_eval_fleet *fleet;
        struct sbx_eval_executor ex;
};

static int open_fleet(struct sbx_eval_config *cfg, struct where *w, struct sbx_error **err)
{
        size_t n = 0;
        int r = sbx_eval_fleet_new(cfg->remote_urls, cfg->remote_api_key, &w->fleet, err);

        if (r < 0)
                return r;
        while (cfg->remote_urls[n])
                n++;
        for (size_t i = 0; i < n; i++) {
                struct sbx_eval_fleet_server s;
                sbx_eval_fleet_server(w->fleet, i, &s);
                if (!s.up)
                        sbx_cli_error("warning: %s is down, tried again later: %s", s.url,
                                      s.last_error ? s.last_error : "no answer");
        }
        /* Keep every server as busy as this machine would be. */
        if (!cfg->jobs)
                cfg->jobs = sbx_eval_default_jobs() * (unsigned)n;
        w->ex = sbx_eval_executor_fleet(w->fleet);
        return 0;
}

/* Before any thread: the native backend forks its launcher here. */
static int open_where(struct sbx_eval_config *cfg, struct where *w, struct sbx_error **err)
{
        if (!strcmp(cfg->backend, "remote"))
                return open_fleet(cfg, w, err);
        w->rs.opts = (struct sbx_runtime_options){
            .backend = cfg->backend,
            .image = cfg->sandbox_default.image,
            .warm = true, /* Python jobs start warm unless their policy says warm: false */
        };
        int r = runtimes_use_image(&w->rs, NULL, err);
        if (r < 0)
                return r;
        w->ex = sbx_eval_executor_runtime(w->rs.current);
        w->ex.run = runtimes_run;
        w->ex.ctx = &w->rs;
        w->ex.use_image = runtimes_use_image;
        return 0;
}

/* The fleet's account: on stdout after the scores, and as reports/fleet.json. */
static void report_fleet(struct sbx_eval_fleet *f, const char *run_dir)
{
        _cleanup_free_ char *text = sbx_eval_fleet_report(f);
        _cleanup_free_ char *json = sbx_eval_fleet_report_json(f);
        _cleanup_free_ char *path =
            run_dir ? sbx_strdup_printf("%s/reports/fleet.json", run_dir) : NULL;
        _cleanup_close_ int fd = -1;

        fputs(text ? text : "", stdout);
        fflush(stdout);
        if (!json || !path)
                return;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || sbx_write_all(fd, json, strlen(json)) < 0 || sbx_write_all(fd, "\n", 1) < 0)
                sbx_cli_error("warning: %s: %s", path, strerror(errno));
}

static int eval_main(int argc, char **argv)
{
        struct eval_cli a = {.tty = isatty(STDERR_FILENO) == 1};
        struct sbx_eval_config *cfg = NULL;
        struct where w = {0};
        struct sbx_eval_summary *sum = NULL;
        struct sbx_error *err = NULL;
        int r, status;

        r = parse_args(argc, argv, &a);
        if (r != 0)
                return r > 0 ? 0 : SBX_CLI_EXIT_USAGE;
        if (sbx_eval_config_load(a.config, &a.ov, &cfg, &err) < 0) {
                sbx_cli_error("eval: %s", err && err->message ? err->message : "bad task");
                sbx_error_free(err);
                return SBX_CLI_EXIT_USAGE;
        }
        for (size_t i = 0; cfg->warnings && cfg->warnings[i]; i++)
                sbx_cli_error("warning: %s", cfg->warnings[i]);
        if (open_where(cfg, &w, &err) < 0) {
                sbx_cli_error("eval: %s", err && err->message ? err->message : "no runtime");
                sbx_error_free(err);
                sbx_eval_config_free(cfg);
                return SBX_CLI_EXIT_SANDBOX_ERROR;
        }
        if (w.rs.current)
                sbx_cli_warn_limits(stderr, w.rs.current);
        struct sbx_eval_hooks hooks = {
            .message = on_message, .progress = on_progress, .opened = on_opened, .ctx = &a};
        if (sbx_eval_run(cfg, &w.ex, &hooks, &sum, &err) < 0) {
                if (a.progress.active)
                        sbx_eval_progress_finish(&a.progress);
                sbx_cli_error("eval: %s", err && err->message ? err->message : "failed");
                if (a.resume && (a.progressed || a.ov.use_cache))
                        sbx_cli_error("eval: %s", a.resume);
                status = 1;
        } else {
                status = report(sum);
        }
        if (w.fleet)
                report_fleet(w.fleet, sum ? sum->run_dir : NULL);
        sbx_error_free(err);
        sbx_eval_summary_free(sum);
        sbx_eval_fleet_free(w.fleet);
        runtimes_free(&w.rs);
        sbx_eval_config_free(cfg);
        free(a.resume);
        return status;
}

const struct sbx_command sbx_command_eval = {"eval", "evaluate code benchmarks (EvalScope tasks)",
                                             eval_main};
