/* The default deny list of spec/seccomp-defaults.md. libseccomp builds it once; the result is
 * kept as a plain BPF program so that a job only pays for one seccomp() call in its child. */
#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolation/seccomp.h"
#include "util.h"

/* CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
 * CLONE_NEWNET: the spec's mask. CLONE_NEWTIME shares its bit with CSIGNAL in clone() and can
 * only be asked for through clone3 (ENOSYS) or unshare (EPERM). */
#define SBX_CLONE_NS_MASK 0x7E020000u
_Static_assert(SBX_CLONE_NS_MASK == (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                     CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET),
               "clone namespace mask");

#define ACT_EPERM  SCMP_ACT_ERRNO(EPERM)
#define ACT_ENOSYS SCMP_ACT_ERRNO(ENOSYS)
#define ACT_KILL   SCMP_ACT_KILL_PROCESS

/* A hard cap on what we accept back from libseccomp: the kernel's own limit per filter. */
#define SBX_SECCOMP_MAX_INSNS BPF_MAXINSNS

struct sbx_seccomp {
        struct sock_filter *insns;
        size_t len;
};

struct plain_rule {
        const char *name;
        uint32_t action;
};

/* Unconditional rows of the spec's table (the argument-dependent rows are below). */
static const struct plain_rule plain_rules[] = {
    {"clone3", ACT_ENOSYS},
    {"unshare", ACT_EPERM},
    {"setns", ACT_EPERM},
    {"mount", ACT_EPERM},
    {"umount2", ACT_EPERM},
    {"pivot_root", ACT_EPERM},
    {"chroot", ACT_EPERM},
    {"fsopen", ACT_EPERM},
    {"fsconfig", ACT_EPERM},
    {"fsmount", ACT_EPERM},
    {"fspick", ACT_EPERM},
    {"move_mount", ACT_EPERM},
    {"open_tree", ACT_EPERM},
    {"mount_setattr", ACT_EPERM},
    {"io_uring_setup", ACT_ENOSYS},
    {"io_uring_enter", ACT_ENOSYS},
    {"io_uring_register", ACT_ENOSYS},
    {"bpf", ACT_EPERM},
    {"perf_event_open", ACT_EPERM},
    {"userfaultfd", ACT_EPERM},
    {"keyctl", ACT_ENOSYS},
    {"add_key", ACT_ENOSYS},
    {"request_key", ACT_ENOSYS},
    {"ptrace", ACT_EPERM},
    {"process_vm_readv", ACT_EPERM},
    {"process_vm_writev", ACT_EPERM},
    {"kcmp", ACT_EPERM},
    {"pidfd_getfd", ACT_EPERM},
    {"process_madvise", ACT_EPERM},
    {"open_by_handle_at", ACT_EPERM},
    {"name_to_handle_at", ACT_EPERM},
    {"init_module", ACT_KILL},
    {"finit_module", ACT_KILL},
    {"delete_module", ACT_KILL},
    {"kexec_load", ACT_KILL},
    {"kexec_file_load", ACT_KILL},
    {"reboot", ACT_KILL},
    {"swapon", ACT_KILL},
    {"swapoff", ACT_KILL},
    {"acct", ACT_KILL},
    {"quotactl", ACT_KILL},
    {"quotactl_fd", ACT_KILL},
    {"syslog", ACT_KILL},
    {"settimeofday", ACT_EPERM},
    {"clock_settime", ACT_EPERM},
    {"clock_adjtime", ACT_EPERM},
    {"adjtimex", ACT_EPERM},
    {"iopl", ACT_KILL},
    {"ioperm", ACT_KILL},
    {"modify_ldt", ACT_KILL},
    {"vm86", ACT_KILL},
    {"vm86old", ACT_KILL},
    {"uselib", ACT_ENOSYS},
    {"ustat", ACT_ENOSYS},
    {"sysfs", ACT_ENOSYS},
    {"_sysctl", ACT_ENOSYS},
    {"nfsservctl", ACT_ENOSYS},
    {"lookup_dcookie", ACT_ENOSYS},
    {"mbind", ACT_EPERM},
    {"set_mempolicy", ACT_EPERM},
    {"migrate_pages", ACT_EPERM},
    {"move_pages", ACT_EPERM},
    {"fanotify_init", ACT_EPERM},
};

