/* The default seccomp filter against docs/spec/seccomp-defaults.md: every row is checked in a
 * forked child that sets no_new_privs, loads the compiled program and makes the call (the probes
 * and their harmless arguments live in tests/payloads/syscalls.c). A canary filter underneath shows
 * that each refusal comes from our filter and not from the kernel. */
#define SBX_SYSCALLS_NO_MAIN
#include "../payloads/syscalls.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <cmocka.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cjson/cJSON.h>

#include "docker/seccomp.h"
#include "isolation/seccomp.h"
#include "util.h"

static struct sbx_seccomp *filter;

enum want {
        WANT_ERRNO, /* the call fails with exactly this errno */
        WANT_KILL,  /* the process dies of SIGSYS */
        WANT_OK,    /* the call succeeds */
        WANT_SAME,  /* the filter lets the call through: same answer as without it */
};

struct row {
        const char *probe;
        enum want want;
        int err;
};

/* The oracle, straight from the spec's table. */
static const struct row spec_rows[] = {
    {"clone3", WANT_ERRNO, ENOSYS},
    {"unshare", WANT_ERRNO, EPERM},
    {"setns", WANT_ERRNO, EPERM},
    {"mount", WANT_ERRNO, EPERM},
    {"umount2", WANT_ERRNO, EPERM},
    {"pivot_root", WANT_ERRNO, EPERM},
    {"chroot", WANT_ERRNO, EPERM},
    {"fsopen", WANT_ERRNO, EPERM},
    {"fsconfig", WANT_ERRNO, EPERM},
    {"fsmount", WANT_ERRNO, EPERM},
    {"fspick", WANT_ERRNO, EPERM},
    {"move_mount", WANT_ERRNO, EPERM},
    {"open_tree", WANT_ERRNO, EPERM},
    {"mount_setattr", WANT_ERRNO, EPERM},
    {"io_uring_setup", WANT_ERRNO, ENOSYS},
    {"io_uring_enter", WANT_ERRNO, ENOSYS},
    {"io_uring_register", WANT_ERRNO, ENOSYS},
    {"bpf", WANT_ERRNO, EPERM},
    {"perf_event_open", WANT_ERRNO, EPERM},
    {"userfaultfd", WANT_ERRNO, EPERM},
    {"keyctl", WANT_ERRNO, ENOSYS},
    {"add_key", WANT_ERRNO, ENOSYS},
    {"request_key", WANT_ERRNO, ENOSYS},
    {"ptrace", WANT_ERRNO, EPERM},
    {"process_vm_readv", WANT_ERRNO, EPERM},
    {"process_vm_writev", WANT_ERRNO, EPERM},
    {"kcmp", WANT_ERRNO, EPERM},
    {"pidfd_getfd", WANT_ERRNO, EPERM},
    {"process_madvise", WANT_ERRNO, EPERM},
    {"open_by_handle_at", WANT_ERRNO, EPERM},
    {"name_to_handle_at", WANT_ERRNO, EPERM},
    {"init_module", WANT_KILL, 0},
    {"finit_module", WANT_KILL, 0},
    {"delete_module", WANT_KILL, 0},
    {"kexec_load", WANT_KILL, 0},
    {"kexec_file_load", WANT_KILL, 0},
    {"reboot", WANT_KILL, 0},
    {"swapon", WANT_KILL, 0},
    {"swapoff", WANT_KILL, 0},
    {"acct", WANT_KILL, 0},
    {"quotactl", WANT_KILL, 0},
    {"quotactl_fd", WANT_KILL, 0},
    {"syslog", WANT_KILL, 0},
    {"settimeofday", WANT_ERRNO, EPERM},
    {"clock_settime", WANT_ERRNO, EPERM},
    {"clock_adjtime", WANT_ERRNO, EPERM},
    {"adjtimex", WANT_ERRNO, EPERM},
    {"iopl", WANT_KILL, 0},
    {"ioperm", WANT_KILL, 0},
    {"modify_ldt", WANT_KILL, 0},
    {"vm86", WANT_KILL, 0},
    {"vm86old", WANT_KILL, 0},
    {"uselib", WANT_ERRNO, ENOSYS},
    {"ustat", WANT_ERRNO, ENOSYS},
    {"sysfs", WANT_ERRNO, ENOSYS},
    {"_sysctl", WANT_ERRNO, ENOSYS},
    {"nfsservctl", WANT_ERRNO, ENOSYS},
    {"lookup_dcookie", WANT_ERRNO, ENOSYS},
    {"mbind", WANT_ERRNO, EPERM},
    {"set_mempolicy", WANT_ERRNO, EPERM},
    {"migrate_pages", WANT_ERRNO, EPERM},
    {"move_pages", WANT_ERRNO, EPERM},
    {"fanotify_init", WANT_ERRNO, EPERM},
    {"clone_newns", WANT_ERRNO, EPERM},
    {"clone_newcgroup", WANT_ERRNO, EPERM},
    {"clone_newuts", WANT_ERRNO, EPERM},
    {"clone_newipc", WANT_ERRNO, EPERM},
    {"clone_newuser", WANT_ERRNO, EPERM},
    {"clone_newpid", WANT_ERRNO, EPERM},
    {"clone_newnet", WANT_ERRNO, EPERM},
    {"clone_newnet_hibits", WANT_ERRNO, EPERM},
    {"socket_packet", WANT_ERRNO, EAFNOSUPPORT},
    {"socket_alg", WANT_ERRNO, EAFNOSUPPORT},
    {"socket_key", WANT_ERRNO, EAFNOSUPPORT},
    {"socket_vsock", WANT_ERRNO, EAFNOSUPPORT},
    {"socket_unspec", WANT_ERRNO, EAFNOSUPPORT},
    {"socket_inet_hibits", WANT_ERRNO, EAFNOSUPPORT},
    {"socket_netlink_uevent", WANT_ERRNO, EPROTONOSUPPORT},
    {"socket_netlink_audit", WANT_ERRNO, EPROTONOSUPPORT},
    {"ioctl_tiocsti", WANT_ERRNO, EPERM},
    {"ioctl_tiocsti_hibits", WANT_ERRNO, EPERM},
    {"ioctl_tioclinux", WANT_ERRNO, EPERM},
    {"ioctl_tioclinux_hibits", WANT_ERRNO, EPERM},
    {"personality_read_implies_exec", WANT_ERRNO, EPERM},
    {"personality_addr_no_randomize", WANT_ERRNO, EPERM},
    {"x32_getpid", WANT_KILL, 0},
};

