/* runtime/owner.c: the state dir, and owner records whose lock tells live owners from dead ones
 * (any user, any host: a state dir of its own in /tmp). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolation/fsutil.h"
#include "owner.h"
#include "util.h"

static char dir[] = "/tmp/sbx-owner-test.XXXXXX";
static char *state;

/* How many entries owners/ holds, dot names included. */
static int records(void)
{
        _cleanup_free_ char *path = sbx_strdup_printf("%s/owners", state);
        DIR *d = opendir(path);
        int n = 0;

        assert_non_null(d);
        for (struct dirent *de; (de = readdir(d));)
                n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
        closedir(d);
        return n;
}

static size_t count_dead(const char *kind, const char *scope)
{
        struct sbx_owners *d = NULL;
        size_t n;

        assert_int_equal(sbx_owners_find_dead(state, kind, scope, &d, NULL), 0);
        n = sbx_owners_count(d);
        sbx_owners_release(d);
        return n;
}

/* A child that creates a record (kind, scope), writes its token to the pipe and then either
 * exits (dead) or waits to be killed (alive). */
static pid_t owner_child(const char *kind, const char *scope, bool stay, char token[17])
{
        int p[2];

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct sbx_owner *o = NULL;
                if (sbx_owner_new(state, kind, scope, &o, NULL) < 0 ||
                    write(p[1], sbx_owner_token(o), 17) != 17)
                        _exit(1);
                while (stay)
                        pause();
                _exit(0);
        }
        close(p[1]);
        assert_int_equal(read(p[0], token, 17), 17);
        close(p[0]);
        if (!stay)
                assert_int_equal(waitpid(pid, NULL, 0), pid);
        return pid;
}

static void test_state_dir(void **unused)
{
        _cleanup_free_ char *again = NULL;
        struct sbx_error *err = NULL;
        struct stat st;

        assert_int_equal(stat(state, &st), 0);
        assert_true(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0711);
        assert_int_equal(sbx_state_dir_open(&again, NULL), 0);
        assert_string_equal(again, state);
        /* A relative path is refused with the variable's name. */
        setenv("SANDBOXRT_STATE_DIR", "relative/state", 1);
        assert_int_equal(sbx_state_dir_open(&again, &err), -EINVAL);
        assert_non_null(strstr(err->message, "SANDBOXRT_STATE_DIR=relative/state"));
        err = sbx_error_free(err);
        /* So is a symlink in its place: the directory must be ours. */
        _cleanup_free_ char *link = sbx_strdup_printf("%s/link", dir);
        assert_int_equal(symlink(state, link), 0);
        setenv("SANDBOXRT_STATE_DIR", link, 1);
        assert_int_equal(sbx_state_dir_open(&again, &err), -EINVAL);
        assert_non_null(strstr(err->message, "is not a directory"));
        assert_non_null(
            strstr(err->message, "set $SANDBOXRT_STATE_DIR to a directory of your own"));
        err = sbx_error_free(err);
        /* And another user's directory (a shared /tmp) is never taken over: the message says to
         * pick one's own, not to remove it. */
        _cleanup_free_ char *theirs = sbx_strdup_printf("%s/theirs", dir);
        assert_int_equal(mkdir(theirs, 0755), 0);
        if (chown(theirs, 65534, 65534) == 0) {
                setenv("SANDBOXRT_STATE_DIR", theirs, 1);
                assert_int_equal(sbx_state_dir_open(&again, &err), -EINVAL);
                assert_non_null(strstr(err->message, "belongs to another user (uid 65534"));
                assert_null(strstr(err->message, "remove"));
                err = sbx_error_free(err);
        }
        setenv("SANDBOXRT_STATE_DIR", state, 1);
}

static void test_record(void **unused)
{
        struct sbx_owner *o = NULL;
        char name[256];

        assert_int_equal(records(), 0);
        assert_int_equal(sbx_owner_new(state, "native", "/cg/a", &o, NULL), 0);
        const char *t = sbx_owner_token(o);
        assert_int_equal(strlen(t), SBX_OWNER_TOKEN_LEN);
        assert_int_equal(strspn(t, "0123456789abcdef"), SBX_OWNER_TOKEN_LEN);
        /* One file, named kind.scope.token, and no dot file left of its creation. */
        assert_int_equal(records(), 1);
        _cleanup_free_ char *owners = sbx_strdup_printf("%s/owners", state);
        DIR *d = opendir(owners);
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        snprintf(name, sizeof(name), "%s", de->d_name);
        closedir(d);
        assert_int_equal(strncmp(name, "native.", 7), 0);
        assert_string_equal(name + strlen(name) - SBX_OWNER_TOKEN_LEN, t);
        /* Alive: not dead to a reaper, even one in this very process. */
        assert_int_equal(count_dead("native", "/cg/a"), 0);
        sbx_owner_free(o);
        /* Dead now: found once, and its record removed when released. */
        assert_int_equal(count_dead("native", "/cg/a"), 1);
        assert_int_equal(records(), 0);
        assert_int_equal(count_dead("native", "/cg/a"), 0);
}

