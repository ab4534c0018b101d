/* sandboxrt run: one program in a fresh sandbox. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "sandboxrt.h"
#include "util.h"

#define MAX_INPUT_BYTES (256u << 20)
#define MAX_ITEMS       256

static const char usage_text[] =
    "Usage: sandboxrt run [OPTIONS] -- PROGRAM [ARGS...]\n"
    "       sandboxrt run [OPTIONS] --language LANG --source FILE\n"
    "\n"
    "Run one program in a fresh sandbox. Its working directory is a new, empty, writable\n"
    "directory (/sandbox); nothing of the host is writable and the network is off unless\n"
    "the policy says otherwise.\n"
    "\n"
    "Options:\n"
    "  --policy NAME         policy to apply (default: default; see `sandboxrt policy list`)\n"
    "  --limit KEY=VALUE     override one limit, e.g. wall=2s cpu=500ms memory=256m\n"
    "                        output=1m pids=32 file_size=16m open_files=64 tmpfs=64m\n"
    "                        cpus=0.5 warm=true|false network=none|loopback|host\n"
    "                        (repeatable); network=host is the host's own network\n"
    "  --stdin FILE          feed FILE to the program's standard input (- = this stdin);\n"
    "                        without it, a standard input that is not a terminal (a pipe,\n"
    "                        a file) is fed to the program: --stdin /dev/null prevents it\n"
    "  --file HOST:SANDBOX   copy a host file in, keeping its mode; a relative SANDBOX\n"
    "                        path is relative to the working directory (repeatable)\n"
    "  --env KEY=VALUE       set an environment variable for the program (repeatable)\n"
    "  --language LANG       the source's language (listed below)\n"
    "  --source FILE         the program's source (with --language)\n"
    "  --backend NAME        auto (default), native or docker\n"
    "  --image IMAGE         container image (docker backend)\n"
    "  --remote URL          run on a sandboxrt or ms-enclave server (the remote backend);\n"
    "                        its API key comes from $SANDBOXRT_API_KEY\n"
    "  --policy-dir DIR      load policies from DIR too\n"
    "  --warm                run a Python program (python3 FILE.py) in an interpreter\n"
    "                        started before it, forked into the jail: slower for one job,\n"
    "                        for testing what eval and serve do (the policy's warm key wins)\n"
    "  --json                print the result as one JSON object on stdout\n"
    "  -v, --verbose         say which backend and cgroup hierarchy ran the job, and how\n"
    "                        the job got into its cgroup (born there or moved)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Without --json the program's stdout and stderr are passed through, and a summary is\n"
    "printed to stderr when the verdict is not OK.\n";

/* The usage text, the languages of the table, then the exit statuses. */
static void print_usage(void)
{
        size_t col = strlen("Languages:");

        fputs(usage_text, stdout);
        fputs("\nLanguages:", stdout);
        for (size_t i = 0; sbx_language_at(i); i++) {
                const char *name = sbx_language_at(i)->name;
                if (col + strlen(name) + 2 > 88) {
                        fputs("\n ", stdout);
                        col = 1;
                }
                col += (size_t)printf(" %s%s", name, sbx_language_at(i + 1) ? "," : ".");
        }
        fputs("\n`sandboxrt doctor` shows which toolchains this host has. A Java or Scala source\n"
              "runs its class with main; a Go or Rust source of tests runs its tests.\n"
              "\n" SBX_CLI_EXIT_STATUS_HELP,
              stdout);
}

struct run_args {
        struct sbx_runtime_options rt;
        struct sbx_job job;
        const char *limits[MAX_ITEMS + 1];
        const char *env[MAX_ITEMS + 1];
        struct sbx_file files[MAX_ITEMS];
        size_t n_limits, n_env;
        const char *stdin_path, *source_path; /* read once the runtime is up: "-" is ours */
        char *stdin_buf, *source_buf;
        char *file_bufs[MAX_ITEMS];
        bool json;
};

static void run_args_release(struct run_args *a)
{
        free(a->stdin_buf);
        free(a->source_buf);
        for (size_t i = 0; i < a->job.n_files; i++) {
                free(a->file_bufs[i]);
                free((char *)a->files[i].path);
        }
}

static int add_item(const char **list, size_t *n, const char *item, const char *what)
{
        if (*n == MAX_ITEMS) {
                sbx_cli_error("too many %s options (at most %d)", what, MAX_ITEMS);
                return -E2BIG;
        }
        list[(*n)++] = item;
        list[*n] = NULL;
        return 0;
}

static int read_input(const char *path, char **buf, size_t *size)
{
        int r = !strcmp(path, "-") ? sbx_read_fd(0, MAX_INPUT_BYTES, buf, size)
                                   : sbx_read_file(path, MAX_INPUT_BYTES, buf, size);

        if (r < 0)
                sbx_cli_error("cannot read %s: %s", path,
                              r == -EFBIG ? "larger than 256 MiB" : strerror(-r));
        return r;
}