/* What must keep working under the filter. */
static const struct row allowed_rows[] = {
    {"fork", WANT_OK, 0},
    {"thread", WANT_OK, 0}, /* glibc tries clone3 (ENOSYS), then clone */
    {"spawn", WANT_OK, 0},  /* posix_spawn: clone3 fallback and execve */
    {"mmap_exec", WANT_OK, 0},
    {"mprotect_exec", WANT_OK, 0},
    {"memfd_create", WANT_OK, 0},
    {"getrandom", WANT_OK, 0},
    {"prctl", WANT_OK, 0},
    {"seccomp", WANT_OK, 0},
    {"membarrier", WANT_OK, 0},
    {"socket_unix", WANT_OK, 0},
    {"socket_inet", WANT_OK, 0},
    {"socket_netlink", WANT_OK, 0},
    {"socket_inet6", WANT_SAME, 0}, /* the host may lack IPv6 */
    {"personality_query", WANT_OK, 0},
    {"personality_query64", WANT_OK, 0},
    {"personality_linux", WANT_OK, 0},
    {"personality_linux32", WANT_OK, 0},
    {"personality_uname26", WANT_OK, 0},
    {"ioctl_fionread", WANT_OK, 0},
    {"ioctl_fionread_hibits", WANT_OK, 0},
    {"ioctl_tiocgwinsz", WANT_SAME, 0},
    {"clone_plain", WANT_SAME, 0},
    {"landlock_create_ruleset", WANT_SAME, 0},
};

