/* Task files: every key kind, the promised messages for bad files (line, key path, nearest
 * key), overrides, the API key's sources and that it never reaches the written config. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "evaluator/config.h"
#include "util.h"

static struct sbx_eval_config *load_ok(const char *text, const char *dir,
                                       const struct sbx_eval_overrides *ov)
{
        struct sbx_eval_config *c = NULL;
        struct sbx_error *err = NULL;
        int r = sbx_eval_config_parse(text, strlen(text), "task.yaml", dir, ov, &c, &err);

        if (r < 0)
                fail_msg("unexpected error: %s", err && err->message ? err->message : "?");
        return c;
}

/* The error message for a task that must fail. */
static char *load_err(const char *name, const char *text, const struct sbx_eval_overrides *ov)
{
        struct sbx_eval_config *c = NULL;
        struct sbx_error *err = NULL;
        char *msg;

        assert_true(sbx_eval_config_parse(text, strlen(text), name, NULL, ov, &c, &err) < 0);
        assert_null(c);
        assert_non_null(err);
        msg = strdup(err->message);
        sbx_error_free(err);
        return msg;
}

#define expect_error(text, want)                                                                   \
        do {                                                                                       \
                char *m = load_err("task.yaml", text, NULL);                                       \
                if (!strstr(m, want))                                                              \
                        fail_msg("message '%s' lacks '%s'", m, want);                              \
                free(m);                                                                           \
        } while (0)

static bool has_warning(const struct sbx_eval_config *c, const char *want)
{
        for (size_t i = 0; c->warnings && c->warnings[i]; i++)
                if (strstr(c->warnings[i], want))
                        return true;
        return false;
}

static void test_full_task(void **state)
{
        struct sbx_eval_config *c = load_ok("model: qwen-plus\n"
                                            "eval_type: openai_api\n"
                                            "api_url: http://127.0.0.1:8000/v1\n"
                                            "api_key: sk-secret-123\n"
                                            "datasets: [humaneval, mbpp]\n"
                                            "dataset_args:\n"
                                            "  humaneval:\n"
                                            "    review_timeout: 2.5\n"
                                            "  gsm8k:\n"
                                            "    few_shot_num: 4\n"
                                            "eval_batch_size: 8\n"
                                            "limit: 0.25\n"
                                            "repeats: 3\n"
                                            "generation_config: {temperature: 0.2, n: 2, stop: "
                                            "[\"\\n\\n\"]}\n"
                                            "timeout: 30\n"
                                            "use_cache: outputs/x\n"
                                            "rerun_review: true\n"
                                            "eval_backend: Native\n"
                                            "sandbox:\n"
                                            "  enabled: true\n"
                                            "  engine: docker\n"
                                            "  pool_size: 3\n",
                                            NULL, NULL);

        assert_int_equal(c->model_kind, SBX_EVAL_MODEL_OPENAI);
        assert_string_equal(c->model, "qwen-plus");
        assert_string_equal(c->api_key, "sk-secret-123");
        assert_string_equal(c->api_key_from, "task file");
        assert_string_equal(c->datasets[1], "mbpp");
        assert_null(c->datasets[2]);
        assert_int_equal(c->eval_batch_size, 8);
        assert_true(c->limit_set && c->limit_is_fraction && c->limit_fraction == 0.25);
        assert_int_equal(c->repeats, 3);
        assert_int_equal(c->choices_per_request, 2);
        assert_int_equal(c->timeout_ms, 30000);
        assert_int_equal(c->jobs, 3);
        assert_true(c->rerun_review);
        assert_int_equal(sbx_eval_config_dataset_args(c, "humaneval")->review_timeout_ms, 2500);
        /* the benchmark's default is written in, so configs/ shows what ran */
        assert_int_equal(sbx_eval_config_dataset_args(c, "mbpp")->review_timeout_ms, 20000);
        assert_true(sbx_eval_config_dataset_args(c, "mbpp")->tolerance == 1e-6);
        /* sandbox.engine docker chooses the Docker backend */
        assert_string_equal(c->backend, "docker");
        assert_null(c->warnings); /* gsm8k args and eval_backend: Native are not warned about */
        char *yaml = sbx_eval_config_to_yaml(c);
        assert_null(strstr(yaml, "sk-secret-123"));
        assert_non_null(strstr(yaml, "api_key: '***'"));
        assert_non_null(strstr(yaml, "review_timeout: 2.5"));
        /* the written config loads again */
        struct sbx_eval_config *again = load_ok(yaml, NULL, NULL);
        assert_int_equal(again->model_kind, SBX_EVAL_MODEL_OPENAI);
        assert_int_equal(again->choices_per_request, 2);
        sbx_eval_config_free(again);
        free(yaml);
        sbx_eval_config_free(c);
}

