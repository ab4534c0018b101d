/* The runtime API against the real native jail: one-shot jobs, stateful sandboxes, parallel
 * runs from many threads, and the errors a caller gets for invalid jobs. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandboxrt.h"
#include "tests/launcher_procs.h"
#include "tests/time_scale.h"

static struct sbx_runtime *rt;

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static struct sbx_result *run(const struct sbx_job *job)
{
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;

        if (sbx_run(rt, job, &r, &err) < 0)
                fail_msg("sbx_run: %s", err->message);
        return r;
}

static void one_shot(void **state)
{
        struct sbx_job job = {.argv = ARGV("/bin/sh", "-c", "read x; echo got $x; echo e >&2"),
                              .stdin_data = "42\n",
                              .stdin_size = 3};
        struct sbx_result *r = run(&job);

        assert_int_equal(r->verdict, SBX_VERDICT_OK);
        assert_string_equal(r->out.data, "got 42\n");
        assert_string_equal(r->err.data, "e\n");
        assert_string_equal(r->backend, "native");
        sbx_result_free(r);
}

static void invalid_jobs(void **state)
{
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;
        struct sbx_job no_lang = {.language = "cobol", .source = "x", .source_size = 1};
        struct sbx_job no_policy = {.argv = ARGV("/bin/true"), .policy = "nope"};
        struct sbx_job bad_limit = {.argv = ARGV("/bin/true"), .limits = ARGV("memory=lots")};
        struct sbx_job both = {.argv = ARGV("/bin/true"), .language = "python"};

        assert_int_equal(sbx_run(rt, &no_lang, &r, &err), -EINVAL);
        assert_non_null(strstr(err->message, "cobol"));
        err = sbx_error_free(err);
        assert_true(sbx_run(rt, &no_policy, &r, &err) < 0);
        assert_non_null(strstr(err->message, "nope"));
        err = sbx_error_free(err);
        assert_true(sbx_run(rt, &bad_limit, &r, &err) < 0);
        assert_non_null(strstr(err->message, "memory"));
        err = sbx_error_free(err);
        assert_int_equal(sbx_run(rt, &both, &r, &err), -EINVAL);
        err = sbx_error_free(err);
        assert_null(r);
}

static void stateful_sandbox(void **state)
{
        struct sbx_sandbox *sb = NULL;
        struct sbx_error *err = NULL;
        struct sbx_output out = {0};
        struct sbx_file in = {.path = "data/in.txt", .data = "hello", .size = 5};

        assert_int_equal(sbx_sandbox_create(rt, NULL, &sb, &err), 0);
        assert_int_equal(sbx_sandbox_write_file(sb, &in, &err), 0);

        struct sbx_job write = {.argv = ARGV("/bin/sh", "-c",
                                             "cat data/in.txt > out.txt; echo tmp > /tmp/t; "
                                             "ln -s /etc/passwd link; sleep 60 &")};
        struct sbx_result *r = NULL;
        assert_int_equal(sbx_sandbox_run(sb, &write, &r, &err), 0);
        assert_int_equal(r->verdict, SBX_VERDICT_OK);
        r = sbx_result_free(r);

        /* The work dir and /tmp persist (as in one ms-enclave container); processes do not. */
        struct sbx_job check = {.argv = ARGV("/bin/sh", "-c",
                                             "cat out.txt; cat /tmp/t; "
                                             "ps -e -o comm= 2>/dev/null | grep -c sleep")};
        assert_int_equal(sbx_sandbox_run(sb, &check, &r, &err), 0);
        assert_string_equal(r->out.data, "hellotmp\n0\n");
        r = sbx_result_free(r);

        assert_int_equal(sbx_sandbox_read_file(sb, "out.txt", 3, &out, &err), 0);
        assert_string_equal(out.data, "hel");
        assert_true(out.truncated);
        free(out.data);
        /* A path that ends with / names a directory: no file is written or read by it. */
        struct sbx_file slash = {.path = "newf/", .data = "x", .size = 1};
        assert_int_equal(sbx_sandbox_write_file(sb, &slash, &err), -EISDIR);
        assert_non_null(strstr(err->message, "newf/ ends with /"));
        err = sbx_error_free(err);
        assert_int_equal(sbx_sandbox_read_file(sb, "out.txt/", 100, &out, &err), -ENOTDIR);
        err = sbx_error_free(err);

        /* The host never follows a link planted by the sandbox, nor walks out of it. */
        assert_true(sbx_sandbox_read_file(sb, "link", 100, &out, &err) < 0);
        err = sbx_error_free(err);
        assert_int_equal(sbx_sandbox_read_file(sb, "../../etc/passwd", 100, &out, &err), -EINVAL);
        err = sbx_error_free(err);
        struct sbx_file escape = {.path = "link/../x", .data = "x", .size = 1};
        assert_true(sbx_sandbox_write_file(sb, &escape, &err) < 0);
        err = sbx_error_free(err);

        assert_int_equal(sbx_sandbox_remove_file(sb, "data", &err), 0);
        assert_true(sbx_sandbox_read_file(sb, "data/in.txt", 100, &out, &err) < 0);
        err = sbx_error_free(err);

        /* A compiled language in a sandbox leaves its binary for the next job. */
        struct sbx_job c = {.language = "c",
                            .source = "#include <stdio.h>\nint main(void){puts(\"c ok\");}\n"};
        c.source_size = strlen(c.source);
        assert_int_equal(sbx_sandbox_run(sb, &c, &r, &err), 0);
        assert_int_equal(r->verdict, SBX_VERDICT_OK);
        assert_non_null(r->compile);
        assert_string_equal(r->out.data, "c ok\n");
        r = sbx_result_free(r);
        struct sbx_job again = {.argv = ARGV("./main")};
        assert_int_equal(sbx_sandbox_run(sb, &again, &r, &err), 0);
        assert_string_equal(r->out.data, "c ok\n");
        sbx_result_free(r);
        sbx_sandbox_destroy(sb);
}

