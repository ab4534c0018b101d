/* sandboxrt eval: an EvalScope task file run with every program in a sandbox. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cli.h"
#include "api/commands.h"
#include "evaluator/config.h"
#include "evaluator/progress.h"
#include "evaluator/run.h"
#include "sandboxrt.h"

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
    "  --datasets A,B          benchmarks: humaneval, mbpp, live_code_bench\n"
    "  --model NAME            model name for the API; 'reference' runs the canonical\n"
    "                          solutions; a .jsonl file is a samples file\n"
    "  --samples FILE          human-eval samples JSONL ({task_id, completion} per line)\n"
    "  --api-url URL           OpenAI-compatible endpoint (.../v1)\n"
    "  --limit N|F             first N problems per dataset, or a fraction F in (0, 1]\n"
    "  --repeats N             samples per problem (pass@k for k <= N)\n"
    "  --eval-batch-size N     model requests in flight\n"
    "  -j, --jobs N            programs run in parallel (default: the CPU count)\n"
    "  --work-dir DIR          output root (default ./outputs)\n"
    "  --no-timestamp          write into the work dir itself, not a timestamped folder\n"
    "  --use-cache DIR         resume the run in DIR: only what is missing is done\n"
    "  --rerun-review          with --use-cache: keep predictions, run and judge again\n"
    "  --all-tests             run every test case, not only up to the first failure\n"
    "  --ignore-errors         go on past failed model requests (they score as failures)\n"
    "  --backend NAME          auto (default), native, docker or remote\n"
    "  --remote URL            run the programs on a sandboxrt or ms-enclave server\n"
    "                          (sandbox.manager_config.base_url)\n"
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
        bool quiet;
        struct sbx_eval_progress progress;
        bool tty;
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
                a->ov.remote = optarg;
                break;
        case 'q':
                a->quiet = true;
                break;
        case 'h':
                fputs(usage_text, stdout);
                return 1;
        default:
                fputs("Run 'sandboxrt eval --help' for the options.\n", stderr);
                return -1;
        }
        return 0;
}

static int parse_args(int argc, char **argv, struct eval_cli *a)
{
        int c, r;

        while ((c = getopt_long(argc, argv, "j:qh", options, NULL)) != -1)
                if ((r = set_option(c, a)) != 0)
                        return r;
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

static void on_progress(void *ctx, const char *phase, const char *dataset, size_t done,
                        size_t total, bool finished)
{
        struct eval_cli *a = ctx;
        char label[128];

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

static int eval_main(int argc, char **argv)
{
        struct eval_cli a = {.tty = isatty(STDERR_FILENO) == 1};
        struct sbx_eval_config *cfg = NULL;
        struct sbx_runtime *rt = NULL;
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
        /* Before any thread: the native backend forks its launcher here. */
        struct sbx_runtime_options ro = {
            .backend = cfg->backend,
            .image = cfg->sandbox_default.image,
            .remote_url = cfg->remote_url,
            .remote_api_key = cfg->remote_api_key,
            .warm = true, /* Python jobs start warm unless their policy says warm: false */
        };
        if (sbx_runtime_new(&ro, &rt, &err) < 0) {
                sbx_cli_error("eval: %s", err && err->message ? err->message : "no runtime");
                sbx_error_free(err);
                sbx_eval_config_free(cfg);
                return SBX_CLI_EXIT_SANDBOX_ERROR;
        }
        sbx_cli_warn_limits(stderr, rt);
        struct sbx_eval_executor ex = sbx_eval_executor_runtime(rt);
        struct sbx_eval_hooks hooks = {.message = on_message, .progress = on_progress, .ctx = &a};
        if (sbx_eval_run(cfg, &ex, &hooks, &sum, &err) < 0) {
                if (a.progress.active)
                        sbx_eval_progress_finish(&a.progress);
                sbx_cli_error("eval: %s", err && err->message ? err->message : "failed");
                status = 1;
        } else {
                status = report(sum);
        }
        sbx_error_free(err);
        sbx_eval_summary_free(sum);
        sbx_runtime_free(rt);
        sbx_eval_config_free(cfg);
        return status;
}

const struct sbx_command sbx_command_eval = {"eval", "evaluate code benchmarks (EvalScope tasks)",
                                             eval_main};