static void test_json_task(void **state)
{
        struct sbx_eval_config *c = load_ok("{\"model\": \"reference\", \"datasets\": [\"mbpp\"], "
                                            "\"limit\": 5, \"dataset_args\": {\"mbpp\": "
                                            "{\"review_timeout\": 20}}}",
                                            NULL, NULL);

        assert_int_equal(c->model_kind, SBX_EVAL_MODEL_REFERENCE);
        assert_true(c->limit_set && !c->limit_is_fraction && c->limit_n == 5);
        assert_int_equal(sbx_eval_config_dataset_args(c, "mbpp")->review_timeout_ms, 20000);
        sbx_eval_config_free(c);
        expect_error("{\"model\": \"reference\", \"datasets\": [\"mbpp\"],}",
                     "task.yaml:1: JSON syntax error");
        expect_error("{\"datasets\": [\"mbpp\"], \"datasets\": []}", "duplicate key 'datasets'");
}

static void test_unknown_keys_warn(void **state)
{
        struct sbx_eval_config *c = load_ok("model: reference\n"
                                            "datasets: [humaneval]\n"
                                            "eval_batch_szie: 4\n"
                                            "dataset_args:\n"
                                            "  humaneval:\n"
                                            "    review_timout: 9\n"
                                            "  humanevl:\n"
                                            "    review_timeout: 9\n"
                                            "  gsm8k:\n"
                                            "    few_shot_num: 4\n"
                                            "frobnicate: 1\n",
                                            NULL, NULL);
        struct sbx_eval_overrides twice = {.datasets = "mbpp,humaneval,mbpp"};
        struct sbx_eval_config *d = load_ok("datasets: [mbpp]\n", NULL, &twice);

        assert_string_equal(d->datasets[1], "humaneval");
        assert_null(d->datasets[2]);
        assert_true(has_warning(d, "datasets: 'mbpp' is listed twice: run once"));
        sbx_eval_config_free(d);
        /* a subset too, under its own name or another of its language's */
        d = load_ok("datasets: [humaneval_x]\ndataset_args:\n  humaneval_x:\n"
                    "    subset_list: [python, cpp, py, python]\n",
                    NULL, NULL);
        const struct sbx_eval_dataset_args *hx = sbx_eval_config_dataset_args(d, "humaneval_x");
        assert_string_equal(hx->subset_list[0], "python");
        assert_string_equal(hx->subset_list[1], "cpp");
        assert_null(hx->subset_list[2]);
        assert_true(has_warning(d, "dataset_args.humaneval_x.subset_list: 'py' is 'python' "
                                   "again: run once"));
        assert_true(has_warning(d, "dataset_args.humaneval_x.subset_list: 'python' is listed "
                                   "twice: run once"));
        sbx_eval_config_free(d);

        assert_true(has_warning(c, "task.yaml:3: unknown key 'eval_batch_szie' ignored (did you "
                                   "mean 'eval_batch_size'?)"));
        assert_true(has_warning(c,
                                "task.yaml:6: unknown key 'dataset_args.humaneval.review_timout' "
                                "ignored (did you mean 'review_timeout'?)"));
        /* A typo of a benchmark's name loses its args: say so. Args of benchmarks that
         * sandboxrt does not run are EvalScope's, and silent. */
        assert_true(has_warning(c, "task.yaml:8: dataset_args.humanevl: sandboxrt runs no "
                                   "benchmark of that name: its args are ignored (did you mean "
                                   "'humaneval'?)"));
        assert_false(has_warning(c, "gsm8k"));
        assert_true(has_warning(c, "task.yaml:11: unknown key 'frobnicate' ignored"));
        assert_false(has_warning(c, "frobnicate' ignored (did you mean"));
        assert_int_equal(c->eval_batch_size, 1);
        sbx_eval_config_free(c);

        /* A samples file with an endpoint: the file's completions are judged, the endpoint is
         * not called, and the model's name labels the results. */
        c = load_ok("model: m\napi_url: http://127.0.0.1:1/v1\nsamples: s.jsonl\nrepeats: 3\n"
                    "datasets: [mbpp]\n",
                    NULL, NULL);
        assert_int_equal(c->model_kind, SBX_EVAL_MODEL_SAMPLES);
        assert_string_equal(c->model, "m");
        assert_true(has_warning(c, "samples: s.jsonl gives the completions: api_url "
                                   "http://127.0.0.1:1/v1 is not called"));
        assert_true(has_warning(c, "repeats: 3 has no effect with a samples file"));
        sbx_eval_config_free(c);

        /* generation_config as EvalScope's client uses it: its own settings apply here, and
         * what it never sends is said. */
        c = load_ok("model: m\napi_url: http://127.0.0.1:1/v1\ndatasets: [humaneval]\n"
                    "generation_config:\n  timeout: 9\n  retries: 2\n  retry_interval: 3\n"
                    "  batch_size: 4\n  do_sample: false\n  extra_body: {top_k: 20}\n",
                    NULL, NULL);
        assert_int_equal(c->timeout_ms, 9000);
        assert_int_equal(c->max_retries, 2);
        assert_int_equal(c->retry_interval_ms, 3000);
        assert_true(has_warning(c, "task.yaml:8: generation_config.batch_size: not sent; the "
                                   "requests in flight are eval_batch_size's"));
        assert_true(has_warning(c, "task.yaml:9: generation_config.do_sample: has no effect with "
                                   "an OpenAI-compatible API"));
        assert_false(has_warning(c, "extra_body"));
        sbx_eval_config_free(c);
}