/* --file HOST:SANDBOX */
static int add_file(struct run_args *a, const char *spec)
{
        const char *colon = strchr(spec, ':');
        size_t i = a->job.n_files;
        struct stat st;

        if (!colon || colon == spec || !colon[1]) {
                sbx_cli_error("--file wants HOST:SANDBOX, got '%s'", spec);
                return -EINVAL;
        }
        if (i == MAX_ITEMS) {
                sbx_cli_error("too many --file options (at most %d)", MAX_ITEMS);
                return -E2BIG;
        }
        _cleanup_free_ char *host = strndup(spec, (size_t)(colon - spec));
        if (!host || stat(host, &st) < 0 || !S_ISREG(st.st_mode)) {
                sbx_cli_error("--file: %s is not a readable regular file", host ? host : spec);
                return -EINVAL;
        }
        int r = read_input(host, &a->file_bufs[i], &a->files[i].size);
        if (r < 0)
                return r;
        a->files[i].path = strdup(colon + 1);
        a->files[i].data = a->file_bufs[i];
        a->files[i].mode = st.st_mode & 07777;
        a->job.n_files++;
        return a->files[i].path ? 0 : -ENOMEM;
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
        enum {
                OPT_POLICY = 256,
                OPT_LIMIT,
                OPT_STDIN,
                OPT_FILE,
                OPT_ENV,
                OPT_LANGUAGE,
                OPT_SOURCE,
                OPT_BACKEND,
                OPT_IMAGE,
                OPT_REMOTE,
                OPT_POLICY_DIR,
                OPT_JSON,
                OPT_WARM
        };
        static const struct option options[] = {
            {"policy", required_argument, NULL, OPT_POLICY},
            {"limit", required_argument, NULL, OPT_LIMIT},
            {"stdin", required_argument, NULL, OPT_STDIN},
            {"file", required_argument, NULL, OPT_FILE},
            {"env", required_argument, NULL, OPT_ENV},
            {"language", required_argument, NULL, OPT_LANGUAGE},
            {"source", required_argument, NULL, OPT_SOURCE},
            {"backend", required_argument, NULL, OPT_BACKEND},
            {"image", required_argument, NULL, OPT_IMAGE},
            {"remote", required_argument, NULL, OPT_REMOTE},
            {"policy-dir", required_argument, NULL, OPT_POLICY_DIR},
            {"json", no_argument, NULL, OPT_JSON},
            {"warm", no_argument, NULL, OPT_WARM},
            {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        int c, r = 0;

        opterr = 0;
        while (r == 0 && (c = getopt_long(argc, argv, "+:vh", options, NULL)) != -1) {
                switch (c) {
                case OPT_POLICY:
                        a->job.policy = optarg;
                        break;
                case OPT_LIMIT:
                        r = add_item(a->limits, &a->n_limits, optarg, "--limit");
                        break;
                case OPT_STDIN:
                        a->stdin_path = optarg;
                        break;
                case OPT_FILE:
                        r = add_file(a, optarg);
                        break;
                case OPT_ENV:
                        r = add_item(a->env, &a->n_env, optarg, "--env");
                        break;
                case OPT_LANGUAGE:
                        a->job.language = optarg;
                        break;
                case OPT_SOURCE:
                        a->source_path = optarg;
                        break;
                case OPT_BACKEND:
                        a->rt.backend = optarg;
                        break;
                case OPT_IMAGE:
                        a->rt.image = optarg;
                        break;
                case OPT_REMOTE:
                        a->rt.remote_url = optarg;
                        a->rt.remote_api_key = getenv("SANDBOXRT_API_KEY");
                        break;
                case OPT_POLICY_DIR:
                        a->rt.policy_dir = optarg;
                        break;
                case OPT_JSON:
                        a->json = true;
                        break;
                case OPT_WARM:
                        a->rt.warm = true;
                        break;
                case 'v':
                        a->rt.verbose = true;
                        break;
                case 'h':
                        print_usage();
                        return 1;
                default:
                        sbx_cli_bad_option("run", c, argv);
                        return -EINVAL;
                }
        }
        if (r < 0)
                return r;
        if (a->job.language && (!a->source_path || optind < argc)) {
                sbx_cli_error("--language needs --source FILE and no program arguments");
                return -EINVAL;
        }
        if (!a->job.language && (a->source_path || optind >= argc)) {
                sbx_cli_error("nothing to run: give -- PROGRAM [ARGS...] or --language and "
                              "--source (see --help)");
                return -EINVAL;
        }
        if (a->stdin_path && a->source_path && !strcmp(a->stdin_path, "-") &&
            !strcmp(a->source_path, "-")) {
                sbx_cli_error("--stdin - and --source - cannot both read standard input");
                return -EINVAL;
        }
        a->job.argv = a->job.language ? NULL : (const char *const *)argv + optind;
        a->job.limits = a->limits;
        a->job.env = a->env;
        a->job.files = a->files;
        return 0;
}

/* Our stdin is open and not a terminal: a pipe, a file, /dev/null. */
static bool stdin_is_data(void)
{
        struct stat st;

        return fstat(0, &st) == 0 && !isatty(0);
}

/* The source and the program's stdin, read only now that the runtime is up: until then this
 * binary may still hand the command, stdin untouched, to sandboxrt-full. Like any command, the
 * program reads what is piped to us unless --stdin (or --source -) says otherwise. */
static int read_inputs(struct run_args *a)
{
        const char *in = a->stdin_path;
        int r = 0;

        if (a->source_path)
                r = read_input(a->source_path, &a->source_buf, &a->job.source_size);
        if (!in && !(a->source_path && !strcmp(a->source_path, "-")) && stdin_is_data())
                in = "-";
        if (r == 0 && in)
                r = read_input(in, &a->stdin_buf, &a->job.stdin_size);
        a->job.source = a->source_buf;
        a->job.stdin_data = a->stdin_buf;
        return r;
}

/* The light binary links only the native jail (see cli/CMakeLists.txt): a job for another backend
 * runs in sandboxrt-full. Decided before any input is read, so nothing is consumed twice. */
static bool wants_other_backend(int argc, char **argv)
{
        for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
                if (!strncmp(a, "--image", 7) || !strncmp(a, "--remote", 8))
                        return true;
                if (!strncmp(a, "--backend=", 10))
                        v = a + 10;
                else if (strcmp(a, "--backend"))
                        continue;
                if (strcmp(v, "native") && strcmp(v, "auto"))
                        return true;
        }
        return false;
}

static void print_text(const struct sbx_result *r)
{
        const struct sbx_result *c = r->compile;

        if (c && r->verdict == SBX_VERDICT_COMPILE_ERROR) {
                fwrite(c->out.data, 1, c->out.size, stderr);
                fwrite(c->err.data, 1, c->err.size, stderr);
        }
        fwrite(r->out.data, 1, r->out.size, stdout);
        fflush(stdout);
        fwrite(r->err.data, 1, r->err.size, stderr);
        if (r->verdict != SBX_VERDICT_OK)
                sbx_cli_print_summary(stderr, r);
}

static int run_main(int argc, char **argv)
{
        struct run_args a = {0};
        struct sbx_runtime *rt = NULL;
        struct sbx_result *res = NULL;
        struct sbx_error *err = NULL;
        int status = 2;
        int r;

        if (sbx_cli_light && wants_other_backend(argc, argv))
                return sbx_cli_exec_full(argc, argv);
        r = parse_args(argc, argv, &a);

        if (r != 0) {
                status = r > 0 ? 0 : 2;
                goto out;
        }
        r = sbx_runtime_new(&a.rt, &rt, &err);
        /* No native jail here: let sandboxrt-full try its other backends. */
        if (sbx_cli_light && r == -ENOTSUP) {
                run_args_release(&a);
                sbx_error_free(err);
                return sbx_cli_exec_full(argc, argv);
        }
        if (r < 0) {
                sbx_cli_error("%s", err->message);
                /* A policy file or directory that cannot be loaded is the caller's to fix. */
                status =
                    r == -EINVAL || r == -ENOENT ? SBX_CLI_EXIT_USAGE : SBX_CLI_EXIT_SANDBOX_ERROR;
                goto out;
        }
        if (read_inputs(&a) < 0)
                goto out;
        if (a.rt.verbose)
                sbx_cli_print_backend(stderr, rt);
        sbx_cli_warn_limits(stderr, rt);
        if ((r = sbx_run(rt, &a.job, &res, &err)) < 0) {
                sbx_cli_error("%s", err->message);
                /* A missing toolchain is the host's to fix, not the job's. */
                status = r == -ENOPKG ? SBX_CLI_EXIT_SANDBOX_ERROR : SBX_CLI_EXIT_USAGE;
                goto out;
        }
        if (a.rt.verbose && res->cgroup_entry)
                fprintf(stderr, "sandboxrt: the job was %s\n", res->cgroup_entry);
        if (a.json) {
                _cleanup_free_ char *json = sbx_result_to_json(res);
                puts(json ? json : "{}");
                if (a.rt.verbose)
                        sbx_cli_print_summary(stderr, res);
        } else {
                print_text(res);
        }
        status = sbx_cli_exit_status(res->verdict);
out:
        sbx_result_free(res);
        sbx_error_free(err);
        sbx_runtime_free(rt);
        run_args_release(&a);
        return status;
}

const struct sbx_command sbx_command_run = {"run", "run one program in a sandbox", run_main};