#define THREADS 8
#define RUNS    4

static void *worker(void *arg)
{
        intptr_t id = (intptr_t)arg, ok = 0;
        char code[64];

        for (int i = 0; i < RUNS; i++) {
                snprintf(code, sizeof(code), "print(%d * 1000 + %d)", (int)id, i);
                struct sbx_job job = {.argv = ARGV("/usr/bin/python3", "-c", code)};
                struct sbx_result *r = NULL;
                struct sbx_error *err = NULL;
                char want[32];
                snprintf(want, sizeof(want), "%d\n", (int)id * 1000 + i);
                if (sbx_run(rt, &job, &r, &err) == 0 && r->verdict == SBX_VERDICT_OK &&
                    !strcmp(r->out.data, want))
                        ok++;
                sbx_result_free(r);
                sbx_error_free(err);
        }
        return (void *)ok;
}

static void parallel_runs(void **state)
{
        pthread_t t[THREADS];
        intptr_t total = 0;

        for (intptr_t i = 0; i < THREADS; i++)
                assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)i), 0);
        for (int i = 0; i < THREADS; i++) {
                void *ok;
                pthread_join(t[i], &ok);
                total += (intptr_t)ok;
        }
        assert_int_equal(total, THREADS * RUNS);
}

static void *close_later(void *arg)
{
        usleep(300 * 1000);
        close(*(int *)arg);
        return NULL;
}

/* A job whose cancel fd hangs up ends at once, as a sandbox error, and its processes die. */
static void cancel(void **state)
{
        int p[2];
        pthread_t t;
        struct sbx_job job = {.argv = ARGV("/bin/sh", "-c", "sleep 7.77; echo done"),
                              .limits = ARGV("wall=20s")};
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(pipe(p), 0);
        job.cancel_fd = p[0];
        assert_int_equal(pthread_create(&t, NULL, close_later, &p[1]), 0);
        uint64_t t0 = (uint64_t)time(NULL);
        assert_int_equal(sbx_run(rt, &job, &r, &err), 0);
        pthread_join(t, NULL);
        assert_int_equal(r->verdict, SBX_VERDICT_SANDBOX_ERROR);
        assert_non_null(strstr(r->message, "cancelled"));
        assert_true((uint64_t)time(NULL) - t0 < scaled_ms(5000) / 1000);
        sbx_result_free(r);
        close(p[0]);
        usleep(scaled_ms(500) * 1000);
        assert_int_not_equal(system("pgrep -f 'slee[p] 7.77' >/dev/null"), 0);
}

static void *wait_for_byte(void *arg)
{
        char c;

        return (void *)(intptr_t)read(*(int *)arg, &c, 1);
}