struct outcome {
        bool reported; /* the body finished and wrote its result */
        long load;     /* sbx_seccomp_load's result (or prctl's -errno) */
        long ret;      /* the body's result */
        int signal;    /* the fatal signal, 0 if the child exited */
};

typedef long (*body_fn)(const void *arg);

#define NO_CANARY    (-1L)
#define CANARY_ERRNO EXDEV

/* How a child runs its body: under our filter or not, and with a canary or not. */
struct run {
        bool ours;
        long canary; /* a syscall number, or NO_CANARY */
};

/* The canary is an older filter that answers EXDEV to one syscall number. Where two filters both
 * answer with an errno the kernel keeps the newer one's, so under canary + ours, EXDEV means that
 * our filter let the call through. That holds even where the kernel itself would answer like our
 * filter (ENOSYS for _sysctl, EAFNOSUPPORT for a family it lacks), and the denied call never runs
 * on the host. */
static long load_canary(long nr)
{
        struct sock_filter insns[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | CANARY_ERRNO),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {ELEMENTSOF(insns), insns};

        return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0L, &prog) < 0 ? -errno : 0;
}

static void child_main(int fd, struct run how, body_fn body, const void *arg)
{
        struct rlimit no_core = {0, 0};
        long rec[2] = {0, 0};

        /* SIGSYS dumps core by default. cmocka's handlers for fatal signals would turn a crash
         * of the child (int 0x80 without i386 emulation: SIGSEGV) into a second test run. */
        setrlimit(RLIMIT_CORE, &no_core);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        if (how.ours || how.canary != NO_CANARY)
                rec[0] = prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0 ? -errno : 0;
        if (rec[0] == 0 && how.canary != NO_CANARY)
                rec[0] = load_canary(how.canary);
        if (rec[0] == 0 && how.ours)
                rec[0] = sbx_seccomp_load(filter);
        if (rec[0] < 0) {
                (void)!write(fd, rec, sizeof(rec));
                _exit(1);
        }
        rec[1] = body(arg);
        (void)!write(fd, rec, sizeof(rec));
        _exit(0);
}

/* Run body(arg) in a forked child set up as how says. */
static struct outcome run_as(struct run how, body_fn body, const void *arg)
{
        struct outcome o = {0};
        long rec[2];
        int fds[2], status;
        ssize_t n;
        pid_t pid;

        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                child_main(fds[1], how, body, arg);
        }
        close(fds[1]);
        do
                n = read(fds[0], rec, sizeof(rec));
        while (n < 0 && errno == EINTR);
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (n == (ssize_t)sizeof(rec)) {
                o.load = rec[0];
                o.ret = rec[1];
                o.reported = o.load >= 0;
        }
        assert_true(o.load == 0);
        if (WIFSIGNALED(status))
                o.signal = WTERMSIG(status);
        return o;
}

static struct outcome run_child(bool filtered, body_fn body, const void *arg)
{
        return run_as((struct run){filtered, NO_CANARY}, body, arg);
}

static long body_probe(const void *arg)
{
        return sbx_probe_run(arg);
}

static const struct sbx_probe *probe_for(const char *name)
{
        const struct sbx_probe *p = sbx_probe_find(name);

        if (!p)
                fail_msg("no probe %s in tests/payloads/syscalls.c", name);
        return p;
}

/* The syscall a probe is about. */
static long probe_nr(const struct sbx_probe *p)
{
        static const struct {
                const char *prefix;
                long nr;
        } by_prefix[] = {
            {"clone_", SYS_clone},          {"socket_", SYS_socket},
            {"ioctl_", SYS_ioctl},          {"personality_", SYS_personality},
            {"x32_", SYS_getpid | X32_BIT},
        };

        if (!p->fn)
                return p->nr;
        for (size_t i = 0; i < ELEMENTSOF(by_prefix); i++)
                if (strncmp(p->name, by_prefix[i].prefix, strlen(by_prefix[i].prefix)) == 0)
                        return by_prefix[i].nr;
        fail_msg("no syscall number known for probe %s", p->name);
        return NO_CANARY;
}