static void test_type_errors(void **state)
{
        expect_error(
            "datasets: [humaneval]\ndataset_args:\n  humaneval:\n    review_timeout: fast\n",
            "task.yaml:4: dataset_args.humaneval.review_timeout: expected a number of "
            "seconds, got a string");
        /* A task is text: the config a run writes is YAML, which holds nothing else. A byte
         * that is not UTF-8 is refused where it is, in the file or on the command line. */
        expect_error("datasets: [humaneval]\n\nwork_dir: /tmp/w\xffx\n",
                     "task.yaml:3: not UTF-8 text (byte 0xff)");
        expect_error("{\"datasets\": [\"mbpp\"],\n \"samples\": \"s\xc3\"}",
                     "task.yaml:2: not UTF-8 text (byte 0xc3)");
        struct sbx_eval_overrides latin1 = {.work_dir = "/tmp/caf\xe9"};
        char *msg = load_err("task.yaml", "datasets: [humaneval]\n", &latin1);
        if (!strstr(msg, "--work-dir: not UTF-8 text (byte 0xe9)"))
                fail_msg("message '%s'", msg);
        free(msg);
        expect_error("datasets: [humaneval]\nwork_dir: ''\n", "task.yaml: work_dir is empty");
        expect_error("datasets: [humaneval]\nuse_cache: ''\n", "task.yaml: use_cache is empty");
        expect_error("datasets: [humaneval]\neval_batch_size: -1\n",
                     "task.yaml:2: eval_batch_size: -1 is out of range (1 to 4096)");
        expect_error("datasets: [humaneval]\neval_batch_size: '4'\n",
                     "eval_batch_size: expected a whole number, got a string");
        expect_error("datasets: [humaneval]\nrepeats: 2.5\n",
                     "repeats: expected a whole number, got a number");
        expect_error("datasets: humaneval\nlimit: lots\n",
                     "task.yaml:2: limit: expected a number of samples from 1 (e.g. 10) or a "
                     "fraction");
        expect_error("datasets: [humaneval]\nlimit: 0\n", "limit: expected a number of samples "
                                                          "from 1");
        expect_error("datasets: [humaneval]\nlimit: 1.5\n", "limit: expected");
        expect_error("datasets: [humaneval]\nuse_sandbox: maybe\n",
                     "use_sandbox: expected true or false, got a string");
        expect_error("datasets: {humaneval: 1}\n",
                     "datasets: expected a list of strings, got a mapping");
        expect_error("datasets: [humaneval]\ndataset_args: [1]\n",
                     "dataset_args: expected a mapping of benchmark names, got a list");
        expect_error("datasets: [humaneval]\ngeneration_config: {extra_body: [1]}\n",
                     "generation_config.extra_body: expected a mapping, got a list");
        expect_error("datasets: [humaneval]\ngeneration_config: {extra_headers: {\"X: y\": 1}}\n",
                     "generation_config.extra_headers: 'X: y' is not a header name");
        expect_error(
            "datasets: [humaneval]\ngeneration_config:\n  extra_headers: {X-A: \"a\\r\\nB: c\"}\n",
            "generation_config.extra_headers: X-A: expected a value of one line");
        expect_error("datasets: [humaneval]\ngeneration_config: 3\n",
                     "generation_config: expected a mapping, got a number");
        expect_error("datasets: [humaneval]\ndataset_args:\n  humaneval: [1]\n",
                     "dataset_args.humaneval: expected a mapping, got a list");
        expect_error("datasets: [humaneval]\nbackend: kvm\n",
                     "backend: unknown backend 'kvm' (use auto, native, docker or remote)");
}