/* Argument-dependent rows of the spec's table that libseccomp's comparisons express directly:
 * the action applies when every comparison holds. Masks stay within the low 32 bits where the
 * kernel reads an int (see add_masked). */
struct arg_rule {
        const char *name;
        uint32_t action;
        unsigned int n_cmp;
        struct scmp_arg_cmp cmp[2];
};

#define ARG(n, o, a, b)                                                                            \
        {                                                                                          \
                .arg = (n), .op = (o), .datum_a = (a), .datum_b = (b)                              \
        }

static const struct arg_rule arg_rules[] = {
    /* ioctl(fd, cmd): TIOCSTI and TIOCLINUX inject input into a terminal. */
    {"ioctl", ACT_EPERM, 1, {ARG(1, SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI)}},
    {"ioctl", ACT_EPERM, 1, {ARG(1, SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX)}},
    /* socket(AF_NETLINK, type, protocol): routing only (getaddrinfo, ip). Host device events
     * (NETLINK_KOBJECT_UEVENT reaches network namespaces of the host's user namespace, such as
     * the pooled ones), audit, the process connector and the rest stay out. */
    {"socket",
     SCMP_ACT_ERRNO(EPROTONOSUPPORT),
     2,
     {ARG(0, SCMP_CMP_EQ, AF_NETLINK, 0), ARG(2, SCMP_CMP_NE, NETLINK_ROUTE, 0)}},
};

/* Add one rule. A syscall this architecture (or this libseccomp) does not know is skipped: there
 * is nothing to deny. Negative pseudo numbers name calls that exist only on other architectures,
 * which a native-only filter kills anyway. */
static int add_rule(scmp_filter_ctx ctx, const char *name, uint32_t action, unsigned int n_cmp,
                    const struct scmp_arg_cmp *cmp, struct sbx_error **err)
{
        int nr = seccomp_syscall_resolve_name(name);
        int r;

        if (nr == __NR_SCMP_ERROR || nr < 0)
                return 0;
        r = seccomp_rule_add_array(ctx, action, nr, n_cmp, cmp);
        if (r < 0)
                return sbx_error_set(err, -r, "seccomp: rule for %s: %s", name, strerror(-r));
        return 0;
}

/* Rule on "the bits of mask in argument arg equal datum". Masks stay within the low 32 bits
 * when the kernel reads an int: the upper half of the register is then ignored by the kernel and
 * must be ignored here too, or it becomes a bypass (CVE-2019-10063, TIOCSTI). */
static int add_masked(scmp_filter_ctx ctx, const char *name, uint32_t action, unsigned int arg,
                      uint64_t mask, uint64_t datum, struct sbx_error **err)
{
        struct scmp_arg_cmp cmp = SCMP_CMP64(arg, SCMP_CMP_MASKED_EQ, mask, datum);

        return add_rule(ctx, name, action, 1, &cmp, err);
}

/* clone(flags, ...): EPERM when any namespace bit is set. libseccomp has no "masked not equal",
 * so each bit gets its own rule. The kernel reads only the low 32 bits of the flags. */