/* A plain-syscall row whose call this architecture lacks (vm86 on x86-64) has no probe. */
static bool row_absent(const struct row *r)
{
        return !sbx_probe_find(r->probe) && seccomp_syscall_resolve_name(r->probe) < 0;
}

static void check_outcome(const struct row *r, struct outcome o, struct outcome control)
{
        switch (r->want) {
        case WANT_ERRNO:
                if (!o.reported || o.ret != -r->err)
                        fail_msg("%s: want errno %s, got ret %ld signal %d", r->probe,
                                 strerrorname_np(r->err), o.reported ? o.ret : 0, o.signal);
                break;
        case WANT_KILL:
                if (o.reported || o.signal != SIGSYS)
                        fail_msg("%s: want SIGSYS, got ret %ld signal %d", r->probe, o.ret,
                                 o.signal);
                break;
        case WANT_OK:
                if (!o.reported || o.ret < 0)
                        fail_msg("%s: want success, got ret %ld signal %d", r->probe, o.ret,
                                 o.signal);
                break;
        case WANT_SAME:
                if (o.reported != control.reported || o.ret != control.ret ||
                    o.signal != control.signal)
                        fail_msg("%s: want %ld as without the filter, got ret %ld signal %d",
                                 r->probe, control.ret, o.ret, o.signal);
                break;
        }
}

static void check_row(const struct row *r)
{
        const struct sbx_probe *p = probe_for(r->probe);
        bool deny = r->want == WANT_ERRNO || r->want == WANT_KILL;
        struct run how = {false, deny ? probe_nr(p) : NO_CANARY};
        struct outcome control = run_as(how, body_probe, p), o;

        /* The canary alone must catch the probe's call: the probe makes the call the row is
         * about, and the answer below is our filter's. */
        if (deny && (!control.reported || control.ret != -CANARY_ERRNO))
                fail_msg("%s: the canary did not see the call (ret %ld signal %d)", r->probe,
                         control.ret, control.signal);
        how.ours = true;
        o = run_as(how, body_probe, p);
        check_outcome(r, o, control);
}

static void test_spec_rows(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(spec_rows); i++)
                if (!row_absent(&spec_rows[i]))
                        check_row(&spec_rows[i]);
}

static void test_allowed(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(allowed_rows); i++)
                check_row(&allowed_rows[i]);
}

/* int 0x80 from a 64-bit process carries AUDIT_ARCH_I386: a foreign arch. Hosts booted without
 * i386 emulation answer it with SIGSEGV instead. */
static bool int80_works(void)
{
        struct outcome control = run_child(false, body_probe, probe_for("int80_getpid"));

        return control.reported && control.ret > 0;
}

static void test_foreign_arch_kill(void **state)
{
        struct outcome o;

        if (!int80_works()) {
                print_message("skipped: no i386 emulation on this host\n");
                skip();
        }
        o = run_child(true, body_probe, probe_for("int80_getpid"));
        assert_false(o.reported);
        assert_int_equal(o.signal, SIGSYS);
}

/* Argument sweeps: one syscall, one argument taking many values, under our filter and a canary
 * on that syscall. A value our filter refuses gets its errno; one it lets through gets the
 * canary's EXDEV and never reaches the kernel. */
struct sweep {
        const char *what;
        long nr;
        unsigned int arg;
        bool (*allowed)(unsigned long v);
        int deny_errno;
        long base[6]; /* the other arguments */
};

static unsigned long values[8192];
static size_t n_values;

static void add_value(unsigned long v)
{
        assert_true(n_values < ELEMENTSOF(values));
        values[n_values++] = v;
}