static void test_value_errors(void **state)
{
        expect_error("datasets: [humanevl]\n",
                     "task.yaml:1: datasets: unknown benchmark 'humanevl' (did you mean "
                     "'humaneval'?) (sandboxrt runs: humaneval, mbpp, live_code_bench, "
                     "humaneval_plus, mbpp_plus, humaneval_x, mbxp, multiple, "
                     "multiple_humaneval, multiple_mbpp)");
        expect_error("model: reference\n", "no datasets");
        /* Two sources of completions are a contradiction, not a choice made silently. */
        expect_error("model: reference\nsamples: s.jsonl\ndatasets: [mbpp]\n",
                     "model: 'reference' runs the canonical solutions and samples: s.jsonl "
                     "gives completions: choose one");
        expect_error("model: a.jsonl\nsamples: b.jsonl\ndatasets: [mbpp]\n",
                     "model: a.jsonl and samples: b.jsonl are two samples files: choose one");
        /* On the command line, one replaces the task file's. */
        struct sbx_eval_overrides by_flag = {.samples = "s.jsonl"};
        struct sbx_eval_config *c = load_ok("model: reference\ndatasets: [mbpp]\n", NULL, &by_flag);
        assert_int_equal(c->model_kind, SBX_EVAL_MODEL_SAMPLES);
        assert_string_equal(c->model, "s");
        sbx_eval_config_free(c);
        by_flag = (struct sbx_eval_overrides){.model = "reference"};
        c = load_ok("samples: s.jsonl\ndatasets: [mbpp]\n", NULL, &by_flag);
        assert_int_equal(c->model_kind, SBX_EVAL_MODEL_REFERENCE);
        sbx_eval_config_free(c);
        expect_error("model: gpt-4o\ndatasets: [mbpp]\n",
                     "model: 'gpt-4o' needs eval_type: openai_api and api_url");
        expect_error("model: gpt-4o\neval_type: openai_api\ndatasets: [mbpp]\n",
                     "api_url: eval_type openai_api needs api_url");
        expect_error("model: m\neval_type: checkpoint\ndatasets: [mbpp]\n",
                     "eval_type: 'checkpoint' is not supported");
        expect_error("datasets: [mbpp]\nsandbox:\n  default_config:\n    memory_limit: lots\n",
                     "task.yaml:4: sandbox.default_config.memory_limit: expected a size such as");
        expect_error("datasets: [mbpp]\ndataset_args:\n  mbpp:\n    sandbox_config:\n"
                     "      limits: [wall=soon]\n",
                     "dataset_args.mbpp.sandbox_config.limits: limit wall");
        expect_error("- a\n- b\n",
                     "task.yaml: a task file is a mapping of TaskConfig keys, got a list");
        expect_error("model: [\n", "task.yaml:2:1: YAML syntax error");
        expect_error("a: &x 1\nb: *x\n", "task.yaml:2: YAML aliases are not supported");
        expect_error("datasets: [mbpp]\ndatasets: [humaneval]\n",
                     "task.yaml:2: duplicate key 'datasets'");
}

