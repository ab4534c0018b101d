/* The Docker backend against a real engine, through its ops table: the verdict and isolation
 * matrix of the native backend. Exits 77 when no engine answers.
 *   test_docker            run the suite
 *   test_docker hang       start a job that never ends (for the orphan-reaping test)
 *   test_docker reap       open the backend (which reaps orphans) and close it
 *   test_docker bench cold|warm N [POOL]
 *                          time N jobs of `python3 -c pass` (ms per line), for bench/docker.sh */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "docker/docker.h"
#include "docker/engine.h"
#include "isolation/native.h"
#include "owner.h"
#include "util.h"
#include "tests/time_scale.h"

#define PY "/usr/bin/python3"

static struct sbx_backend *be;
static const char *image;

static const char *const test_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/sandbox",
    "LANG=C.UTF-8", NULL};

static struct sbx_policy policy(void)
{
        return (struct sbx_policy){
            .name = (char *)"test",
            .limits =
                {
                    .wall_ms = 10000,
                    .cpu_ms = 10000,
                    .cpu_millicores = 1000,
                    .memory_bytes = 256u << 20,
                    .pids = 64,
                    .output_bytes = 1u << 20,
                    .file_size_bytes = 16u << 20,
                    .open_files = 256,
                    .tmpfs_bytes = 64u << 20,
                },
            .network = SBX_NETWORK_NONE,
        };
}

static void result_clear(struct sbx_result *r)
{
        free(r->out.data);
        free(r->err.data);
        free(r->message);
        memset(r, 0, sizeof(*r));
}

/* Run python code; box may be NULL. Fails the test when the sandbox fails. */
static void run_py(struct sbx_box *box, const struct sbx_policy *p, const char *code,
                   const char *stdin_data, size_t stdin_size, struct sbx_result *res)
{
        const char *const argv[] = {PY, "-c", code, NULL};
        const struct sbx_spec spec = {.argv = argv,
                                      .env = test_env,
                                      .stdin_data = stdin_data,
                                      .stdin_size = stdin_size,
                                      .policy = p};
        struct sbx_error *err = NULL;

        memset(res, 0, sizeof(*res));
        int r = sbx_docker_ops.run(be, box, &spec, res, &err);
        if (r < 0)
                fail_msg("sandbox failed: %s", err && err->message ? err->message : "?");
        if (res->message)
                print_message("%s: %s\n", sbx_verdict_to_string(res->verdict), res->message);
        assert_string_equal(res->backend, "docker");
}

/* Processes of the job user other than the asking job itself (and its parent, when the job runs
 * under sandboxrt's waiter). */
static const char *count_procs =
    "import os\n"
    "me = os.getpid()\n"
    "n = 0\n"
    "for p in os.listdir('/proc'):\n"
    "    if not p.isdigit() or int(p) == me: continue\n"
    "    try:\n"
    "        st = open('/proc/%s/status' % p).read()\n"
    "    except OSError: continue\n"
    "    uid = [l for l in st.splitlines() if l.startswith('Uid:')][0].split()[1]\n"
    "    if uid == str(os.getuid()) and int(p) != os.getppid(): n += 1\n"
    "print(n)\n";

static void assert_no_job_left(struct sbx_box *box)
{
        struct sbx_policy p = policy();
        struct sbx_result r;

        run_py(box, &p, count_procs, NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "0\n");
        result_clear(&r);
}