/* With another thread running, a runtime opens by spawning the launcher binary; without one
 * to spawn it refuses (it would have to fork a threaded process). */
static void threads(void **state)
{
        struct sbx_runtime *second = NULL;
        struct sbx_error *err = NULL;
        struct sbx_runtime_options opts = {.backend = "native"};
        struct sbx_result *r = NULL;
        struct sbx_job job = {.argv = ARGV("/bin/echo", "spawned")};
        int p[2];
        pthread_t t;

        assert_int_equal(pipe(p), 0);
        assert_int_equal(pthread_create(&t, NULL, wait_for_byte, &p[0]), 0);
        assert_int_equal(sbx_runtime_new(&opts, &second, &err), 0);
        assert_int_equal(sbx_run(second, &job, &r, &err), 0);
        assert_string_equal(r->out.data, "spawned\n");
        r = sbx_result_free(r);
        second = sbx_runtime_free(second);

        setenv("SANDBOXRT_LAUNCHER", "/nonexistent/sandboxrt", 1);
        assert_int_equal(sbx_runtime_new(&opts, &second, &err), -EBUSY);
        unsetenv("SANDBOXRT_LAUNCHER");
        assert_null(second);
        assert_non_null(strstr(err->message, "threads"));
        sbx_error_free(err);
        assert_int_equal(write(p[1], "x", 1), 1);
        pthread_join(t, NULL);
        close(p[0]);
        close(p[1]);
}

/* A client's job is held to its ceiling (here "strict": 5s wall, 256m, 16 pids, no network);
 * the operator's (no ceiling) only to the policy files' own bounds. */
static void ceilings(void **state)
{
        struct sbx_ceiling *strict = NULL, *open_net = NULL;
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_ceiling_new(rt, "strict", false, &strict, &err), 0);
        assert_int_equal(sbx_ceiling_new(rt, "strict", true, &open_net, &err), 0);
        assert_string_equal(sbx_ceiling_policy(strict)->name, "strict");
        assert_false(sbx_ceiling_allows_network(strict));

        struct sbx_job above = {
            .argv = ARGV("/bin/true"), .limits = ARGV("pids=17", "wall=1s"), .ceiling = strict};
        assert_int_equal(sbx_run(rt, &above, &r, &err), -SBX_ECEILING);
        assert_non_null(strstr(err->message, "limit pids=17"));
        assert_non_null(strstr(err->message, "pids=16 (policy 'strict')"));
        err = sbx_error_free(err);
        assert_int_equal(sbx_check(rt, &above, &err), -SBX_ECEILING);
        err = sbx_error_free(err);
        struct sbx_job named = {.argv = ARGV("/bin/true"), .policy = "default", .ceiling = strict};
        assert_int_equal(sbx_run(rt, &named, &r, &err), -SBX_ECEILING);
        /* The wall limit as the policy dir says (tests/common.sh may scale it). */
        assert_non_null(strstr(err->message, "wall="));
        assert_non_null(strstr(err->message, " (from policy 'default')"));
        err = sbx_error_free(err);
        struct sbx_job net = {
            .argv = ARGV("/bin/true"), .limits = ARGV("network=loopback"), .ceiling = strict};
        assert_int_equal(sbx_run(rt, &net, &r, &err), -SBX_ECEILING);
        assert_non_null(strstr(err->message, "network"));
        err = sbx_error_free(err);
        net.ceiling = open_net;
        r = run(&net);
        assert_int_equal(r->verdict, SBX_VERDICT_OK);
        r = sbx_result_free(r);
        assert_null(r);

        /* Below the ceiling: honoured; no policy named: the ceiling's own. */
        struct sbx_job below = {.argv = ARGV("/bin/sh", "-c", "ulimit -n"),
                                .limits = ARGV("open_files=32"),
                                .ceiling = strict};
        r = run(&below);
        assert_string_equal(r->out.data, "32\n");
        r = sbx_result_free(r);
        below.limits = NULL;
        r = run(&below);
        assert_string_equal(r->out.data, "64\n"); /* strict's open_files */
        r = sbx_result_free(r);
        /* The operator's job: up to the policy files' bounds. */
        struct sbx_job operator= {.argv = ARGV("/bin/true"), .limits = ARGV("pids=65536")};
        r = run(&operator);
        assert_int_equal(r->verdict, SBX_VERDICT_OK);
        r = sbx_result_free(r);

        /* Sandboxes: their config and each job's overrides. */
        struct sbx_sandbox *sb = NULL;
        struct sbx_sandbox_options big = {.limits = ARGV("memory=1g"), .ceiling = strict};
        assert_int_equal(sbx_sandbox_create(rt, &big, &sb, &err), -SBX_ECEILING);
        assert_null(sb);
        assert_non_null(strstr(err->message, "memory=1g"));
        err = sbx_error_free(err);
        struct sbx_sandbox_options small = {.limits = ARGV("memory=128m"), .ceiling = strict};
        assert_int_equal(sbx_sandbox_create(rt, &small, &sb, &err), 0);
        /* Just above and below strict's wall (5 s, or as tests/common.sh scaled it). */
        uint64_t wall_ms = sbx_ceiling_policy(strict)->limits.wall_ms;
        char above_wall[32], below_wall[32];
        snprintf(above_wall, sizeof(above_wall), "wall=%llums", (unsigned long long)wall_ms + 1000);
        snprintf(below_wall, sizeof(below_wall), "wall=%llums", (unsigned long long)wall_ms - 1000);
        sbx_ceiling_free(strict); /* the sandbox holds a copy */
        struct sbx_job slow = {.argv = ARGV("/bin/true"), .limits = ARGV(above_wall)};
        assert_int_equal(sbx_sandbox_run(sb, &slow, &r, &err), -SBX_ECEILING);
        assert_non_null(strstr(err->message, above_wall));
        err = sbx_error_free(err);
        slow.limits = ARGV(below_wall);
        assert_int_equal(sbx_sandbox_run(sb, &slow, &r, &err), 0);
        r = sbx_result_free(r);
        assert_int_equal(sbx_sandbox_close(sb, &err), 0);
        sbx_ceiling_free(open_net);

        assert_int_equal(sbx_ceiling_new(rt, "nope", false, &strict, &err), -ENOENT);
        assert_non_null(strstr(err->message, "ceiling"));
        sbx_error_free(err);
}