static void test_overrides(void **state)
{
        struct sbx_eval_overrides ov = {.datasets = "mbpp, humaneval",
                                        .limit = "0.5",
                                        .model = "reference",
                                        .jobs = "3",
                                        .all_tests = true};
        struct sbx_eval_config *c =
            load_ok("model: qwen\neval_type: openai_api\n"
                    "api_url: http://127.0.0.1:1/v1\ndatasets: [live_code_bench]\n",
                    NULL, &ov);
        char *m;

        assert_int_equal(c->model_kind, SBX_EVAL_MODEL_REFERENCE);
        assert_string_equal(c->datasets[0], "mbpp");
        assert_string_equal(c->datasets[1], "humaneval");
        assert_true(c->limit_is_fraction && c->limit_fraction == 0.5);
        assert_int_equal(c->jobs, 3);
        assert_true(c->all_tests);
        sbx_eval_config_free(c);
        ov = (struct sbx_eval_overrides){.limit = "-3"};
        m = load_err("task.yaml", "datasets: [mbpp]\n", &ov);
        assert_non_null(strstr(m, "--limit: expected a number of samples from 1 or a fraction"));
        free(m);
        ov = (struct sbx_eval_overrides){.datasets = "mbpp,foo"};
        m = load_err("task.yaml", "datasets: [mbpp]\n", &ov);
        assert_non_null(strstr(m, "--datasets: unknown benchmark 'foo'"));
        free(m);
        /* no task file at all */
        ov = (struct sbx_eval_overrides){.datasets = "humaneval", .samples = "/tmp/s.jsonl"};
        struct sbx_error *err = NULL;
        assert_int_equal(sbx_eval_config_load(NULL, &ov, &c, &err), 0);
        assert_int_equal(c->model_kind, SBX_EVAL_MODEL_SAMPLES);
        assert_string_equal(c->model, "s");
        sbx_eval_config_free(c);
}