static void test_hello(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_result r;

        run_py(NULL, &p, "print('hello')", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_int_equal(r.exit_code, 0);
        assert_string_equal(r.out.data, "hello\n");
        assert_int_equal(r.err.size, 0);
        assert_true(r.peak_memory_bytes > 0);
        result_clear(&r);
}

static void test_exit_codes(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_result r;

        run_py(NULL, &p, "import sys; sys.stderr.write('bad'); sys.exit(3)", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_RUNTIME_ERROR);
        assert_int_equal(r.exit_code, 3);
        assert_string_equal(r.err.data, "bad");
        result_clear(&r);
        run_py(NULL, &p, "import os, signal; os.kill(os.getpid(), signal.SIGTERM)", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_SIGNALED);
        assert_int_equal(r.signal, 15);
        assert_int_equal(r.exit_code, -1);
        result_clear(&r);
}

static void test_stdin(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_result r;
        size_t big = 1u << 20;
        char *data = malloc(big);

        run_py(NULL, &p, "import sys; print(sys.stdin.read().upper(), end='')", "abc\ndef", 7, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "ABC\nDEF");
        result_clear(&r);
        run_py(NULL, &p, "import sys; print(len(sys.stdin.read()))", NULL, 0, &r);
        assert_string_equal(r.out.data, "0\n");
        result_clear(&r);
        /* Its streams by path, as many solutions read their input (the job's own pipes). */
        run_py(NULL, &p,
               "open('/dev/stdout', 'w').write('<'); print(open('/dev/stdin').read(), end='>')",
               "abc", 3, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "<abc>");
        result_clear(&r);
        assert_non_null(data);
        memset(data, 'x', big);
        run_py(NULL, &p, "import sys; print(len(sys.stdin.buffer.read()))", data, big, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "1048576\n");
        result_clear(&r);
        free(data);
}

static const char *spawn_and_wait =
    "import subprocess, time\n"
    "subprocess.Popen(['sleep', '1000'], start_new_session=True,\n"
    "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "subprocess.Popen(['sleep', '1000'])\n";

static void test_wall_timeout(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_result r;
        char code[1024];

        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        p.limits.wall_ms = 1000;
        snprintf(code, sizeof(code), "%swhile True: time.sleep(1)\n", spawn_and_wait);
        uint64_t t0 = sbx_now_ms();
        run_py(box, &p, code, NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_TIME_LIMIT);
        assert_non_null(strstr(r.message, "wall"));
        assert_true(sbx_now_ms() - t0 < 1000 + scaled_ms(3000));
        result_clear(&r);
        assert_no_job_left(box);
        sbx_docker_ops.box_destroy(be, box, NULL);
}

static void *stop_later(void *fd)
{
        usleep(scaled_ms(1000) * 1000);
        (void)!eventfd_write((int)(intptr_t)fd, 1);
        return NULL;
}

/* A stopped sandbox (sbx_sandbox_stop: its stop_fd readable) stops the job running in it. */
static void test_stop(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_result r = {0};
        const char *const argv[] = {"/bin/sleep", "30", NULL};
        int stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        const struct sbx_spec spec = {.argv = argv, .env = test_env, .policy = &p, .stop_fd = stop};
        pthread_t t;

        assert_true(stop > 0);
        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        assert_int_equal(pthread_create(&t, NULL, stop_later, (void *)(intptr_t)stop), 0);
        uint64_t t0 = sbx_now_ms();
        assert_int_equal(sbx_docker_ops.run(be, box, &spec, &r, &err), 0);
        pthread_join(t, NULL);
        assert_true(sbx_now_ms() - t0 < scaled_ms(10000)); /* not the job's 30 s */
        assert_int_equal(r.verdict, SBX_VERDICT_SANDBOX_ERROR);
        assert_string_equal(r.message, "cancelled: the sandbox was stopped");
        result_clear(&r);
        assert_no_job_left(box);
        sbx_docker_ops.box_destroy(be, box, NULL);
        close(stop);
}

static void test_cpu_timeout(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_result r;
        char code[1024];

        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        p.limits.cpu_ms = 1000;
        snprintf(code, sizeof(code), "%swhile True: pass\n", spawn_and_wait);
        uint64_t t0 = sbx_now_ms();
        run_py(box, &p, code, NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_TIME_LIMIT);
        assert_non_null(strstr(r.message, "CPU"));
        assert_true(r.cpu_ms >= 1000);
        assert_true(sbx_now_ms() - t0 < 1000 + scaled_ms(4000));
        result_clear(&r);
        assert_no_job_left(box);
        sbx_docker_ops.box_destroy(be, box, NULL);
}

static void test_memory_limit(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_result r;

        p.limits.memory_bytes = 64u << 20;
        run_py(NULL, &p, "x = bytearray(512 << 20); print(len(x))", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_MEMORY_LIMIT);
        result_clear(&r);
        run_py(NULL, &p, "x = bytearray(16 << 20); print(len(x))", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_true(r.peak_memory_bytes >= (16u << 20));
        result_clear(&r);
}

static void test_fork_bomb(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_result r;

        p.limits.pids = 16;
        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        p.limits.wall_ms = 3000;
        run_py(box, &p,
               "import os, time\n"
               "for i in range(200):\n"
               "    try:\n"
               "        if os.fork() == 0:\n"
               "            time.sleep(100)\n"
               "    except OSError:\n"
               "        pass\n"
               "while True: time.sleep(1)\n",
               NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_TIME_LIMIT);
        result_clear(&r);
        assert_no_job_left(box);
        sbx_docker_ops.box_destroy(be, box, NULL);
}

static void test_output_flood(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_result r;

        p.limits.output_bytes = 65536;
        run_py(NULL, &p, "import sys\nwhile True: sys.stdout.write('x' * 4096)\n", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OUTPUT_LIMIT);
        assert_int_equal(r.out.size, 65536);
        assert_true(r.out.truncated);
        assert_false(r.err.truncated);
        result_clear(&r);
}

static void test_no_network(void **state)
{
        struct sbx_policy p = policy();
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        struct sbx_result r;
        char code[1024];
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        assert_true(s >= 0);
        assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
        assert_int_equal(listen(s, 8), 0);
        assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
        snprintf(code, sizeof(code),
                 "import socket\n"
                 "s = socket.socket()\ns.settimeout(2)\n"
                 "try:\n    s.connect(('127.0.0.1', %d)); print('connected')\n"
                 "except OSError as e:\n    print('refused')\n"
                 "print(sorted(n for _, n in socket.if_nameindex()))\n",
                 ntohs(a.sin_port));
        run_py(NULL, &p, code, NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "refused\n['lo']\n");
        struct pollfd pfd = {.fd = s, .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 500), 0); /* nothing arrived */
        close(s);
        result_clear(&r);
}

static void test_read_only_root(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_result r;

        run_py(NULL, &p,
               "import os\n"
               "for d in ['/etc', '/usr', '/', '/var/tmp', '/sandbox', '/tmp']:\n"
               "    try:\n"
               "        open(os.path.join(d, 'probe'), 'w').write('x'); print(d, 'rw')\n"
               "    except OSError: print(d, 'ro')\n",
               NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data,
                            "/etc ro\n/usr ro\n/ ro\n/var/tmp ro\n/sandbox rw\n/tmp rw\n");
        result_clear(&r);
}

static void test_non_root(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_result r;

        run_py(
            NULL, &p,
            "import os\n"
            "st = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines())\n"
            "print(os.getuid(), os.getgid(), os.getcwd(), st['CapEff'], st['CapBnd'],\n"
            "      st['NoNewPrivs'])\n",
            NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        unsigned uid, gid;
        char rest[256];
        assert_int_equal(sscanf(r.out.data, "%u %u %255[^\n]", &uid, &gid, rest), 3);
        assert_true(uid >= 0x70000000u && uid < 0x70000000u + 1024);
        assert_int_equal(uid, gid);
        assert_string_equal(rest, "/sandbox 0000000000000000 0000000000000000 1");
        result_clear(&r);
}

/* Every container's jobs run as a uid of its own: per-user kernel counters are not shared. One
 * job holds as many inotify instances as its user may have; a job in another container running
 * meanwhile still gets one (with one uid for every job, it got EMFILE). */
static const char *inotify_hold = "import ctypes, errno, os, time\n"
                                  "libc = ctypes.CDLL(None, use_errno=True)\n"
                                  "fds = []\n"
                                  "while len(fds) < 10000:\n"
                                  "    fd = libc.inotify_init1(0)\n"
                                  "    if fd < 0: break\n"
                                  "    fds.append(fd)\n"
                                  "e = errno.errorcode.get(ctypes.get_errno(), '?')\n"
                                  "t0 = time.time(); time.sleep(4)\n"
                                  "print(os.getuid(), len(fds), e, t0, time.time())\n";

static const char *inotify_one =
    "import ctypes, errno, os, time\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "fd = libc.inotify_init1(0)\n"
    "e = 'ok' if fd >= 0 else errno.errorcode.get(ctypes.get_errno(), '?')\n"
    "print(os.getuid(), e, time.time())\n";

struct holder {
        struct sbx_box *box;
        struct sbx_result r;
        int status;
};

static void *hold(void *arg)
{
        struct holder *h = arg;
        struct sbx_policy p = policy();
        const char *const argv[] = {PY, "-c", inotify_hold, NULL};
        const struct sbx_spec spec = {.argv = argv, .env = test_env, .policy = &p};
        struct sbx_error *err = NULL;

        h->status = sbx_docker_ops.run(be, h->box, &spec, &h->r, &err);
        sbx_error_free(err);
        return NULL;
}

static void test_uid_per_container(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_error *err = NULL;
        struct holder h = {0};
        struct sbx_box *other = NULL;
        struct sbx_result r;
        _cleanup_free_ char *max_s = NULL;
        uint64_t max = 0;
        unsigned uid_a, uid_b, n;
        double ready, end, when;
        char e_a[32], e_b[32];
        pthread_t t;

        assert_int_equal(sbx_read_file("/proc/sys/fs/inotify/max_user_instances", 64, &max_s, NULL),
                         0);
        max_s[strcspn(max_s, "\n")] = '\0';
        assert_int_equal(sbx_parse_u64(max_s, &max), 0);
        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &h.box, &err), 0);
        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &other, &err), 0);
        assert_int_equal(pthread_create(&t, NULL, hold, &h), 0);
        sleep(2);
        run_py(other, &p, inotify_one, NULL, 0, &r);
        pthread_join(t, NULL);
        assert_int_equal(h.status, 0);
        assert_int_equal(h.r.verdict, SBX_VERDICT_OK);
        assert_int_equal(sscanf(h.r.out.data, "%u %u %31s %lf %lf", &uid_a, &n, e_a, &ready, &end),
                         5);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_int_equal(sscanf(r.out.data, "%u %31s %lf", &uid_b, e_b, &when), 3);
        print_message("uids %u and %u; %u inotify instances held (then %s), the other: %s\n", uid_a,
                      uid_b, n, e_a, e_b);
        assert_int_not_equal(uid_a, uid_b);
        assert_int_equal(n, max); /* the whole per-user allowance, and no more */
        assert_string_equal(e_a, "EMFILE");
        assert_true(ready < when && when < end); /* while they were held */
        assert_string_equal(e_b, "ok");
        result_clear(&r);
        result_clear(&h.r);
        sbx_docker_ops.box_destroy(be, h.box, NULL);
        sbx_docker_ops.box_destroy(be, other, NULL);
}