static uint64_t xorshift(uint64_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

/* Single bits and pairs of bits of the low half, their complements, each with a clean and a
 * dirty upper half, and random values, both 32- and 64-bit. */
static void add_bit_patterns(void)
{
        uint64_t seed = 0x5eed5eed12345678ULL;

        for (unsigned int i = 0; i < 32; i++) {
                for (unsigned int j = i; j < 32; j++) {
                        uint32_t v = (UINT32_C(1) << i) | (UINT32_C(1) << j);

                        add_value(v);
                        add_value((uint32_t)~v);
                        add_value(0xdead00000000UL | v);
                        add_value(~(unsigned long)v);
                }
        }
        for (int i = 0; i < 1024; i++) {
                uint64_t v = xorshift(&seed);

                add_value(i % 2 ? (uint32_t)v : v);
        }
}

/* Every listed value, and each with the upper halves 1 << 32 and 0xffffffff << 32. */
static void add_with_upper(const unsigned long *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                add_value(v[i]);
                add_value((1UL << 32) | v[i]);
                add_value(0xffffffff00000000UL | v[i]);
        }
}

static long body_sweep(const void *arg)
{
        const struct sweep *sw = arg;

        for (size_t i = 0; i < n_values; i++) {
                long a[6], r;

                memcpy(a, sw->base, sizeof(a));
                a[sw->arg] = (long)values[i];
                r = syscall(sw->nr, a[0], a[1], a[2], a[3], a[4], a[5]) < 0 ? -errno : 0;
                if (r != (sw->allowed(values[i]) ? -CANARY_ERRNO : -sw->deny_errno))
                        return 1 + (long)i;
        }
        return 0;
}

static void run_sweep(const struct sweep *sw)
{
        struct outcome o = run_as((struct run){true, sw->nr}, body_sweep, sw);

        assert_true(o.reported);
        if (o.ret != 0)
                fail_msg("%s(%#lx): wrong answer under the filter", sw->what, values[o.ret - 1]);
}

/* The kernel reads the low 32 bits of clone's flags. */
static bool clone_allowed(unsigned long v)
{
        return ((uint32_t)v & 0x7E020000u) == 0;
}

static void test_clone_flags(void **state)
{
        const struct sweep sw = {"clone", SYS_clone, 0, clone_allowed, EPERM, {0}};
        struct outcome o;

        n_values = 0;
        add_bit_patterns();
        run_sweep(&sw);
        /* The real clone without namespace flags: the kernel answers (EINVAL: CLONE_THREAD
         * without CLONE_SIGHAND), not the filter. */
        o = run_child(true, body_probe, probe_for("clone_plain"));
        assert_true(o.reported);
        assert_int_equal(o.ret, -EINVAL);
}

static bool personality_allowed(unsigned long v)
{
        uint32_t low = (uint32_t)v;

        return low == 0 || low == 8 || low == 0x20000 || low == 0x20008 || low == 0xffffffff;
}

static void test_personality(void **state)
{
        static const unsigned long allowed[] = {0, 8, 0x20000, 0x20008, 0xffffffff};
        const struct sweep sw = {"personality",       SYS_personality, 0,
                                 personality_allowed, EPERM,           {0}};

        n_values = 0;
        add_bit_patterns();
        add_with_upper(allowed, ELEMENTSOF(allowed));
        run_sweep(&sw);
}

/* The filter refuses any family whose register has a dirty upper half (stricter than the
 * kernel, which would read the low 32 bits). */
static bool family_allowed(unsigned long v)
{
        return v == AF_UNIX || v == AF_INET || v == AF_INET6 || v == AF_NETLINK;
}

static void test_socket_families(void **state)
{
        const struct sweep sw = {"socket", SYS_socket, 0, family_allowed, EAFNOSUPPORT, {0}};
        static const unsigned long big[] = {255, 256, 0x10010, 0x7fffffff, 0x80000000, 0x80000002};

        n_values = 0;
        for (unsigned long f = 0; f < 128; f++)
                add_value(f);
        add_with_upper(big, ELEMENTSOF(big));
        add_bit_patterns();
        run_sweep(&sw);
}

