/* The rows of docs/spec/seccomp-defaults.md. The argument-dependent rows are spelled as unions of
 * bit patterns, since neither libseccomp nor the Engine has "not in this set": each row below
 * says how its patterns cover the set exactly (tests/unit/test_seccomp.c sweeps them). */
#include "policies/seccomp_rules.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define DENY(name, e)                                                                              \
        {                                                                                          \
                .syscall = (name), .action = SBX_SECCOMP_ERRNO, .errno_value = (e)                 \
        }
#define KILL(name)                                                                                 \
        {                                                                                          \
                .syscall = (name), .action = SBX_SECCOMP_KILL                                      \
        }
#define N_ARGS(...)                                                                                \
        (sizeof((struct sbx_seccomp_arg[]){__VA_ARGS__}) / sizeof(struct sbx_seccomp_arg))
#define DENY_IF(name, e, ...)                                                                      \
        {                                                                                          \
                .syscall = (name), .action = SBX_SECCOMP_ERRNO, .errno_value = (e),                \
                .n_args = N_ARGS(__VA_ARGS__), .args = {                                           \
                        __VA_ARGS__                                                                \
                }                                                                                  \
        }
#define MASKED(i, mask, want)                                                                      \
        {                                                                                          \
                .index = (i), .op = SBX_SECCOMP_MASKED_EQ, .value = (mask), .datum = (want)        \
        }

/* clone(flags, ...): EPERM when any namespace bit is set, one rule per bit. The kernel reads only
 * the low 32 bits of the flags, and every bit here is among them. CLONE_NEWTIME shares its bit
 * with CSIGNAL in clone() and can only be asked for through clone3 (ENOSYS) or unshare (EPERM). */
#define CLONE_NS(bit) DENY_IF("clone", EPERM, MASKED(0, (bit), (bit)))
_Static_assert((CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                CLONE_NEWPID | CLONE_NEWNET) == 0x7E020000,
               "the spec's namespace mask");

/* personality(persona): allowed only for 0, PER_LINUX32 (8), UNAME26 (0x20000), both, and the
 * 0xffffffff query; the kernel reads an unsigned int, so only the low 32 bits count. "Not in the
 * allow-list" is a union of patterns, each needing one bit of K = ~0x20008 set (this excludes 0,
 * 8, 0x20000, 0x20008) and one bit clear (this excludes 0xffffffff):
 *  - for each bit i of K and the next bit k of K (cyclically): i set, k clear. Any value with a K
 *    bit set and a K bit clear has such a pair somewhere around the cycle;
 *  - bit 0 set with bit 3 clear, bit 0 set with bit 17 clear: values with every K bit set but
 *    not all 32 bits. */
#define PERSONALITY(i, k)                                                                          \
        DENY_IF("personality", EPERM,                                                              \
                MASKED(0, (UINT64_C(1) << (i)) | (UINT64_C(1) << (k)), UINT64_C(1) << (i)))

/* socket(domain, ...): EAFNOSUPPORT unless AF_UNIX (1), AF_INET (2), AF_INET6 (10) or AF_NETLINK
 * (16). AF_VSOCK crosses sandboxes (and reaches a VM's host); AF_PACKET, AF_ALG and AF_KEY have a
 * history of bugs. Everything above 16 in the full 64-bit register is refused (a caller never
 * sets the upper half of an int, so this only adds strictness); below it, the masked patterns
 * cover exactly {0, 3..9, 11..15}. */
_Static_assert(AF_UNIX == 1 && AF_INET == 2 && AF_INET6 == 10 && AF_NETLINK == 16,
               "socket family numbers");
#define SOCKET(mask, want) DENY_IF("socket", EAFNOSUPPORT, MASKED(0, (mask), (want)))

/* socket(AF_NETLINK, type, protocol): routing only (getaddrinfo, ip). Host device events
 * (NETLINK_KOBJECT_UEVENT reaches network namespaces of the host's user namespace, such as the
 * native jail's pooled ones), audit, the process connector and the rest stay out. */
#define NETLINK_ROUTE_ONLY                                                                         \
        DENY_IF("socket", EPROTONOSUPPORT,                                                         \
                {.index = 0, .op = SBX_SECCOMP_EQ, .value = AF_NETLINK},                           \
                {.index = 2, .op = SBX_SECCOMP_NE, .value = NETLINK_ROUTE})

/* ioctl(fd, cmd, ...): TIOCSTI and TIOCLINUX inject input into a terminal. The command is an
 * unsigned int: the upper half of the register is ignored by the kernel and must be ignored here
 * too, or it becomes a bypass (CVE-2019-10063). */
#define IOCTL(cmd) DENY_IF("ioctl", EPERM, MASKED(1, UINT64_C(0xffffffff), (cmd)))