static int add_clone_rules(scmp_filter_ctx ctx, struct sbx_error **err)
{
        for (unsigned int bit = 0; bit < 32; bit++) {
                uint32_t b = UINT32_C(1) << bit;
                int r;

                if (!(SBX_CLONE_NS_MASK & b))
                        continue;
                r = add_masked(ctx, "clone", ACT_EPERM, 0, b, b, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* personality(persona): allowed only for 0, PER_LINUX32 (8), UNAME26 (0x20000), both, and the
 * 0xffffffff query; the kernel reads an unsigned int, so only the low 32 bits count.
 *
 * libseccomp allows one comparison per argument in a rule and no rule with the default action, so
 * "not in the allow-list" is spelled as a union of bit patterns, each of which needs one bit of
 * K = ~0x20008 set (this excludes 0, 8, 0x20000, 0x20008) and one bit clear (this excludes
 * 0xffffffff):
 *  - for each bit i of K and the next bit k of K (cyclically): i set, k clear. Any value with a K
 *    bit set and a K bit clear has such a pair somewhere around the cycle;
 *  - bit 0 set with bit 3 clear, bit 0 set with bit 17 clear: values with every K bit set but
 *    not all 32 bits.
 * 32 rules, exact; tests/unit/test_seccomp.c sweeps it. */
static int add_personality_rules(scmp_filter_ctx ctx, struct sbx_error **err)
{
        const uint32_t keep = 0x20008u, k_bits = ~keep;
        unsigned int first = 0, prev = UINT_MAX;
        int r;

        for (unsigned int bit = 0; bit <= 32; bit++) {
                unsigned int cur = bit == 32 ? first : bit;

                if (!(k_bits & (UINT32_C(1) << cur)))
                        continue;
                if (prev == UINT_MAX) {
                        first = prev = cur;
                        continue;
                }
                r = add_masked(ctx, "personality", ACT_EPERM, 0,
                               (UINT32_C(1) << prev) | (UINT32_C(1) << cur), UINT32_C(1) << prev,
                               err);
                if (r < 0)
                        return r;
                prev = cur;
        }
        r = add_masked(ctx, "personality", ACT_EPERM, 0, 0x1u | 0x8u, 0x1u, err);
        if (r < 0)
                return r;
        return add_masked(ctx, "personality", ACT_EPERM, 0, 0x1u | 0x20000u, 0x1u, err);
}

/* socket(domain, ...): EAFNOSUPPORT unless AF_UNIX (1), AF_INET (2), AF_INET6 (10) or
 * AF_NETLINK (16). Everything above 16 in the full 64-bit register is refused (a caller never
 * sets the upper half of an int, so this only adds strictness); below it, these patterns cover
 * exactly {0, 3..9, 11..15}. */
static int add_socket_rules(scmp_filter_ctx ctx, struct sbx_error **err)
{
        static const struct {
                uint32_t mask, datum;
        } low[] = {
            {0x1f, 0x00}, /* 0 */
            {0x13, 0x03}, /* 3, 7, 11, 15 */
            {0x14, 0x04}, /* 4..7, 12..15 */
            {0x1a, 0x08}, /* 8, 9, 12, 13 */
            {0x1b, 0x0b}, /* 11, 15 */
        };
        const uint32_t act = SCMP_ACT_ERRNO(EAFNOSUPPORT);
        struct scmp_arg_cmp above = SCMP_A0_64(SCMP_CMP_GT, AF_NETLINK);
        int r;

        _Static_assert(AF_UNIX == 1 && AF_INET == 2 && AF_INET6 == 10 && AF_NETLINK == 16,
                       "socket family numbers");
        r = add_rule(ctx, "socket", act, 1, &above, err);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(low); i++)
                r = add_masked(ctx, "socket", act, 0, low[i].mask, low[i].datum, err);
        return r;
}

static int add_all_rules(scmp_filter_ctx ctx, struct sbx_error **err)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(plain_rules); i++)
                r = add_rule(ctx, plain_rules[i].name, plain_rules[i].action, 0, NULL, err);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(arg_rules); i++)
                r = add_rule(ctx, arg_rules[i].name, arg_rules[i].action, arg_rules[i].n_cmp,
                             arg_rules[i].cmp, err);
        if (r >= 0)
                r = add_clone_rules(ctx, err);
        if (r >= 0)
                r = add_personality_rules(ctx, err);
        if (r >= 0)
                r = add_socket_rules(ctx, err);
        return r;
}