/* The runtime's own ceiling holds every job that names none; the compile step (the operator's
 * "compile" policy, 2g and 256 pids) is not held to it. */
static void runtime_ceiling(void **state)
{
        struct sbx_runtime_options opts = {.backend = "native", .ceiling = "strict"};
        struct sbx_runtime *held = NULL;
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_runtime_new(&opts, &held, &err), 0);
        struct sbx_job job = {.argv = ARGV("/bin/true"), .limits = ARGV("memory=512m")};
        assert_int_equal(sbx_run(held, &job, &r, &err), -SBX_ECEILING);
        err = sbx_error_free(err);
        struct sbx_job c = {
            .language = "c", .source = "int main(void){return 0;}", .source_size = 25};
        assert_int_equal(sbx_run(held, &c, &r, &err), 0);
        assert_int_equal(r->verdict, SBX_VERDICT_OK);
        assert_non_null(r->compile);
        sbx_result_free(r);
        sbx_runtime_free(held);
}

static int supervisors(pid_t launcher)
{
        return children(launcher, "sbx-supervisor", NULL, 0);
}

/* Waits (up to 10 s) until launcher has n supervisors; their number then. */
static int supervisors_become(pid_t launcher, int n)
{
        int have;

        for (uint64_t waited = 0; (have = supervisors(launcher)) != n && waited < scaled_ms(10000);
             waited += 20)
                usleep(20000);
        return have;
}

/* How many of the launcher's supervisors have prepared a jail: its init, a clone of the
 * supervisor (and so of its name), is their child. */
static int with_jail(pid_t launcher)
{
        pid_t sup[8];
        int n = children(launcher, "sbx-supervisor", sup, 8), jails = 0;

        for (int i = 0; i < n && i < 8; i++)
                jails += children(sup[i], "sbx-supervisor", NULL, 0) > 0;
        return jails;
}

/* Waits (up to 10 s) until launcher has n supervisors, each with a jail prepared: n ready ones,
 * the supervisors of jobs that ended gone (one not yet reaped would be replaced later). */
static void ready_become(pid_t launcher, int n)
{
        int have, jails = 0;

        for (uint64_t waited = 0;
             ((have = supervisors(launcher)) != n || (jails = with_jail(launcher)) != n) &&
             waited < scaled_ms(10000);
             waited += 20)
                usleep(20000);
        assert_int_equal(have, n);
        assert_int_equal(jails, n);
}