static void test_files(void **state)
{
        struct sbx_policy p = policy();
        const struct sbx_file files[] = {
            {.path = "pkg/main.py", .data = "print(open('/tmp/in.txt').read())", .size = 34},
            {.path = "/tmp/in.txt", .data = "data!", .size = 5},
        };
        const char *const argv[] = {PY, "pkg/main.py", NULL};
        const struct sbx_spec spec = {
            .argv = argv, .env = test_env, .files = files, .n_files = 2, .policy = &p};
        struct sbx_error *err = NULL;
        struct sbx_result r = {0};

        assert_int_equal(sbx_docker_ops.run(be, NULL, &spec, &r, &err), 0);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "data!\n");
        result_clear(&r);
        const struct sbx_file bad = {.path = "../etc/x", .data = "", .size = 0};
        const struct sbx_spec bad_spec = {
            .argv = argv, .env = test_env, .files = &bad, .n_files = 1, .policy = &p};
        assert_true(sbx_docker_ops.run(be, NULL, &bad_spec, &r, &err) < 0);
        sbx_error_free(err);
        result_clear(&r);
}

/* A job's files replace what an earlier job of the sandbox left at their paths (a symlink is
 * replaced, never followed; a read-only file is replaced), as the archive endpoint does. */
static void test_files_replace(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_result r = {0};
        const struct sbx_file files[] = {
            {.path = "link.txt", .data = "new", .size = 3},
            {.path = "ro.txt", .data = "new", .size = 3, .mode = 0600},
            {.path = "/tmp/d/e/f.txt", .data = "deep", .size = 4},
        };
        const char *const argv[] = {
            PY, "-c",
            "import os\nprint(os.path.exists('/tmp/target'), os.path.islink('link.txt'),\n"
            "      open('link.txt').read(), open('ro.txt').read(),\n"
            "      oct(os.stat('ro.txt').st_mode & 0o777), open('/tmp/d/e/f.txt').read(),\n"
            "      os.stat('/tmp/d/e').st_uid == os.getuid())",
            NULL};
        const struct sbx_spec spec = {
            .argv = argv, .env = test_env, .files = files, .n_files = 3, .policy = &p};

        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        run_py(box, &p,
               "import os\nos.symlink('/tmp/target', 'link.txt')\n"
               "open('ro.txt', 'w').write('old'); os.chmod('ro.txt', 0o444)",
               NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        result_clear(&r);
        assert_int_equal(sbx_docker_ops.run(be, box, &spec, &r, &err), 0);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "False False new new 0o600 deep True\n");
        result_clear(&r);
        sbx_docker_ops.box_destroy(be, box, NULL);
}

