/* Warm Python through one long-lived runtime (as eval and serve run it): every job of the run is
 * forked from the same zygote, so this is where one job could reach the next. tests/jail/warm.sh
 * compares warm with cold program by program. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sandboxrt.h"
#include "tests/launcher_procs.h"

static struct sbx_runtime *rt;

static struct sbx_result *run_python_in(struct sbx_runtime *in, const char *source)
{
        struct sbx_job job = {
            .language = "python", .source = source, .source_size = strlen(source)};
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_run(in, &job, &r, &err), 0);
        assert_non_null(r);
        return r;
}

static struct sbx_result *run_python(const char *source)
{
        return run_python_in(rt, source);
}

/* Its stdout; source starts with WARM_MARK, which fails the job unless it ran warm (the zygote's
 * library is mapped: docs/warm.md). */
static char *run_warm_in(struct sbx_runtime *in, const char *source, enum sbx_verdict verdict)
{
        char *out;
        struct sbx_result *r = run_python_in(in, source);

        if (r->verdict != verdict)
                fail_msg("verdict %s, not %s: %s %s", sbx_verdict_to_string(r->verdict),
                         sbx_verdict_to_string(verdict), r->err.data ? r->err.data : "",
                         r->message ? r->message : "");
        out = strdup(r->out.data ? r->out.data : "");
        sbx_result_free(r);
        return out;
}

static char *run_warm(const char *source, enum sbx_verdict verdict)
{
        return run_warm_in(rt, source, verdict);
}

#define WARM_MARK "import sys; assert 'sandboxrt-zygote' in open('/proc/self/maps').read()\n"

/* What a job sees that a scribbler could have changed, and the zygote's hash seed. */
static const char probe[] = WARM_MARK
    "import builtins, os, random\n"
    "print(builtins.print is not None, sys.modules['os'] is os, sys.path[0],\n"
    "      os.environ.get('PYTHONSTARTUP'), os.environ.get('LD_PRELOAD'), sorted(sys.modules),\n"
    "      sorted(p for d in ('/sandbox', '/tmp', '/dev/shm') for p in os.listdir(d)),\n"
    "      hash('sandboxrt'))\n";

/* It changes all it can reach, then writes garbage over every writable mapping it has. */
static const char scribbler[] = WARM_MARK "import builtins, ctypes, os\n"
                                          "os.environ['PYTHONSTARTUP'] = '/sandbox/evil.py'\n"
                                          "os.putenv('LD_PRELOAD', '/tmp/evil.so')\n"
                                          "sys.path.insert(0, '/tmp')\n"
                                          "for d in ('/sandbox', '/tmp', '/dev/shm'):\n"
                                          "    open(d + '/left-behind', 'w').write('x')\n"
                                          "import json, random, hashlib\n"
                                          "builtins.print = None\n"
                                          "sys.modules['os'] = None\n"
                                          "regions = []\n"
                                          "for line in open('/proc/self/maps'):\n"
                                          "    addr, perms = line.split()[:2]\n"
                                          "    if 'w' in perms and '[stack]' not in line:\n"
                                          "        lo, hi = (int(x, 16) for x in addr.split('-'))\n"
                                          "        regions.append((lo, hi))\n"
                                          "for lo, hi in regions:\n"
                                          "    ctypes.memset(lo, 0x41, hi - lo)\n";

static void scribbler_leaves_nothing(void **state)
{
        char *before = run_warm(probe, SBX_VERDICT_OK);
        struct sbx_result *r = run_python(scribbler);

        /* It dies somewhere in its own memory. */
        assert_int_not_equal(r->verdict, SBX_VERDICT_OK);
        assert_int_not_equal(r->verdict, SBX_VERDICT_SANDBOX_ERROR);
        sbx_result_free(r);
        for (int i = 0; i < 3; i++) {
                char *after = run_warm(probe, SBX_VERDICT_OK);
                assert_string_equal(before, after);
                free(after);
        }
        assert_non_null(strstr(before, "True True /sandbox None None"));
        assert_non_null(strstr(before, "['main.py']"));
        free(before);
}