static void test_sandbox_merge(void **state)
{
        struct sbx_eval_config *c = load_ok("datasets: [mbpp]\n"
                                            "sandbox:\n"
                                            "  default_config:\n"
                                            "    memory_limit: 1G\n"
                                            "    cpu_limit: \"2.0\"\n"
                                            "    image: python:3.11-slim\n"
                                            "dataset_args:\n"
                                            "  mbpp:\n"
                                            "    review_timeout: 7\n"
                                            "    sandbox_config:\n"
                                            "      policy: strict\n"
                                            "      limits: [memory=256m]\n"
                                            "      network_enabled: true\n",
                                            NULL, NULL);
        struct sbx_eval_sandbox_config sb;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_eval_config_sandbox(c, "mbpp", 20000, &sb, &err), 0);
        assert_string_equal(sb.policy, "strict");
        /* review_timeout is CPU time; the wall clock gets three times that */
        assert_string_equal(sb.limits[0], "wall=21000ms");
        assert_string_equal(sb.limits[1], "cpu=7000ms");
        assert_string_equal(sb.limits[2], "output=16m");
        assert_string_equal(sb.limits[3], "memory=1g");
        assert_string_equal(sb.limits[4], "cpus=2.000");
        assert_string_equal(sb.limits[5], "memory=256m"); /* the dataset's wins: it comes last */
        assert_null(sb.limits[6]);
        assert_true(has_warning(c, "network_enabled: ignored"));
        assert_string_equal(sb.image, "python:3.11-slim"); /* the Docker backend's image */
        sbx_eval_sandbox_config_release(&sb);
        assert_int_equal(sbx_eval_config_sandbox(c, "humaneval", 4000, &sb, &err), 0);
        assert_string_equal(sb.limits[0], "wall=12000ms");
        assert_null(sb.policy);
        sbx_eval_sandbox_config_release(&sb);
        sbx_eval_config_free(c);
}

/* Keys that decide how judging works, and keys that do nothing here (warned about). */
static void test_judging_keys(void **state)
{
        struct sbx_eval_config *c = load_ok("datasets: [live_code_bench, humaneval]\n"
                                            "judge_worker_num: 5\n"
                                            "sandbox_type: docker\n"
                                            "stream: true\n"
                                            "eval_backend: OpenCompass\n"
                                            "debug: false\n"
                                            "dataset_args:\n"
                                            "  live_code_bench:\n"
                                            "    tolerance: 0\n"
                                            "    extra_params:\n"
                                            "      start_date: 2024-01-01\n"
                                            "      end_date: '2024-06-30'\n"
                                            "    shuffle: true\n"
                                            "    sandbox_config:\n"
                                            "      image: sandboxrt-test/python:3.11\n"
                                            "      tools_config: {python_executor: {}}\n"
                                            "  humaneval:\n"
                                            "    extra_params: {start_date: 2024-01-01}\n",
                                            NULL, NULL);
        const struct sbx_eval_dataset_args *lcb =
            sbx_eval_config_dataset_args(c, "live_code_bench");
        struct sbx_eval_sandbox_config sb;
        struct sbx_error *err = NULL;

        assert_int_equal(c->jobs, 5); /* judge_worker_num: executions in parallel */
        assert_string_equal(c->backend, "docker");
        assert_true(lcb->tolerance == 0); /* 0 is exact, not "the default" */
        assert_string_equal(lcb->start_date, "2024-01-01");
        assert_string_equal(lcb->end_date, "2024-06-30");
        assert_int_equal(lcb->review_timeout_ms, 6000);
        assert_true(has_warning(c, "task.yaml:4: stream has no effect in sandboxrt"));
        assert_true(has_warning(c, "task.yaml:5: eval_backend has no effect"));
        assert_false(has_warning(c, "debug has no effect"));
        assert_true(has_warning(c, "dataset_args.live_code_bench.shuffle has no effect"));
        assert_true(has_warning(c, "sandbox_config.tools_config has no effect"));
        assert_true(has_warning(c, "dataset_args.humaneval.extra_params: start_date and end_date "
                                   "only select LiveCodeBench problems"));
        assert_int_equal(sbx_eval_config_sandbox(c, "live_code_bench", 6000, &sb, &err), 0);
        assert_string_equal(sb.image, "sandboxrt-test/python:3.11");
        sbx_eval_sandbox_config_release(&sb);
        char *yaml = sbx_eval_config_to_yaml(c);
        assert_non_null(strstr(yaml, "    tolerance: 0\n")); /* the resolved values */
        assert_non_null(strstr(yaml, "    tolerance: 1e-06\n"));
        assert_non_null(strstr(yaml, "    review_timeout: 4\n"));
        assert_non_null(strstr(yaml, "      start_date: 2024-01-01\n"));
        struct sbx_eval_config *again = load_ok(yaml, NULL, NULL);
        assert_true(sbx_eval_config_dataset_args(again, "live_code_bench")->tolerance == 0);
        sbx_eval_config_free(again);
        free(yaml);
        sbx_eval_config_free(c);

        c = load_ok("datasets: [humaneval]\nsandbox: {engine: volcengine}\n", NULL, NULL);
        assert_string_equal(c->backend, "auto");
        assert_true(has_warning(c, "'volcengine' is not an engine sandboxrt has"));
        sbx_eval_config_free(c);
        c = load_ok("datasets: [humaneval]\nsandbox_type: docker\nbackend: native\n", NULL, NULL);
        assert_string_equal(c->backend, "native"); /* an explicit backend wins */
        sbx_eval_config_free(c);
        expect_error("datasets: [live_code_bench]\ndataset_args:\n  live_code_bench:\n"
                     "    extra_params: {end_date: 2024-02-30}\n",
                     "task.yaml:4: dataset_args.live_code_bench.extra_params.end_date: expected a "
                     "date as YYYY-MM-DD, got '2024-02-30'");
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char *path = sbx_strdup_printf("%s/%s", dir, name);
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        free(path);
}