static void test_box_files(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_output out = {0};
        struct sbx_result r;
        const struct sbx_file f = {.path = "state.txt", .data = "0123456789", .size = 10};

        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        assert_int_equal(sbx_docker_ops.box_write(be, box, &f, &err), 0);
        run_py(box, &p, "open('state.txt', 'a').write('ab'); open('new.txt', 'w').write('n')", NULL,
               0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        result_clear(&r);
        assert_int_equal(sbx_docker_ops.box_read(be, box, "state.txt", 100, &out, &err), 0);
        assert_string_equal(out.data, "0123456789ab");
        assert_false(out.truncated);
        free(out.data);
        assert_int_equal(sbx_docker_ops.box_read(be, box, "state.txt", 4, &out, &err), 0);
        assert_int_equal(out.size, 4);
        assert_true(out.truncated);
        free(out.data);
        assert_int_equal(sbx_docker_ops.box_remove(be, box, "new.txt", &err), 0);
        assert_true(sbx_docker_ops.box_read(be, box, "new.txt", 100, &out, &err) < 0);
        err = sbx_error_free(err);
        sbx_docker_ops.box_destroy(be, box, NULL);
}

static void test_stray_holds_stdout(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_result r;
        uint64_t t0 = sbx_now_ms();

        run_py(NULL, &p, "import subprocess; subprocess.Popen(['sleep', '100']); print('done')",
               NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "done\n");
        assert_true(sbx_now_ms() - t0 < scaled_ms(5000));
        result_clear(&r);
}

static void test_pool_reset(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_error *err = NULL;
        struct sbx_result r;
        char code[2048];

        assert_int_equal(sbx_docker_set_pool_size(be, 1, &err), 0);
        assert_int_equal(sbx_docker_warm(be, image, &p, &err), 0);
        snprintf(code, sizeof(code),
                 "%sopen('/sandbox/left', 'w').write('x'); open('/tmp/left', 'w').write('x')\n"
                 "import os\nos.makedirs('/sandbox/d/e'); open('/sandbox/d/e/f', 'w').write('x')\n"
                 "os.symlink('/etc', '/sandbox/etc'); os.chmod('/sandbox/d', 0)\n"
                 "os.chmod('/sandbox', 0o500)\n",
                 spawn_and_wait);
        run_py(NULL, &p, code, NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        result_clear(&r);
        snprintf(
            code, sizeof(code),
            "%simport os\nprint(os.path.exists('/sandbox/left'), os.path.exists('/tmp/left'))\n"
            "print(os.listdir('/sandbox'), os.listdir('/tmp'))\n"
            "open('/sandbox/new', 'w').write('x')\n",
            count_procs);
        run_py(NULL, &p, code, NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "0\nFalse False\n[] []\n");
        result_clear(&r);
        assert_int_equal(sbx_docker_set_pool_size(be, 0, &err), 0);
}

/* A job in a pooled container goes to the in-container agent (docker/agent_main.c), and can do
 * nothing to it: not signal or trace it, not reach its socket, not forge the status it reports,
 * not keep a process for the next job. */
static const char *agent_attacks =
    "import ctypes, os, signal, socket, subprocess, sys\n"
    "agent = os.getppid()\n"
    "print(open('/proc/%d/cmdline' % agent).read().split('\\0')[1])\n"
    "for pid in (agent, 1):\n"
    "    try: os.kill(pid, signal.SIGKILL); print('killed', pid)\n"
    "    except PermissionError: print('kill EPERM')\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "print('ptrace', libc.ptrace(16, agent, 0, 0), ctypes.get_errno())\n"
    "for path in ('/.sandboxrt-run/sock', '/.sandboxrt-run'):\n"
    "    with socket.socket(socket.AF_UNIX) as s:\n"
    "        try: s.connect(path); print('connected', path)\n"
    "        except PermissionError: print('connect EACCES')\n"
    "        except OSError as e: print('connect', e.errno)\n"
    "links = {}\n"
    "for f in os.listdir('/proc/self/fd'):\n"
    "    try: links[int(f)] = os.readlink('/proc/self/fd/' + f)\n"
    "    except FileNotFoundError: pass\n"
    "kinds = set(l.split(':')[0] for f, l in links.items() if f <= 2)\n"
    "print(sorted(kinds), [f for f, l in links.items() if l.startswith('socket:')])\n"
    "open('/.sandboxrt/exit', 'w').write('0 0\\n')\n"
    "subprocess.Popen(['sleep', '100'], start_new_session=True)\n"
    "sys.stdout.flush(); os._exit(3)\n";

static void test_agent_attacks(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_error *err = NULL;
        struct sbx_result r;

        if (geteuid() != 0) /* the agent needs a root-owned directory (see docker/README.md) */
                skip();
        assert_int_equal(sbx_docker_set_pool_size(be, 1, &err), 0);
        assert_int_equal(sbx_docker_warm(be, image, &p, &err), 0);
        run_py(NULL, &p, agent_attacks, NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_RUNTIME_ERROR);
        assert_int_equal(r.exit_code, 3); /* not the forged record's 0 */
        assert_string_equal(r.out.data, "--agent\nkill EPERM\nkill EPERM\nptrace -1 1\n"
                                        "connect EACCES\nconnect EACCES\n['pipe'] []\n");
        result_clear(&r);
        /* The agent still serves, and nothing of the last job is left. */
        assert_no_job_left(NULL);
        assert_no_job_left(NULL);
        assert_int_equal(sbx_docker_set_pool_size(be, 0, &err), 0);
}

/* A job the agent starts is stopped by the host's limits as an exec is; its streams are the
 * host's pipes, whole beyond one pipe's buffer, in both directions. */
static void test_agent_limits_and_streams(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_error *err = NULL;
        struct sbx_result r;
        size_t n = 3u << 20;
        char *in = malloc(n);

        assert_non_null(in);
        memset(in, 'x', n);
        assert_int_equal(sbx_docker_set_pool_size(be, 1, &err), 0);
        assert_int_equal(sbx_docker_warm(be, image, &p, &err), 0);
        run_py(NULL, &p,
               "import sys; d = sys.stdin.buffer.read(); sys.stdout.write(str(len(d)) + '\\n');"
               "sys.stderr.write('e' * 500000)",
               in, n, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "3145728\n");
        assert_int_equal(r.err.size, 500000);
        result_clear(&r);
        p.limits.wall_ms = scaled_ms(1000);
        run_py(NULL, &p, "import os\nos.fork()\nwhile True: pass", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_TIME_LIMIT);
        result_clear(&r);
        p = policy();
        p.limits.output_bytes = 4096;
        run_py(NULL, &p, "while True: print('y' * 1000)", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OUTPUT_LIMIT);
        result_clear(&r);
        assert_no_job_left(NULL);
        assert_int_equal(sbx_docker_set_pool_size(be, 0, &err), 0);
        free(in);
}

/* Without the agent (SANDBOXRT_DOCKER_NO_AGENT; what a host without the container's cgroup gets),
 * jobs are execs under the waiter, with the same results. */
static void test_exec_fallback(void **state)
{
        struct sbx_runtime_options opts = {.image = image};
        struct sbx_backend *agentless = NULL, *saved = be;
        struct sbx_policy p = policy();
        struct sbx_error *err = NULL;
        struct sbx_result r;

        setenv("SANDBOXRT_DOCKER_NO_AGENT", "1", 1);
        assert_int_equal(sbx_docker_ops.open(&opts, &agentless, &err), 0);
        unsetenv("SANDBOXRT_DOCKER_NO_AGENT");
        be = agentless;
        run_py(NULL, &p,
               "import os, sys\nprint(open('/proc/%d/cmdline' % "
               "os.getppid()).read().split('\\0')[0])\n"
               "sys.exit(130)",
               NULL, 0, &r);
        be = saved;
        sbx_docker_ops.close(agentless);
        assert_int_equal(r.verdict, SBX_VERDICT_RUNTIME_ERROR);
        assert_int_equal(r.exit_code, 130);
        assert_string_equal(r.out.data, "/.sandboxrt/waiter\n");
        result_clear(&r);
}

/* Rename the sockets named `from` of the agents in our state directory's agents/ to `to` (or
 * unlink them, to NULL) once one is there, or after a few seconds. Without its socket, an agent's
 * container runs its next jobs as execs. */
static void move_agent_sockets(const char *from, const char *to)
{
        _cleanup_free_ char *state = NULL, *agents = NULL;
        struct sbx_error *err = NULL;
        struct dirent *de;
        DIR *d;

        assert_int_equal(sbx_state_dir_open(&state, &err), 0);
        agents = sbx_strdup_printf("%s/agents", state);
        for (uint64_t until = sbx_now_ms() + scaled_ms(5000); sbx_now_ms() < until;) {
                bool moved = false;
                assert_non_null(d = opendir(agents));
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        _cleanup_free_ char *src =
                            sbx_strdup_printf("%s/%s/%s", agents, de->d_name, from);
                        _cleanup_free_ char *dst =
                            to ? sbx_strdup_printf("%s/%s/%s", agents, de->d_name, to) : NULL;
                        moved |= (to ? rename(src, dst) : unlink(src)) == 0;
                }
                closedir(d);
                if (moved)
                        return;
                usleep(20000);
        }
}

/* A container made for the agent keeps the agent's capabilities in its bounding set
 * (docker/container.c: add_agent_caps). When its agent does not answer (it did not listen in
 * time, or its socket is gone), its jobs are execs, and they leave with a bounding set as empty
 * as the agent's jobs: the first process of the container still has the capabilities. */
static void test_exec_fallback_drops_agent_caps(void **state)
{
        static const char *probe =
            "import os\n"
            "def caps(pid):\n"
            "    st = dict(l.split(':\\t', 1) for l in open('/proc/%s/status' % pid)\n"
            "              .read().splitlines())\n"
            "    return ' '.join(st[k] for k in ('CapBnd', 'CapPrm', 'CapEff'))\n"
            "parent = open('/proc/%d/cmdline' % os.getppid()).read().split('\\0')\n"
            "print(os.getuid() != 0, caps(1), '|', caps('self'), '|', '--agent' not in parent)\n";
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_result r;

        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        run_py(box, &p, "pass", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        result_clear(&r);
        move_agent_sockets("sock", NULL);
        run_py(box, &p, probe, NULL, 0, &r);
        sbx_docker_ops.box_destroy(be, box, NULL);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        /* An exec (its parent is the waiter, not the agent); in the container CAP_CHOWN,
         * CAP_SETGID, CAP_SETUID and CAP_SETPCAP, in the job none. */
        assert_string_equal(r.out.data, "True 00000000000001c1 00000000000001c1 00000000000001c1"
                                        " | 0000000000000000 0000000000000000 0000000000000000"
                                        " | True\n");
        result_clear(&r);
}

/* What code printed in box ("failed" unless it ended OK), to assert once the box is gone. */
static char *box_output(struct sbx_box *box, const struct sbx_policy *p, const char *code)
{
        struct sbx_result r;

        run_py(box, p, code, NULL, 0, &r);
        char *out = strdup(r.verdict == SBX_VERDICT_OK && r.out.data ? r.out.data : "failed");
        result_clear(&r);
        return out;
}

/* A container whose agent does not answer runs its jobs as execs until the agent's socket is
 * there (again): a loaded host can start the agent after the container's start stopped waiting
 * for it (docker/container.c: sbx_docker_container_agent). */
static void test_agent_found_again(void **state)
{
        /* Either way the job's streams are its own: it may open them by path. */
        static const char *parent_is_agent =
            "import os\n"
            "open('/dev/stdin').close()\n"
            "print('--agent' in open('/proc/%d/cmdline' % os.getppid()).read().split('\\0'))\n";
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        _cleanup_free_ char *exec = NULL, *agent = NULL;

        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        free(box_output(box, &p, "pass"));
        move_agent_sockets("sock", "sock.away");
        exec = box_output(box, &p, parent_is_agent);
        move_agent_sockets("sock.away", "sock");
        agent = box_output(box, &p, parent_is_agent);
        sbx_docker_ops.box_destroy(be, box, NULL);
        assert_string_equal(exec, "False\n");
        assert_string_equal(agent, "True\n");
}

/* The probes of tests/payloads/syscalls.c in a container: the same answers as in the native jail
 * (tests/jail/seccomp.sh), from our profile and not the engine's default, which lets AF_VSOCK,
 * AF_ALG, modify_ldt, ptrace and io_uring through and answers keyctl with EPERM. */
static const struct {
        const char *probe;
        const char *want; /* the probe's output, or NULL: killed (POLICY_VIOLATION) */
} seccomp_rows[] = {
    {"socket_vsock", "errno=EAFNOSUPPORT"},
    {"socket_alg", "errno=EAFNOSUPPORT"},
    {"socket_key", "errno=EAFNOSUPPORT"},
    {"socket_packet", "errno=EAFNOSUPPORT"},
    {"modify_ldt", NULL},
    {"iopl", NULL},
    {"ioperm", NULL},
    {"syslog", NULL},
    {"reboot", NULL},
    {"x32_getpid", NULL},
    {"keyctl", "errno=ENOSYS"},
    {"io_uring_setup", "errno=ENOSYS"},
    {"clone3", "errno=ENOSYS"},
    {"ptrace", "errno=EPERM"},
    {"unshare", "errno=EPERM"},
    {"clone_newuser", "errno=EPERM"},
    {"personality_read_implies_exec", "errno=EPERM"},
    {"ioctl_tiocsti_hibits", "errno=EPERM"},
    {"perf_event_open", "errno=EPERM"},
    {"userfaultfd", "errno=EPERM"},
    {"clone_plain", "errno=EINVAL"}, /* reached the kernel: allowed */
    {"fork", "ok"},
    {"thread", "ok"},
    {"spawn", "ok"},
    {"socket_inet", "ok"},
    {"socket_unix", "ok"},
    {"memfd_create", "ok"},
};

static void test_seccomp_profile(void **state)
{
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_file probe = {.path = "probe", .mode = 0755};
        char *data = NULL;
        size_t size = 0;

        assert_int_equal(sbx_read_file(SBX_PAYLOAD_SYSCALLS, 16u << 20, &data, &size), 0);
        probe.data = data;
        probe.size = size;
        assert_int_equal(sbx_docker_ops.box_create(be, &p, image, &box, &err), 0);
        assert_int_equal(sbx_docker_ops.box_write(be, box, &probe, &err), 0);
        for (size_t i = 0; i < ELEMENTSOF(seccomp_rows); i++) {
                const char *const argv[] = {"./probe", seccomp_rows[i].probe, NULL};
                const struct sbx_spec spec = {.argv = argv, .env = test_env, .policy = &p};
                struct sbx_result r = {0};
                char want[128];

                assert_int_equal(sbx_docker_ops.run(be, box, &spec, &r, &err), 0);
                if (!seccomp_rows[i].want) {
                        if (r.verdict != SBX_VERDICT_POLICY_VIOLATION || r.signal != SIGSYS)
                                fail_msg("%s: want POLICY_VIOLATION, got %s (exit %d, signal %d) "
                                         "%s",
                                         seccomp_rows[i].probe, sbx_verdict_to_string(r.verdict),
                                         r.exit_code, r.signal, r.out.data);
                } else {
                        snprintf(want, sizeof(want), "%s %s\n", seccomp_rows[i].probe,
                                 seccomp_rows[i].want);
                        if (r.verdict != SBX_VERDICT_OK || strcmp(r.out.data, want))
                                fail_msg("%s: want '%s', got %s '%s'", seccomp_rows[i].probe,
                                         seccomp_rows[i].want, sbx_verdict_to_string(r.verdict),
                                         r.out.data);
                }
                result_clear(&r);
        }
        sbx_docker_ops.box_destroy(be, box, NULL);
        free(data);
}

/* The same programs under the native jail and in a container end with the same verdict, exit
 * code, signal, output sizes, truncation flags and message: the engine reports exit(130) and a
 * SIGINT alike, so this needs sandboxrt-waiter's record. */
static const struct {
        const char *what;
        const char *code; /* python, or NULL: run a program that does not exist */
} parity_rows[] = {
    {"exit(130)", "import sys; sys.exit(130)"},
    {"exit(137)", "import sys; sys.stderr.write('x'); sys.exit(137)"},
    {"SIGTERM", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"},
    {"SIGSEGV", "import ctypes; ctypes.string_at(0)"},
    {"memory bomb", "a = []\nwhile True: a.append(' ' * (1 << 20))\n"},
    {"output flood", "import sys\nwhile True: sys.stdout.write('x' * 4096)\n"},
    {"stderr flood", "import sys\nwhile True: sys.stderr.write('x' * 4096)\n"},
    {"no such program", NULL},
};

static void run_on(const struct sbx_backend_ops *ops, struct sbx_backend *b, const char *code,
                   struct sbx_result *r)
{
        struct sbx_policy p = policy();
        const char *const py[] = {PY, "-c", code, NULL};
        const char *const missing[] = {"no-such-program", NULL};
        const struct sbx_spec spec = {.argv = code ? py : missing, .env = test_env, .policy = &p};
        struct sbx_error *err = NULL;

        p.limits.memory_bytes = 64u << 20;
        p.limits.output_bytes = 65536;
        memset(r, 0, sizeof(*r));
        if (ops->run(b, NULL, &spec, r, &err) < 0)
                fail_msg("%s: %s", ops->name, err && err->message ? err->message : "?");
}

static void test_verdict_parity(void **state)
{
        struct sbx_backend *native = NULL;
        struct sbx_error *err = NULL;

        if (sbx_native_ops.probe(&err) < 0 || sbx_native_ops.open(NULL, &native, &err) < 0) {
                print_message("skipped: no native jail here: %s\n",
                              err && err->message ? err->message : "?");
                sbx_error_free(err);
                skip();
        }
        for (size_t i = 0; i < ELEMENTSOF(parity_rows); i++) {
                struct sbx_result n, d;

                run_on(&sbx_native_ops, native, parity_rows[i].code, &n);
                run_on(&sbx_docker_ops, be, parity_rows[i].code, &d);
                print_message("%-16s native %s %d/%d, docker %s %d/%d\n", parity_rows[i].what,
                              sbx_verdict_to_string(n.verdict), n.exit_code, n.signal,
                              sbx_verdict_to_string(d.verdict), d.exit_code, d.signal);
                if (n.verdict != d.verdict || n.exit_code != d.exit_code || n.signal != d.signal ||
                    n.out.size != d.out.size || n.err.size != d.err.size ||
                    n.out.truncated != d.out.truncated || n.err.truncated != d.err.truncated ||
                    !n.message != !d.message || (n.message && strcmp(n.message, d.message)))
                        fail_msg("%s: native and docker differ (messages '%s', '%s')",
                                 parity_rows[i].what, n.message ? n.message : "",
                                 d.message ? d.message : "");
                result_clear(&n);
                result_clear(&d);
        }
        sbx_native_ops.close(native);
}

/* An image named by its ID ("sha256:<hex>", what `docker image inspect` prints) runs. A repo
 * digest (name@sha256:<manifest digest>) exists only for images pulled from or pushed to a
 * registry, which this test cannot reach: test_docker_ref checks how those are parsed and pulled.
 */
static void test_image_by_digest(void **state)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/images/%s/json", image);
        struct sbx_docker_engine *e = NULL;
        struct sbx_docker_response resp = {0};
        struct sbx_error *err = NULL;
        struct sbx_policy p = policy();
        struct sbx_box *box = NULL;
        struct sbx_result r;
        cJSON *j, *id;

        assert_int_equal(sbx_docker_engine_open(&e, &err), 0);
        assert_int_equal(
            sbx_docker_request(e, "GET", path, NULL, NULL, 0, 1u << 20, 10000, &resp, &err), 0);
        j = cJSON_ParseWithLength(resp.body, resp.size);
        id = cJSON_GetObjectItemCaseSensitive(j, "Id");
        assert_true(cJSON_IsString(id) && !strncmp(id->valuestring, "sha256:", 7));
        print_message("%s is %s\n", image, id->valuestring);
        assert_int_equal(sbx_docker_ops.box_create(be, &p, id->valuestring, &box, &err), 0);
        run_py(box, &p, "print('by digest')", NULL, 0, &r);
        assert_int_equal(r.verdict, SBX_VERDICT_OK);
        assert_string_equal(r.out.data, "by digest\n");
        result_clear(&r);
        sbx_docker_ops.box_destroy(be, box, NULL);
        /* An ID that is not on the engine cannot be pulled: a clear error, no pull attempted. */
        assert_true(sbx_docker_ops.box_create(be, &p,
                                              "sha256:00000000000000000000000000000000000000000000"
                                              "00000000000000000000",
                                              &box, &err) < 0);
        assert_non_null(strstr(err->message, "an image ID cannot be pulled"));
        err = sbx_error_free(err);
        cJSON_Delete(j);
        sbx_docker_response_clear(&resp);
        sbx_docker_engine_free(e);
}

static int open_backend(void)
{
        struct sbx_runtime_options opts = {.image = image};
        struct sbx_error *err = NULL;

        if (sbx_docker_ops.probe(&err) < 0) {
                fprintf(stderr, "skipped: %s\n", err && err->message ? err->message : "no engine");
                sbx_error_free(err);
                return 77;
        }
        if (sbx_docker_ops.open(&opts, &be, &err) < 0) {
                fprintf(stderr, "docker backend: %s\n", err && err->message ? err->message : "?");
                sbx_error_free(err);
                return 1;
        }
        return 0;
}

static int hang(void)
{
        struct sbx_policy p = policy();
        struct sbx_result r;

        p.limits.wall_ms = 600000;
        printf("%d\n", (int)getpid());
        fflush(stdout);
        run_py(NULL, &p, "import time; time.sleep(600)", NULL, 0, &r);
        return 0;
}

static int bench(const char *mode, int n, unsigned pool)
{
        struct sbx_policy p = policy();
        struct sbx_error *err = NULL;
        struct sbx_result r;

        if (!strcmp(mode, "warm") && (sbx_docker_set_pool_size(be, pool, &err) < 0 ||
                                      sbx_docker_warm(be, image, &p, &err) < 0)) {
                fprintf(stderr, "warming: %s\n", err && err->message ? err->message : "?");
                return 1;
        }
        for (int i = 0; i < n; i++) {
                uint64_t t0 = sbx_now_usec();
                run_py(NULL, &p, "pass", NULL, 0, &r);
                uint64_t t1 = sbx_now_usec();
                if (r.verdict != SBX_VERDICT_OK) {
                        fprintf(stderr, "job %d: %s\n", i, sbx_verdict_to_string(r.verdict));
                        return 1;
                }
                result_clear(&r);
                printf("%.3f\n", (double)(t1 - t0) / 1000.0);
                fflush(stdout);
        }
        return 0;
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hello),
            cmocka_unit_test(test_exit_codes),
            cmocka_unit_test(test_stdin),
            cmocka_unit_test(test_wall_timeout),
            cmocka_unit_test(test_cpu_timeout),
            cmocka_unit_test(test_stop),
            cmocka_unit_test(test_memory_limit),
            cmocka_unit_test(test_fork_bomb),
            cmocka_unit_test(test_output_flood),
            cmocka_unit_test(test_no_network),
            cmocka_unit_test(test_read_only_root),
            cmocka_unit_test(test_non_root),
            cmocka_unit_test(test_files),
            cmocka_unit_test(test_box_files),
            cmocka_unit_test(test_files_replace),
            cmocka_unit_test(test_stray_holds_stdout),
            cmocka_unit_test(test_pool_reset),
            cmocka_unit_test(test_agent_attacks),
            cmocka_unit_test(test_agent_limits_and_streams),
            cmocka_unit_test(test_exec_fallback),
            cmocka_unit_test(test_exec_fallback_drops_agent_caps),
            cmocka_unit_test(test_agent_found_again),
            cmocka_unit_test(test_seccomp_profile),
            cmocka_unit_test(test_uid_per_container),
            cmocka_unit_test(test_verdict_parity),
            cmocka_unit_test(test_image_by_digest),
        };
        int r;

        image = getenv("SBX_DOCKER_TEST_IMAGE") ? getenv("SBX_DOCKER_TEST_IMAGE")
                                                : "sandboxrt-test/python:3.11";
        if ((r = open_backend()) != 0)
                return r;
        if (argc > 1 && !strcmp(argv[1], "hang"))
                return hang();
        if (argc > 3 && !strcmp(argv[1], "bench")) {
                uint64_t n = 0, pool = 4;
                if (sbx_parse_u64(argv[3], &n) < 0 || n > 10000 ||
                    (argc > 4 && (sbx_parse_u64(argv[4], &pool) < 0 || pool > 64)))
                        return 2;
                r = bench(argv[2], (int)n, (unsigned)pool);
                sbx_docker_ops.close(be);
                return r;
        }
        if (argc > 1 && !strcmp(argv[1], "reap")) {
                sbx_docker_ops.close(be);
                return 0;
        }
        r = cmocka_run_group_tests_name("docker", tests, NULL, NULL);
        sbx_docker_ops.close(be);
        return r;
}