/* Its hash seed is the zygote's: the same in every job of the runtime (docs/warm.md). */
static void one_hash_seed_per_zygote(void **state)
{
        const char *src = WARM_MARK "import random; print(hash('abc'), random.random())\n";
        char *a = run_warm(src, SBX_VERDICT_OK), *b = run_warm(src, SBX_VERDICT_OK);

        assert_true(strchr(a, ' ') && strchr(b, ' '));
        assert_memory_equal(a, b, (size_t)(strchr(a, ' ') - a)); /* hash: the same */
        assert_string_not_equal(strchr(a, ' '), strchr(b, ' ')); /* random: fresh */
        free(a);
        free(b);
}

/* A zygote serves SANDBOXRT_WARM_JOBS jobs, then a fresh one takes over: the hash seed is the
 * same within a generation and differs across them. */
static void zygote_generations(void **state)
{
        const char *src = WARM_MARK "print(hash('abc'))\n";
        struct sbx_runtime_options opts = {.backend = "native", .warm = true};
        struct sbx_runtime *gen_rt = NULL;
        struct sbx_error *err = NULL;
        char *seen[9];
        size_t distinct = 1, run = 1;

        setenv("SANDBOXRT_WARM_JOBS", "3", 1);
        assert_int_equal(sbx_runtime_new(&opts, &gen_rt, &err), 0);
        unsetenv("SANDBOXRT_WARM_JOBS");
        for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
                seen[i] = run_warm_in(gen_rt, src, SBX_VERDICT_OK);
        /* Jobs run one by one take the zygote's jails in order: three per generation. */
        for (size_t i = 1; i < sizeof(seen) / sizeof(seen[0]); i++) {
                bool same = !strcmp(seen[i], seen[i - 1]);
                if (!same)
                        distinct++;
                run = same ? run + 1 : 1;
                if (run > 3)
                        fail_msg("job %zu: %zu jobs in a row with one hash seed", i + 1, run);
                if (i % 3 == 0 && same)
                        fail_msg("job %zu kept the hash seed of the generation before", i + 1);
                if (i % 3 != 0 && !same)
                        fail_msg("job %zu changed the hash seed within a generation", i + 1);
        }
        assert_int_equal(distinct, 3);
        for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
                free(seen[i]);
        sbx_runtime_free(gen_rt);
}

/* A bad SANDBOXRT_WARM_JOBS is refused with what it should be. */
static void bad_jobs_per_zygote(void **state)
{
        struct sbx_runtime_options opts = {.backend = "native", .warm = true};
        struct sbx_runtime *bad = NULL;
        struct sbx_error *err = NULL;

        setenv("SANDBOXRT_WARM_JOBS", "0", 1);
        assert_true(sbx_runtime_new(&opts, &bad, &err) < 0);
        unsetenv("SANDBOXRT_WARM_JOBS");
        assert_null(bad);
        assert_non_null(strstr(err->message, "SANDBOXRT_WARM_JOBS=0: not a number of jobs from 1"));
        sbx_error_free(err);
}

/* The zygote (the launcher's python3) starts at the first job that could run warm, not with the
 * runtime: jails it forks cost a cold job more CPU, so a runtime whose jobs are cold has none.
 * That first job runs warm all the same. */
static void zygote_on_demand(void **state)
{
        struct sbx_runtime_options opts = {.backend = "native", .warm = true};
        struct sbx_job cold[] = {
            {.argv = (const char *const[]){"/bin/true", NULL}},
            {.argv = (const char *const[]){"/usr/bin/python3", "-c", "pass", NULL}},
            {.language = "python",
             .source = "pass\n",
             .source_size = 5,
             .limits = (const char *const[]){"warm=false", NULL}},
        };
        struct sbx_runtime *own = NULL;
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;
        pid_t launcher = open_with_launcher(&opts, &own);

        for (size_t i = 0; i < sizeof(cold) / sizeof(cold[0]); i++) {
                assert_int_equal(sbx_run(own, &cold[i], &r, &err), 0);
                assert_int_equal(r->verdict, SBX_VERDICT_OK);
                r = sbx_result_free(r);
        }
        assert_int_equal(children(launcher, "python3", NULL, 0), 0);
        free(run_warm_in(own, WARM_MARK, SBX_VERDICT_OK));
        assert_int_equal(children(launcher, "python3", NULL, 0), 1);
        sbx_runtime_free(own);
}