const struct sbx_seccomp_rule sbx_seccomp_rules[] = {
    DENY("clone3", ENOSYS),
    CLONE_NS(CLONE_NEWNS),
    CLONE_NS(CLONE_NEWCGROUP),
    CLONE_NS(CLONE_NEWUTS),
    CLONE_NS(CLONE_NEWIPC),
    CLONE_NS(CLONE_NEWUSER),
    CLONE_NS(CLONE_NEWPID),
    CLONE_NS(CLONE_NEWNET),
    DENY("unshare", EPERM),
    DENY("setns", EPERM),
    DENY("mount", EPERM),
    DENY("umount2", EPERM),
    DENY("pivot_root", EPERM),
    DENY("chroot", EPERM),
    DENY("fsopen", EPERM),
    DENY("fsconfig", EPERM),
    DENY("fsmount", EPERM),
    DENY("fspick", EPERM),
    DENY("move_mount", EPERM),
    DENY("open_tree", EPERM),
    DENY("mount_setattr", EPERM),
    DENY("io_uring_setup", ENOSYS),
    DENY("io_uring_enter", ENOSYS),
    DENY("io_uring_register", ENOSYS),
    DENY("bpf", EPERM),
    DENY("perf_event_open", EPERM),
    DENY("userfaultfd", EPERM),
    DENY("keyctl", ENOSYS),
    DENY("add_key", ENOSYS),
    DENY("request_key", ENOSYS),
    DENY("ptrace", EPERM),
    DENY("process_vm_readv", EPERM),
    DENY("process_vm_writev", EPERM),
    DENY("kcmp", EPERM),
    DENY("pidfd_getfd", EPERM),
    DENY("process_madvise", EPERM),
    DENY("open_by_handle_at", EPERM),
    DENY("name_to_handle_at", EPERM),
    KILL("init_module"),
    KILL("finit_module"),
    KILL("delete_module"),
    KILL("kexec_load"),
    KILL("kexec_file_load"),
    KILL("reboot"),
    KILL("swapon"),
    KILL("swapoff"),
    KILL("acct"),
    KILL("quotactl"),
    KILL("quotactl_fd"),
    KILL("syslog"),
    DENY("settimeofday", EPERM),
    DENY("clock_settime", EPERM),
    DENY("clock_adjtime", EPERM),
    DENY("adjtimex", EPERM),
    KILL("iopl"),
    KILL("ioperm"),
    KILL("modify_ldt"),
    KILL("vm86"),
    KILL("vm86old"),
    DENY("uselib", ENOSYS),
    DENY("ustat", ENOSYS),
    DENY("sysfs", ENOSYS),
    DENY("_sysctl", ENOSYS),
    DENY("nfsservctl", ENOSYS),
    DENY("lookup_dcookie", ENOSYS),
    PERSONALITY(0, 1),
    PERSONALITY(1, 2),
    PERSONALITY(2, 4),
    PERSONALITY(4, 5),
    PERSONALITY(5, 6),
    PERSONALITY(6, 7),
    PERSONALITY(7, 8),
    PERSONALITY(8, 9),
    PERSONALITY(9, 10),
    PERSONALITY(10, 11),
    PERSONALITY(11, 12),
    PERSONALITY(12, 13),
    PERSONALITY(13, 14),
    PERSONALITY(14, 15),
    PERSONALITY(15, 16),
    PERSONALITY(16, 18),
    PERSONALITY(18, 19),
    PERSONALITY(19, 20),
    PERSONALITY(20, 21),
    PERSONALITY(21, 22),
    PERSONALITY(22, 23),
    PERSONALITY(23, 24),
    PERSONALITY(24, 25),
    PERSONALITY(25, 26),
    PERSONALITY(26, 27),
    PERSONALITY(27, 28),
    PERSONALITY(28, 29),
    PERSONALITY(29, 30),
    PERSONALITY(30, 31),
    PERSONALITY(31, 0),
    DENY_IF("personality", EPERM, MASKED(0, 0x1u | 0x8u, 0x1u)),
    DENY_IF("personality", EPERM, MASKED(0, 0x1u | 0x20000u, 0x1u)),
    DENY_IF("socket", EAFNOSUPPORT, {.index = 0, .op = SBX_SECCOMP_GT, .value = AF_NETLINK}),
    SOCKET(0x1f, 0x00), /* 0 */
    SOCKET(0x13, 0x03), /* 3, 7, 11, 15 */
    SOCKET(0x14, 0x04), /* 4..7, 12..15 */
    SOCKET(0x1a, 0x08), /* 8, 9, 12, 13 */
    SOCKET(0x1b, 0x0b), /* 11, 15 */
    NETLINK_ROUTE_ONLY,
    IOCTL(TIOCSTI),
    IOCTL(TIOCLINUX),
    DENY("mbind", EPERM),
    DENY("set_mempolicy", EPERM),
    DENY("migrate_pages", EPERM),
    DENY("move_pages", EPERM),
    DENY("fanotify_init", EPERM),
};

const size_t sbx_seccomp_n_rules = sizeof(sbx_seccomp_rules) / sizeof(sbx_seccomp_rules[0]);