/* A runtime of its own whose launcher has two supervisors ready, each with a jail prepared, as
 * after two jobs; returns the launcher. */
static pid_t with_two_ready(struct sbx_runtime **own)
{
        struct sbx_runtime_options opts = {.backend = "native"};
        struct sbx_job quick = {.argv = ARGV("/bin/true")};
        pid_t launcher = open_with_launcher(&opts, own);

        for (int i = 0; i < 2; i++) {
                struct sbx_result *res = NULL;
                assert_int_equal(sbx_run(*own, &quick, &res, NULL), 0);
                assert_int_equal(res->verdict, SBX_VERDICT_OK);
                sbx_result_free(res);
        }
        ready_become(launcher, 2);
        return launcher;
}

struct job_in {
        struct sbx_runtime *rt;
        const struct sbx_job *job;
};

static void *run_in_thread(void *arg)
{
        const struct job_in *in = arg;
        struct sbx_result *r = NULL;

        return sbx_run(in->rt, in->job, &r, NULL) == 0 ? r : NULL;
}

/* Each supervisor prepares a jail for its next job, which costs CPU: one prepared beside a job
 * slows it down. So the launcher starts with one, keeps two ready (one more than jobs running)
 * once a second job came, and spawns a job's replacement after that job, not beside it. */
static void spare_supervisors(void **state)
{
        struct sbx_runtime_options opts = {.backend = "native"};
        struct sbx_job quick = {.argv = ARGV("/bin/true")};
        /* Far longer than the checks below take, even on a loaded machine: its end spawns one. */
        struct sbx_job slow = {.argv = ARGV("/bin/sleep", "3")};
        struct sbx_runtime *own = NULL;
        struct sbx_error *err = NULL;
        pthread_t t;
        void *r;

        pid_t launcher = open_with_launcher(&opts, &own);

        assert_int_equal(supervisors_become(launcher, 1), 1); /* the first job's */
        for (int i = 0; i < 2; i++) {
                struct sbx_result *res = NULL;
                assert_int_equal(sbx_run(own, &quick, &res, &err), 0);
                assert_int_equal(res->verdict, SBX_VERDICT_OK);
                sbx_result_free(res);
        }
        ready_become(launcher, 2);

        /* A job takes one; one stays ready, and no third is prepared beside the job. */
        struct job_in in = {own, &slow};
        assert_int_equal(pthread_create(&t, NULL, run_in_thread, &in), 0);
        for (int i = 0; i < 8; i++) {
                usleep(100000);
                assert_int_equal(supervisors(launcher), 2);
        }
        pthread_join(t, &r);
        assert_non_null(r);
        assert_int_equal(((struct sbx_result *)r)->verdict, SBX_VERDICT_OK);
        sbx_result_free(r);
        assert_int_equal(supervisors_become(launcher, 2), 2); /* its replacement, after it */
        sbx_runtime_free(own);
}

/* Idle again, the launcher keeps two ready, however many jobs ran at once before: a job that
 * ends while two others run has its replacement spawned among three spares (one more than the
 * jobs running), which must not all stay once those end too, each with a jail prepared. */
static void spares_go_back_to_two(void **state)
{
        struct sbx_job shorter = {.argv = ARGV("/bin/sleep", "0.3")};
        struct sbx_job longer = {.argv = ARGV("/bin/sleep", "2")};
        struct job_in in[] = {{NULL, &shorter}, {NULL, &longer}, {NULL, &longer}};
        struct sbx_runtime *own = NULL;
        pthread_t t[3];
        void *r;
        pid_t launcher = with_two_ready(&own);

        for (int i = 0; i < 3; i++) {
                in[i].rt = own;
                assert_int_equal(pthread_create(&t[i], NULL, run_in_thread, &in[i]), 0);
        }
        for (int i = 0; i < 3; i++) {
                assert_int_equal(pthread_join(t[i], &r), 0);
                assert_non_null(r);
                assert_int_equal(((struct sbx_result *)r)->verdict, SBX_VERDICT_OK);
                sbx_result_free(r);
        }
        ready_become(launcher, 2);
        usleep(scaled_ms(500) * 1000);
        assert_int_equal(supervisors(launcher), 2);
        sbx_runtime_free(own);
}