/* ps shows the zygote (and each jail's init, a copy of it) with a label, not the bootstrap's
 * source: python3 -c <sandboxrt zygote> LIB PYTHON3, then only zeros. */
static void zygote_command_line(void **state)
{
        struct sbx_runtime_options opts = {.backend = "native", .warm = true};
        struct sbx_runtime *own = NULL;
        pid_t launcher = open_with_launcher(&opts, &own), zygote;
        char path[64], line[16384], *arg[6] = {0};
        size_t n, args = 0;
        FILE *f;

        free(run_warm_in(own, WARM_MARK, SBX_VERDICT_OK));
        assert_int_equal(children(launcher, "python3", &zygote, 1), 1);
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)zygote);
        assert_non_null(f = fopen(path, "r"));
        n = fread(line, 1, sizeof(line), f);
        fclose(f);
        assert_true(n > 0 && n < sizeof(line));
        for (size_t i = 0; i < n; i += strlen(line + i) + 1)
                if (line[i] && args < 6)
                        arg[args++] = line + i;
        assert_int_equal(args, 5);
        assert_string_equal(arg[1], "-c");
        assert_string_equal(arg[2], "<sandboxrt zygote>");
        assert_non_null(strstr(arg[3], "sandboxrt-zygote.so"));
        assert_string_equal(arg[4], arg[0]);
        sbx_runtime_free(own);
}

/* Who cloned job's jail ("zygote" or "supervisor", from the result's cgroup_entry; NULL
 * without cgroups), and whether it ran warm ("True": the zygote's library is mapped). */
static const char *jail_kind(struct sbx_runtime *in, const struct sbx_job *job, char *kind,
                             size_t size)
{
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;
        const char *by;

        assert_int_equal(sbx_run(in, job, &r, &err), 0);
        assert_int_equal(r->verdict, SBX_VERDICT_OK);
        if (!r->cgroup_entry || !(by = strstr(r->cgroup_entry, "cloned by the "))) {
                sbx_result_free(r);
                return NULL;
        }
        by += strlen("cloned by the ");
        snprintf(kind, size, "%.*s %s", (int)strcspn(by, ")"), by, r->out.data ? r->out.data : "");
        kind[strcspn(kind, "\n")] = '\0';
        sbx_result_free(r);
        return kind;
}

/* A jail the zygote forks is a copy of the interpreter, which costs a cold job ~15 ms of CPU; a
 * jail cloned cold cannot run a job warm. So the jails supervisors prepare ahead follow the
 * jobs' kind (native_launcher.c: supervisors.warm). After a change of kind, the spares already
 * prepared may still serve the other kind: at most READY_MAX (4) of each 8 jobs. */
static void jails_follow_the_jobs(void **state)
{
        const char *src = "print('sandboxrt-zygote' in open('/proc/self/maps').read())\n";
        struct sbx_job warm = {.language = "python", .source = src, .source_size = strlen(src)};
        struct sbx_job cold = {.argv = (const char *const[]){"/bin/echo", "False", NULL}};
        struct sbx_runtime_options opts = {.backend = "native", .warm = true};
        struct sbx_runtime *own = NULL;
        struct sbx_error *err = NULL;
        char kind[256], seen[2048] = "";
        int cold_jails = 0, warm_runs = 0;

        assert_int_equal(sbx_runtime_new(&opts, &own, &err), 0);
        for (int i = 0; i < 3; i++)
                if (!jail_kind(own, &warm, kind, sizeof(kind))) {
                        sbx_runtime_free(own);
                        skip(); /* no cgroup: the result does not say who cloned the jail */
                }
        for (int i = 0; i < 16; i++) {
                assert_non_null(jail_kind(own, i < 8 ? &cold : &warm, kind, sizeof(kind)));
                cold_jails += i < 8 && !strcmp(kind, "supervisor False");
                warm_runs += i >= 8 && !strcmp(kind, "zygote True");
                snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s; ", kind);
        }
        if (cold_jails < 4 || warm_runs < 4)
                fail_msg("8 cold, then 8 warm jobs ran in jails cloned by the: %s", seen);
        sbx_runtime_free(own);
}

