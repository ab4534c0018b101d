/* A stateful sandbox's storage through the runtime API against the real native jail: it keeps
 * its files between calls, but no more than the policy's tmpfs size and inode cap, never on the
 * host's disk, and whatever tree the sandbox leaves (40,000 levels, chmod 0500 and 0000
 * directories) is gone when it is destroyed. Runs as root and unprivileged. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandboxrt.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define MIB       (1024ull * 1024ull)
#define MAX_DROP  MIB /* the host may lose this much space meanwhile, and 100 inodes */
#define ATTEMPTS  6   /* other processes write to the host's disk too: measure again */
#define TMPFS_8M  "tmpfs=8m"
#define INODES_8M 2048 /* one inode per 4 KiB of the tmpfs */

static struct sbx_runtime *rt;
static char state_dir[4096];

/* Where isolation/native.c keeps its state (open_state_dir). */
static void find_state_dir(void)
{
        const char *env = getenv("SANDBOXRT_STATE_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

        if (env && *env)
                snprintf(state_dir, sizeof(state_dir), "%s", env);
        else if (geteuid() == 0)
                snprintf(state_dir, sizeof(state_dir), "/run/sandboxrt");
        else if (xdg && xdg[0] == '/')
                snprintf(state_dir, sizeof(state_dir), "%s/sandboxrt", xdg);
        else
                snprintf(state_dir, sizeof(state_dir), "/tmp/sandboxrt-%u", (unsigned)getuid());
}

struct host_free {
        uint64_t bytes, inodes;
};

static struct host_free host_free(void)
{
        struct statvfs st;

        assert_int_equal(statvfs(state_dir, &st), 0);
        return (struct host_free){(uint64_t)st.f_bfree * st.f_frsize, st.f_ffree};
}

static bool host_paid(struct host_free before, struct host_free after)
{
        uint64_t bytes = before.bytes > after.bytes ? before.bytes - after.bytes : 0;
        uint64_t inodes = before.inodes > after.inodes ? before.inodes - after.inodes : 0;

        if (bytes <= MAX_DROP && inodes <= 100)
                return false;
        fprintf(stderr, "the host lost %llu bytes and %llu inodes meanwhile\n",
                (unsigned long long)bytes, (unsigned long long)inodes);
        return true;
}

static struct sbx_sandbox *new_sandbox(const char *limit)
{
        struct sbx_sandbox_options opts = {.limits = ARGV(limit, "file_size=64m")};
        struct sbx_sandbox *sb = NULL;
        struct sbx_error *err = NULL;

        if (sbx_sandbox_create(rt, &opts, &sb, &err) < 0)
                fail_msg("sbx_sandbox_create: %s", err->message);
        return sb;
}

static struct sbx_result *call(struct sbx_sandbox *sb, const char *script)
{
        struct sbx_job job = {.argv = ARGV("/bin/sh", "-c", script)};
        struct sbx_result *r = NULL;
        struct sbx_error *err = NULL;

        if (sbx_sandbox_run(sb, &job, &r, &err) < 0)
                fail_msg("sbx_sandbox_run: %s", err->message);
        if (r->verdict != SBX_VERDICT_OK)
                fail_msg("%s: verdict %d, %s%s", script, r->verdict, r->err.data,
                         r->message ? r->message : "");
        return r;
}

static uint64_t number_after(const char *text, const char *key)
{
        const char *p = strstr(text, key);

        assert_non_null(p);
        return strtoull(p + strlen(key), NULL, 10);
}

/* Two calls, the second filling what the first left room for: together no more than the cap. */
static void bytes_capped(void **state)
{
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                struct sbx_sandbox *sb = new_sandbox(TMPFS_8M);
                struct host_free before = host_free();
                sbx_result_free(call(sb, "head -c 5m /dev/zero > first"));
                struct sbx_result *r =
                    call(sb, "head -c 16m /dev/zero > second; cat first second | wc -c");
                struct host_free after = host_free();

                uint64_t bytes = strtoull(r->out.data, NULL, 10);
                assert_true(bytes <= 8 * MIB);
                assert_true(bytes >= 7 * MIB); /* the second call did fill it */
                sbx_result_free(r);

                /* The host side writes into the same storage, under the same cap. */
                static char big[9 * MIB];
                struct sbx_file f = {.path = "from-host", .data = big, .size = sizeof(big)};
                struct sbx_error *err = NULL;
                assert_true(sbx_sandbox_write_file(sb, &f, &err) < 0);
                assert_int_equal(err->code, ENOSPC);
                sbx_error_free(err);
                sbx_sandbox_destroy(sb);
                if (!host_paid(before, after))
                        return;
        }
        fail_msg("the host's disk paid for a sandbox's files");
}