/* Forked processes share the lock: the owner lives as long as any of them. */
static void test_shared_by_forks(void **unused)
{
        struct sbx_owner *o = NULL;
        int p[2];
        char c;

        assert_int_equal(sbx_owner_new(state, "native", "s", &o, NULL), 0);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t kid = fork();
        assert_true(kid >= 0);
        if (kid == 0) {
                close(p[1]);
                (void)!read(p[0], &c, 1);
                _exit(0);
        }
        close(p[0]);
        sbx_owner_free(o); /* our fd is closed; the child still holds the lock */
        assert_int_equal(count_dead("native", "s"), 0);
        close(p[1]);
        assert_int_equal(waitpid(kid, NULL, 0), kid);
        assert_int_equal(count_dead("native", "s"), 1);
}

/* A reaper sees only the records of its kind and scope; it matches names by token. */
static void test_match_kind_scope(void **unused)
{
        char dead[17], alive[17], other_kind[17], other_scope[17], name[64];
        struct sbx_owners *d = NULL;

        owner_child("native", "s", false, dead);
        pid_t live = owner_child("native", "s", true, alive);
        owner_child("docker", "s", false, other_kind);
        owner_child("native", "t", false, other_scope);

        assert_int_equal(sbx_owners_find_dead(state, "native", "s", &d, NULL), 0);
        assert_int_equal(sbx_owners_count(d), 1);
        snprintf(name, sizeof(name), "%s-1234-0", dead);
        assert_string_equal(sbx_owners_match(d, name), dead);
        assert_string_equal(sbx_owners_match(d, dead), dead);
        snprintf(name, sizeof(name), "%sx", dead);
        assert_null(sbx_owners_match(d, name));
        snprintf(name, sizeof(name), "%.15s", dead);
        assert_null(sbx_owners_match(d, name));
        snprintf(name, sizeof(name), "%s-0", alive);
        assert_null(sbx_owners_match(d, name));
        snprintf(name, sizeof(name), "%s-0", other_kind);
        assert_null(sbx_owners_match(d, name));
        assert_null(sbx_owners_match(d, "1234-5"));
        /* Kept: something of it could not be removed, so its record stays for the next pass. */
        sbx_owners_keep(d, dead);
        sbx_owners_release(d);
        assert_int_equal(count_dead("native", "s"), 1);
        assert_int_equal(count_dead("native", "s"), 0);

        kill(live, SIGKILL);
        assert_int_equal(waitpid(live, NULL, 0), live);
        assert_int_equal(count_dead("native", "s"), 1);
        assert_int_equal(count_dead("docker", "s"), 1);
        assert_int_equal(count_dead("native", "t"), 1);
        assert_int_equal(records(), 0);
}

static void test_keep_all(void **unused)
{
        char a[17], b[17];
        struct sbx_owners *d = NULL;

        owner_child("native", "s", false, a);
        owner_child("native", "s", false, b);
        assert_int_equal(sbx_owners_find_dead(state, "native", "s", &d, NULL), 0);
        assert_int_equal(sbx_owners_count(d), 2);
        sbx_owners_keep_all(d);
        sbx_owners_release(d);
        assert_int_equal(records(), 2);
        assert_int_equal(count_dead("native", "s"), 2);
        assert_int_equal(records(), 0);
}

static int setup(void **unused)
{
        _cleanup_free_ char *opened = NULL;

        if (!mkdtemp(dir))
                return -1;
        state = sbx_strdup_printf("%s/state", dir);
        setenv("SANDBOXRT_STATE_DIR", state, 1);
        return sbx_state_dir_open(&opened, NULL);
}

static int teardown(void **unused)
{
        (void)sbx_rm_rf_at(AT_FDCWD, dir);
        free(state);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_state_dir),       cmocka_unit_test(test_record),
            cmocka_unit_test(test_shared_by_forks), cmocka_unit_test(test_match_kind_scope),
            cmocka_unit_test(test_keep_all),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
