/* The default deny list of docs/spec/seccomp-defaults.md (the table in policies/seccomp_rules.c).
 * libseccomp builds it once; the result is kept as a plain BPF program so that a job only pays
 * for one seccomp() call in its child. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolation/seccomp.h"
#include "policies/seccomp_rules.h"
#include "util.h"

/* A hard cap on what we accept back from libseccomp: the kernel's own limit per filter. */
#define SBX_SECCOMP_MAX_INSNS BPF_MAXINSNS

struct sbx_seccomp {
        struct sock_filter *insns;
        size_t len;
};

static const enum scmp_compare ops[] = {
    [SBX_SECCOMP_EQ] = SCMP_CMP_EQ,
    [SBX_SECCOMP_NE] = SCMP_CMP_NE,
    [SBX_SECCOMP_LT] = SCMP_CMP_LT,
    [SBX_SECCOMP_LE] = SCMP_CMP_LE,
    [SBX_SECCOMP_GT] = SCMP_CMP_GT,
    [SBX_SECCOMP_GE] = SCMP_CMP_GE,
    [SBX_SECCOMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* Add one row of the table. A syscall this architecture (or this libseccomp) does not know is
 * skipped: there is nothing to deny. Negative pseudo numbers name calls that exist only on other
 * architectures, which a native-only filter kills anyway. */
static int add_rule(scmp_filter_ctx ctx, const struct sbx_seccomp_rule *rule,
                    struct sbx_error **err)
{
        struct scmp_arg_cmp cmp[SBX_SECCOMP_MAX_ARGS];
        int nr = seccomp_syscall_resolve_name(rule->syscall);
        uint32_t action = rule->action == SBX_SECCOMP_KILL ? SCMP_ACT_KILL_PROCESS
                                                           : SCMP_ACT_ERRNO(rule->errno_value);
        int r;

        if (nr == __NR_SCMP_ERROR || nr < 0)
                return 0;
        for (unsigned int i = 0; i < rule->n_args; i++) {
                const struct sbx_seccomp_arg *a = &rule->args[i];
                /* 64-bit comparisons: the table masks what the kernel reads as an int. */
                cmp[i] = (struct scmp_arg_cmp){
                    .arg = a->index, .op = ops[a->op], .datum_a = a->value, .datum_b = a->datum};
        }
        r = seccomp_rule_add_array(ctx, action, nr, rule->n_args, cmp);
        if (r < 0)
                return sbx_error_set(err, -r, "seccomp: rule for %s: %s", rule->syscall,
                                     strerror(-r));
        return 0;
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
        return sbx_seccomp_compile_rules(sbx_seccomp_rules, sbx_seccomp_n_rules, out, err);
}

int sbx_seccomp_compile_rules(const struct sbx_seccomp_rule *rules, size_t n,
                              struct sbx_seccomp **out, struct sbx_error **err)
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
        for (size_t i = 0; i < n; i++)
                if ((r = add_rule(ctx, &rules[i], err)) < 0)
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