static void test_api_key_sources(void **state)
{
        char dir[] = "/tmp/sbx-eval-config-XXXXXX";
        const char *task = "model: m\neval_type: service\napi_url: http://127.0.0.1:9/v1\n"
                           "datasets: [humaneval]\n";
        struct sbx_eval_config *c;

        assert_non_null(mkdtemp(dir));
        unsetenv("SANDBOXRT_API_KEY");
        unsetenv("OPENAI_API_KEY");
        c = load_ok(task, dir, NULL);
        assert_null(c->api_key); /* a local server without auth */
        sbx_eval_config_free(c);

        write_file(dir, ".env",
                   "# keys\nexport OPENAI_API_KEY='from-dotenv' # comment\n"
                   "DASH_KEY=\"dash-123\"\n");
        c = load_ok(task, dir, NULL);
        assert_string_equal(c->api_key, "from-dotenv");
        assert_string_equal(c->api_key_from, ".env");
        sbx_eval_config_free(c);

        setenv("OPENAI_API_KEY", "from-env", 1); /* the environment wins over .env */
        c = load_ok(task, dir, NULL);
        assert_string_equal(c->api_key, "from-env");
        assert_string_equal(c->api_key_from, "environment");
        sbx_eval_config_free(c);
        unsetenv("OPENAI_API_KEY");

        char *with_var = sbx_strdup_printf("%sapi_key: ${DASH_KEY}\n", task);
        c = load_ok(with_var, dir, NULL);
        assert_string_equal(c->api_key, "dash-123");
        char *yaml = sbx_eval_config_to_yaml(c);
        assert_null(strstr(yaml, "dash-123"));
        assert_null(strstr(yaml, "DASH_KEY"));
        free(yaml);
        sbx_eval_config_free(c);
        free(with_var);

        with_var = sbx_strdup_printf("%sapi_key: ${NOT_SET_ANYWHERE}\n", task);
        struct sbx_error *err = NULL;
        assert_true(
            sbx_eval_config_parse(with_var, strlen(with_var), "t.yaml", dir, NULL, &c, &err) < 0);
        assert_non_null(strstr(err->message, "api_key: ${NOT_SET_ANYWHERE} is set neither in the "
                                             "environment nor in a .env"));
        sbx_error_free(err);
        free(with_var);

        char *env = sbx_strdup_printf("%s/.env", dir);
        unlink(env);
        free(env);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_full_task),         cmocka_unit_test(test_json_task),
            cmocka_unit_test(test_unknown_keys_warn), cmocka_unit_test(test_type_errors),
            cmocka_unit_test(test_value_errors),      cmocka_unit_test(test_overrides),
            cmocka_unit_test(test_sandbox_merge),     cmocka_unit_test(test_judging_keys),
            cmocka_unit_test(test_api_key_sources),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