/* Read the exported program back as instructions. */
static int read_program(int fd, struct sbx_seccomp *s, struct sbx_error **err)
{
        struct stat st;
        size_t size, done = 0;

        if (fstat(fd, &st) < 0)
                return sbx_error_set(err, errno, "seccomp: stat of exported filter: %m");
        if (st.st_size <= 0 || (uint64_t)st.st_size % sizeof(struct sock_filter) != 0 ||
            (uint64_t)st.st_size / sizeof(struct sock_filter) > SBX_SECCOMP_MAX_INSNS)
                return sbx_error_set(err, EINVAL, "seccomp: exported filter has a bad size (%lld)",
                                     (long long)st.st_size);
        size = (size_t)st.st_size;
        s->insns = calloc(size / sizeof(struct sock_filter), sizeof(struct sock_filter));
        if (!s->insns)
                return sbx_error_set(err, ENOMEM, "seccomp: out of memory");
        while (done < size) {
                ssize_t n = pread(fd, (char *)s->insns + done, size - done, (off_t)done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return sbx_error_set(err, errno, "seccomp: read of exported filter: %m");
                if (n == 0)
                        return sbx_error_set(err, EIO, "seccomp: exported filter shrank");
                done += (size_t)n;
        }
        s->len = size / sizeof(struct sock_filter);
        return 0;
}

static int export_program(scmp_filter_ctx ctx, struct sbx_seccomp *s, struct sbx_error **err)
{
        _cleanup_close_ int fd = memfd_create("sbx-seccomp", MFD_CLOEXEC);
        int r;

        if (fd < 0)
                return sbx_error_set(err, errno, "seccomp: memfd_create: %m");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return sbx_error_set(err, -r, "seccomp: export of the filter: %s", strerror(-r));
        return read_program(fd, s, err);
}

static void release_ctx(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

int sbx_seccomp_compile(struct sbx_seccomp **out, struct sbx_error **err)
{
        __attribute__((cleanup(release_ctx))) scmp_filter_ctx ctx = NULL;
        struct sbx_seccomp *s;
        int r;

        *out = NULL;
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return sbx_error_set(err, ENOMEM, "seccomp: seccomp_init failed");
        /* Foreign audit arches (int 0x80 from a 64-bit process) and, on x86-64, x32 numbers all
         * land on the bad-arch action, since the filter holds the native arch only. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r < 0)
                return sbx_error_set(err, -r, "seccomp: bad-arch action: %s", strerror(-r));
        /* A binary search over syscall numbers instead of a linear chain (it also keeps the
         * kernel's per-load cache emulation short). Older libseccomp lacks it: no harm. */
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        r = add_all_rules(ctx, err);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return sbx_error_set(err, ENOMEM, "seccomp: out of memory");
        r = export_program(ctx, s, err);
        if (r < 0) {
                sbx_seccomp_free(s);
                return r;
        }
        *out = s;
        return 0;
}

/* A raw syscall that leaves errno alone: a child cloned with CLONE_VM shares errno with its
 * parent's thread, so the load must not write it. */
static long raw_syscall3(long nr, long a, long b, long c)
{
#if defined(__x86_64__)
        long ret;

        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c)
                         : "rcx", "r11", "memory");
        return ret;
#else
        int saved = errno;
        long ret = syscall(nr, a, b, c);

        if (ret < 0)
                ret = -errno;
        errno = saved;
        return ret;
#endif
}

int sbx_seccomp_load(const struct sbx_seccomp *s)
{
        struct sock_fprog prog;
        long r;

        if (!s || !s->insns || s->len == 0 || s->len > SBX_SECCOMP_MAX_INSNS)
                return -EINVAL;
        prog.len = (unsigned short)s->len;
        prog.filter = s->insns;
        r = raw_syscall3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog);
        if (r == -ENOSYS) /* before Linux 3.17 */
                r = raw_syscall3(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (long)&prog);
        return r < 0 ? (int)r : 0;
}

size_t sbx_seccomp_insn_count(const struct sbx_seccomp *s)
{
        return s ? s->len : 0;
}

struct sbx_seccomp *sbx_seccomp_free(struct sbx_seccomp *s)
{
        if (s) {
                free(s->insns);
                free(s);
        }
        return NULL;
}