static void inodes_capped(void **state)
{
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                struct sbx_sandbox *sb = new_sandbox(TMPFS_8M);
                struct host_free before = host_free();
                sbx_result_free(call(sb, "mkdir a && cd a && touch $(seq 1000)"));
                struct sbx_result *r = call(sb, "/usr/bin/python3 -c '\n"
                                                "n = 0\n"
                                                "try:\n"
                                                "    while n < 20000:\n"
                                                "        open(f\"f{n}\", \"x\").close()\n"
                                                "        n += 1\n"
                                                "except OSError:\n"
                                                "    pass\n"
                                                "print(f\"inodes={n}\")'");
                struct host_free after = host_free();

                uint64_t n = number_after(r->out.data, "inodes=");
                assert_true(n + 1000 <= INODES_8M);
                assert_true(n + 1000 >= INODES_8M - 64);
                sbx_result_free(r);
                sbx_sandbox_destroy(sb);
                if (!host_paid(before, after))
                        return;
        }
        fail_msg("the host's file system paid for a sandbox's inodes");
}

/* The launcher, our child: where stateful sandboxes' storage is mounted. */
static pid_t find_launcher(void)
{
        DIR *d = opendir("/proc");
        pid_t found = -1;

        assert_non_null(d);
        for (struct dirent *de; found < 0 && (de = readdir(d));) {
                char path[300], comm[64];
                int pid, ppid;
                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                FILE *f = fopen(path, "r");
                if (!f)
                        continue;
                if (fscanf(f, "%d (%63[^)]) %*c %d", &pid, comm, &ppid) == 3 && ppid == getpid() &&
                    !strcmp(comm, "sbx-launcher"))
                        found = pid;
                fclose(f);
        }
        closedir(d);
        assert_true(found > 0);
        return found;
}

static int box_mounts(pid_t launcher)
{
        char path[64], line[4096], boxes[4200];
        int n = 0;

        snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)launcher);
        snprintf(boxes, sizeof(boxes), " %s/boxes/", state_dir);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f))
                n += strstr(line, boxes) != NULL;
        fclose(f);
        return n;
}

/* Nothing named after us is left in the host's state dir. */
static void nothing_left_on_host(void)
{
        char boxes[4200], prefix[32];
        DIR *d;

        snprintf(boxes, sizeof(boxes), "%s/boxes", state_dir);
        snprintf(prefix, sizeof(prefix), "%d-", (int)getpid());
        if (!(d = opendir(boxes)))
                return;
        for (struct dirent *de; (de = readdir(d));)
                if (!strncmp(de->d_name, prefix, strlen(prefix)))
                        fail_msg("left on the host: %s/%s", boxes, de->d_name);
        closedir(d);
}

static void hostile_tree_gone(void **state)
{
        pid_t launcher = find_launcher();
        int mounts = box_mounts(launcher);
        struct sbx_sandbox *sb = new_sandbox("tmpfs=256m");

        assert_int_equal(box_mounts(launcher), mounts + 1);
        struct sbx_result *r = call(sb, "/usr/bin/python3 -c '\n"
                                        "import os\n"
                                        "for d in (\"locked\", \"locked/sub\", \"locked/none\"):\n"
                                        "    os.mkdir(d)\n"
                                        "open(\"locked/sub/file\", \"w\").close()\n"
                                        "os.chmod(\"locked/none\", 0)\n"
                                        "os.chmod(\"locked/sub\", 0o500)\n"
                                        "os.chmod(\"locked\", 0o500)\n"
                                        "n = 0\n"
                                        "while n < 40000:\n"
                                        "    os.mkdir(\"d\")\n"
                                        "    os.chdir(\"d\")\n"
                                        "    n += 1\n"
                                        "print(f\"depth={n}\")'");
        assert_string_equal(r->out.data, "depth=40000\n");
        sbx_result_free(r);

        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        sbx_sandbox_destroy(sb);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        /* An unmount, not a walk of the tree. */
        assert_true(t1.tv_sec - t0.tv_sec < 2);
        nothing_left_on_host();
        assert_int_equal(box_mounts(launcher), mounts);
}

int main(void)
{
        struct sbx_error *err = NULL;
        struct sbx_runtime_options opts = {.backend = "native"};

        find_state_dir();
        if (sbx_runtime_new(&opts, &rt, &err) < 0) {
                fprintf(stderr, "SKIP: the native jail cannot start here: %s\n", err->message);
                return 77;
        }
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(bytes_capped),
            cmocka_unit_test(inodes_capped),
            cmocka_unit_test(hostile_tree_gone),
        };
        int failed = cmocka_run_group_tests(tests, NULL, NULL);
        sbx_runtime_free(rt);
        return failed;
}