/* A netlink socket's protocol is NETLINK_ROUTE or refused; a dirty upper half is refused too. */
static bool netlink_allowed(unsigned long v)
{
        return v == NETLINK_ROUTE;
}

static void test_netlink_protocols(void **state)
{
        const struct sweep sw = {"socket(AF_NETLINK)", SYS_socket,      2,
                                 netlink_allowed,      EPROTONOSUPPORT, {AF_NETLINK, SOCK_RAW}};
        static const unsigned long some[] = {0, 4, 9, 15, 16, 31, 32};

        n_values = 0;
        for (unsigned long p = 0; p < 64; p++)
                add_value(p);
        add_with_upper(some, ELEMENTSOF(some));
        add_bit_patterns();
        run_sweep(&sw);
}

/* ioctl's command is an unsigned int: TIOCSTI and TIOCLINUX are refused whatever the upper half
 * of the register holds, and nothing else is (CVE-2019-10063). */
static bool ioctl_allowed(unsigned long v)
{
        return (uint32_t)v != TIOCSTI && (uint32_t)v != TIOCLINUX;
}

static void test_ioctl_commands(void **state)
{
        const struct sweep sw = {"ioctl", SYS_ioctl, 1, ioctl_allowed, EPERM, {0}};
        static const unsigned long more[] = {(unsigned long)TIOCSTI << 32,
                                             (unsigned long)TIOCLINUX << 32, FIONREAD, TCGETS};

        n_values = 0;
        for (unsigned long cmd = 0x5400; cmd < 0x5500; cmd++)
                add_value(cmd);
        for (size_t i = 0; i < n_values && i < 0x100; i++)
                add_with_upper(&values[i], 1);
        add_with_upper(more, ELEMENTSOF(more));
        add_bit_patterns();
        run_sweep(&sw);
}

/* A kill takes the whole process, not only the calling thread: the main thread must never see
 * the killed thread end. */
static void *thread_call(void *arg)
{
        return (void *)sbx_probe_run(arg);
}

static long body_kill_from_thread(const void *arg)
{
        pthread_t t;
        int r = pthread_create(&t, NULL, thread_call, (void *)arg);

        if (r != 0)
                return -r;
        pthread_join(t, NULL);
        return 1; /* the process survived */
}

static void check_kill_from_thread(const char *name)
{
        struct outcome o = run_child(true, body_kill_from_thread, probe_for(name));

        if (o.reported || o.signal != SIGSYS)
                fail_msg("%s in a thread: want SIGSYS for the process, got ret %ld signal %d", name,
                         o.ret, o.signal);
}

static void test_kill_is_process_wide(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(spec_rows); i++)
                if (spec_rows[i].want == WANT_KILL && !row_absent(&spec_rows[i]))
                        check_kill_from_thread(spec_rows[i].probe);
        if (int80_works())
                check_kill_from_thread("int80_getpid");
}

/* The load runs in a child that can no longer map memory: it must not need any. */
static long body_load_no_memory(const void *arg)
{
        struct rlimit tiny = {4096, 4096};
        long r;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0 || setrlimit(RLIMIT_AS, &tiny) < 0)
                return -errno;
        if (probe_mmap_exec() != -ENOMEM)
                return -EPROTO;
        r = sbx_seccomp_load(filter);
        if (r < 0)
                return r;
        return sys6(SYS_bpf, (const void *[6]){P(-1), P(0), P(0)}) == -EPERM ? 0 : -EPROTO;
}