/* The jail's status pipe reports the program's end: a warm program, which is not exec'd,
 * must not hold it (nor any fd beyond stdio) to forge a record ("the sandbox failed"). */
static void cannot_forge_records(void **state)
{
        const char *src = WARM_MARK
            "import os, struct\n"
            "forged = struct.pack('=IiiIQQ200s', 1, 1, 0, 0, 0, 0, b'forged by the program')\n"
            "reached = []\n"
            "for fd in range(3, 256):\n"
            "    try:\n"
            "        os.write(fd, forged); reached.append(fd)\n"
            "    except OSError:\n"
            "        pass\n"
            "print(reached)\n"
            "sys.exit(7)\n";
        struct sbx_result *r = run_python(src);

        assert_string_equal(r->out.data, "[]\n");
        assert_int_equal(r->verdict, SBX_VERDICT_RUNTIME_ERROR);
        assert_int_equal(r->exit_code, 7);
        assert_null(r->message ? strstr(r->message, "forged") : NULL);
        sbx_result_free(r);
}

/* Jobs in a sandbox and jobs with network run warm too, in a jail the zygote forks for them. But
 * a job in a sandbox may find what earlier ones left in its work dir, its HOME: a user site
 * (`.local`), which `python3` runs at start-up and a warm start would not. Such a job runs cold. */
static void sandbox_jobs_run_warm_but_for_a_user_site(void **state)
{
        const char *leave = WARM_MARK "import os, site\n"
                                      "os.makedirs(site.getusersitepackages())\n"
                                      "open(site.getusersitepackages() + '/usercustomize.py', 'w')"
                                      ".write('print(\\'usercustomize\\')')\n";
        const char *main_py = "print('main')\n";
        struct sbx_job job = {.language = "python",
                              .source = WARM_MARK,
                              .source_size = strlen(WARM_MARK),
                              .limits = (const char *const[]){"network=loopback", NULL}};
        struct sbx_sandbox *sb = NULL;
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_run(rt, &job, &r, &err), 0);
        if (r->verdict != SBX_VERDICT_OK)
                fail_msg("a job with network did not run warm: %s", r->err.data);
        r = sbx_result_free(r);
        assert_int_equal(sbx_sandbox_create(rt, NULL, &sb, &err), 0);
        job = (struct sbx_job){.language = "python", .source = leave, .source_size = strlen(leave)};
        assert_int_equal(sbx_sandbox_run(sb, &job, &r, &err), 0);
        if (r->verdict != SBX_VERDICT_OK)
                fail_msg("a job in a sandbox did not run warm: %s", r->err.data);
        r = sbx_result_free(r);
        job.source = main_py;
        job.source_size = strlen(main_py);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(sbx_sandbox_run(sb, &job, &r, &err), 0);
                assert_int_equal(r->verdict, SBX_VERDICT_OK);
                assert_string_equal(r->out.data, "usercustomize\nmain\n");
                r = sbx_result_free(r);
        }
        assert_int_equal(sbx_sandbox_close(sb, &err), 0);
}

int main(void)
{
        struct sbx_error *err = NULL;
        struct sbx_runtime_options opts = {.backend = "native", .warm = true};

        if (sbx_runtime_new(&opts, &rt, &err) < 0) {
                fprintf(stderr, "SKIP: the native jail cannot start here: %s\n", err->message);
                return 77;
        }
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(cannot_forge_records),
            cmocka_unit_test(scribbler_leaves_nothing),
            cmocka_unit_test(one_hash_seed_per_zygote),
            cmocka_unit_test(zygote_generations),
            cmocka_unit_test(bad_jobs_per_zygote),
            cmocka_unit_test(zygote_on_demand),
            cmocka_unit_test(zygote_command_line),
            cmocka_unit_test(jails_follow_the_jobs),
            cmocka_unit_test(sandbox_jobs_run_warm_but_for_a_user_site),
        };
        int failed = cmocka_run_group_tests(tests, NULL, NULL);
        sbx_runtime_free(rt);
        return failed;
}