/* A job in a sandbox gets a jail cloned for it, and would throw a prepared one away: after such
 * jobs, the supervisors spawned for the next ones prepare none. */
static void no_jail_prepared_for_sandbox_jobs(void **state)
{
        struct sbx_job quick = {.argv = ARGV("/bin/true")};
        struct sbx_runtime *own = NULL;
        struct sbx_sandbox *sb = NULL;
        struct sbx_result *res = NULL;
        struct sbx_error *err = NULL;
        pid_t launcher = with_two_ready(&own); /* both prepared one */

        assert_int_equal(sbx_sandbox_create(own, NULL, &sb, &err), 0);
        for (int i = 0; i < 4; i++) {
                assert_int_equal(sbx_sandbox_run(sb, &quick, &res, &err), 0);
                assert_int_equal(res->verdict, SBX_VERDICT_OK);
                res = sbx_result_free(res);
        }
        assert_int_equal(supervisors_become(launcher, 2), 2);
        usleep(scaled_ms(1000) * 1000); /* long enough to prepare one */
        /* The sandbox jobs took the prepared ones (one may be left), then the ones without. */
        assert_in_range(with_jail(launcher), 0, 1);
        assert_int_equal(sbx_sandbox_close(sb, &err), 0);
        sbx_runtime_free(own);
}

/* How often pid has slept and woken (voluntary context switches); 0 once it is gone. */
static unsigned long wakeups(pid_t pid)
{
        char path[64], line[128];
        unsigned long n = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (!(f = fopen(path, "r")))
                return 0;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "voluntary_ctxt_switches: %lu", &n) == 1)
                        break;
        fclose(f);
        return n;
}

/* A supervisor sleeps while its job runs quietly: it reads the tree's CPU time only when the
 * limit could be reached by then, not every few ms (it woke 50 times a second for that). */
static void supervisor_sleeps_with_its_job(void **state)
{
        char seconds[16];
        snprintf(seconds, sizeof(seconds), "%.1f", scaled_ms(3000) / 1000.0);
        struct sbx_job slow = {.argv = ARGV("/bin/sleep", seconds),
                               .limits = ARGV("cpu=60s", "wall=120s")};
        struct sbx_runtime *own = NULL;
        pid_t sup[8];
        unsigned long before[8];
        pthread_t t;
        void *r;
        pid_t launcher = with_two_ready(&own);
        struct job_in in = {own, &slow};
        assert_int_equal(pthread_create(&t, NULL, run_in_thread, &in), 0);
        usleep(scaled_ms(500) * 1000); /* the job runs: its supervisor waits on it */
        int n = children(launcher, "sbx-supervisor", sup, 8);
        for (int i = 0; i < n && i < 8; i++)
                before[i] = wakeups(sup[i]);
        usleep(scaled_ms(1000) * 1000);
        for (int i = 0; i < n && i < 8; i++) {
                unsigned long now = wakeups(sup[i]);
                if (now > before[i] + 5)
                        fail_msg("supervisor %d woke %lu times in %lu ms of a sleeping job",
                                 (int)sup[i], now - before[i], (unsigned long)scaled_ms(1000));
        }
        pthread_join(t, &r);
        assert_non_null(r);
        assert_int_equal(((struct sbx_result *)r)->verdict, SBX_VERDICT_OK);
        sbx_result_free(r);
        sbx_runtime_free(own);
}

int main(void)
{
        struct sbx_error *err = NULL;
        struct sbx_runtime_options opts = {.backend = "native"};

        if (sbx_runtime_new(&opts, &rt, &err) < 0) {
                fprintf(stderr, "SKIP: the native jail cannot start here: %s\n", err->message);
                return 77;
        }
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(one_shot),
            cmocka_unit_test(invalid_jobs),
            cmocka_unit_test(stateful_sandbox),
            cmocka_unit_test(parallel_runs),
            cmocka_unit_test(cancel),
            cmocka_unit_test(threads),
            cmocka_unit_test(ceilings),
            cmocka_unit_test(runtime_ceiling),
            cmocka_unit_test(spare_supervisors),
            cmocka_unit_test(no_jail_prepared_for_sandbox_jobs),
            cmocka_unit_test(spares_go_back_to_two),
            cmocka_unit_test(supervisor_sleeps_with_its_job),
        };
        int failed = cmocka_run_group_tests(tests, NULL, NULL);
        sbx_runtime_free(rt);
        return failed;
}