static void test_load_without_memory(void **state)
{
        struct outcome o = run_child(false, body_load_no_memory, NULL);

        assert_true(o.reported);
        assert_int_equal(o.ret, 0);
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long body_time_load(const void *arg)
{
        uint64_t t0;
        long r;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
                return -errno;
        t0 = now_ns();
        r = sbx_seccomp_load(filter);
        return r < 0 ? r : (long)(now_ns() - t0);
}

/* Sizes and costs, for the report; no timing assertions. */
static void test_size_and_cost(void **state)
{
        struct sbx_seccomp *s = NULL;
        struct sbx_error *err = NULL;
        const int rounds = 20;
        uint64_t t0 = now_ns(), compile_ns;
        struct outcome o;

        for (int i = 0; i < rounds; i++) {
                assert_int_equal(sbx_seccomp_compile(&s, &err), 0);
                assert_int_equal(sbx_seccomp_insn_count(s), sbx_seccomp_insn_count(filter));
                s = sbx_seccomp_free(s);
        }
        compile_ns = (now_ns() - t0) / rounds;
        assert_true(sbx_seccomp_insn_count(filter) > 0);
        assert_true(sbx_seccomp_insn_count(filter) <= BPF_MAXINSNS);
        o = run_child(false, body_time_load, NULL);
        assert_true(o.reported && o.ret >= 0);
        print_message("seccomp: %zu BPF instructions, compile %.3f ms, load %.1f us\n",
                      sbx_seccomp_insn_count(filter), compile_ns / 1e6, o.ret / 1e3);
        assert_int_equal(sbx_seccomp_load(NULL), -EINVAL);
        assert_null(sbx_seccomp_free(NULL));
        assert_int_equal(sbx_seccomp_insn_count(NULL), 0);
}

static int setup(void **state)
{
        struct sbx_error *err = NULL;

        if (sbx_seccomp_compile(&filter, &err) < 0) {
                print_error("compile: %s\n", err && err->message ? err->message : "?");
                sbx_error_free(err);
                return -1;
        }
        return 0;
}

/* ---- the Docker profile ------------------------------------------------------------------ */

/* Read the Engine profile back as runc does (one libseccomp rule per entry and name, the
 * entry's conditions ANDed, the action and errno as given), so that the whole suite runs a second
 * time against what a container gets. Returns the number of rules, or -1 with a message. */
static const char *const profile_ops[] = {
    [SBX_SECCOMP_EQ] = "SCMP_CMP_EQ",
    [SBX_SECCOMP_NE] = "SCMP_CMP_NE",
    [SBX_SECCOMP_LT] = "SCMP_CMP_LT",
    [SBX_SECCOMP_LE] = "SCMP_CMP_LE",
    [SBX_SECCOMP_GT] = "SCMP_CMP_GT",
    [SBX_SECCOMP_GE] = "SCMP_CMP_GE",
    [SBX_SECCOMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static bool read_arg(const cJSON *j, struct sbx_seccomp_arg *a, unsigned int *seen)
{
        const cJSON *index = cJSON_GetObjectItemCaseSensitive(j, "index");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(j, "value");
        const cJSON *two = cJSON_GetObjectItemCaseSensitive(j, "valueTwo");
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(j, "op");
        size_t i;

        if (!cJSON_IsNumber(index) || index->valuedouble < 0 || index->valuedouble > 5 ||
            !cJSON_IsNumber(value) || !cJSON_IsString(op) || (two && !cJSON_IsNumber(two)))
                return false;
        for (i = 0; i < ELEMENTSOF(profile_ops) && strcmp(op->valuestring, profile_ops[i]); i++)
                ;
        /* Exact in a double, and each argument once: runc would split the rule otherwise. */
        if (i == ELEMENTSOF(profile_ops) || value->valuedouble > 9007199254740992.0 ||
            (*seen & (1u << index->valueint)))
                return false;
        *seen |= 1u << index->valueint;
        *a = (struct sbx_seccomp_arg){.index = (unsigned int)index->valueint,
                                      .op = (enum sbx_seccomp_op)i,
                                      .value = (uint64_t)value->valuedouble,
                                      .datum = two ? (uint64_t)two->valuedouble : 0};
        return true;
}

static bool read_entry(const cJSON *e, const char *name, struct sbx_seccomp_rule *r)
{
        const cJSON *action = cJSON_GetObjectItemCaseSensitive(e, "action");
        const cJSON *errno_ret = cJSON_GetObjectItemCaseSensitive(e, "errnoRet");
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args"), *a;
        unsigned int seen = 0;

        *r = (struct sbx_seccomp_rule){.syscall = name};
        if (!cJSON_IsString(action))
                return false;
        if (!strcmp(action->valuestring, "SCMP_ACT_KILL_PROCESS"))
                r->action = SBX_SECCOMP_KILL;
        else if (!strcmp(action->valuestring, "SCMP_ACT_ERRNO") && cJSON_IsNumber(errno_ret))
                r->errno_value = errno_ret->valueint;
        else
                return false;
        cJSON_ArrayForEach(a, args)
        {
                if (r->n_args == SBX_SECCOMP_MAX_ARGS || !read_arg(a, &r->args[r->n_args], &seen))
                        return false;
                r->n_args++;
        }
        return true;
}

static cJSON *profile_json;
static struct sbx_seccomp_rule profile_rules[1024];

static long read_profile(const char *json)
{
        const cJSON *e, *n, *def;
        long count = 0;

        profile_json = cJSON_Parse(json);
        def = cJSON_GetObjectItemCaseSensitive(profile_json, "defaultAction");
        if (!cJSON_IsString(def) || strcmp(def->valuestring, "SCMP_ACT_ALLOW") ||
            cJSON_GetObjectItemCaseSensitive(profile_json, "architectures"))
                return -1;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(profile_json, "syscalls"))
        {
                cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(e, "names"))
                {
                        if (!cJSON_IsString(n) || count == (long)ELEMENTSOF(profile_rules) ||
                            !read_entry(e, n->valuestring, &profile_rules[count]))
                                return -1;
                        count++;
                }
        }
        return count;
}

static int setup_docker_profile(void **state)
{
        _cleanup_free_ char *json = sbx_docker_seccomp_profile();
        const char *opt = sbx_docker_seccomp_option();
        struct sbx_error *err = NULL;
        long n = json ? read_profile(json) : -1;

        if (n != (long)sbx_seccomp_n_rules || !opt || strncmp(opt, "seccomp=", 8) ||
            strcmp(opt + 8, json)) {
                print_error("the Docker profile does not hold the table's %zu rules (read %ld)\n",
                            sbx_seccomp_n_rules, n);
                return -1;
        }
        print_message("docker profile: %zu bytes, %ld rules\n", strlen(json), n);
        if (sbx_seccomp_compile_rules(profile_rules, (size_t)n, &filter, &err) < 0) {
                print_error("compile: %s\n", err && err->message ? err->message : "?");
                sbx_error_free(err);
                return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        filter = sbx_seccomp_free(filter);
        cJSON_Delete(profile_json);
        profile_json = NULL;
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_size_and_cost),
            cmocka_unit_test(test_spec_rows),
            cmocka_unit_test(test_allowed),
            cmocka_unit_test(test_foreign_arch_kill),
            cmocka_unit_test(test_clone_flags),
            cmocka_unit_test(test_personality),
            cmocka_unit_test(test_socket_families),
            cmocka_unit_test(test_netlink_protocols),
            cmocka_unit_test(test_ioctl_commands),
            cmocka_unit_test(test_kill_is_process_wide),
            cmocka_unit_test(test_load_without_memory),
        };

        if (prctl(PR_GET_SECCOMP, 0L, 0L, 0L, 0L) != 0) {
                fprintf(stderr, "already under a seccomp filter: controls would be wrong\n");
                return 77;
        }
        /* Once with the native filter, once with the Docker profile's rules read back. */
        return cmocka_run_group_tests_name("native filter", tests, setup, teardown) +
               cmocka_run_group_tests_name("docker profile", tests, setup_docker_profile, teardown);
}
