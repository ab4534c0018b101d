/* sbx_payload_syscalls: performs one probe (usually one system call with harmless arguments)
 * named on the command line and prints "<name> ok" or "<name> errno=<ENAME>". A probe killed by
 * seccomp prints nothing: the parent sees SIGSYS.
 *
 *   sbx_payload_syscalls NAME     run one probe
 *   sbx_payload_syscalls --list   print every probe name
 *
 * Exit status: 0 after printing a result, 2 for an unknown probe. The arguments are chosen so
 * that the call fails or does nothing even where no filter stops it (the host runs these as root
 * in controls): bad magic numbers, fd -1, pid -1, NULL or nonexistent paths, read-only queries.
 *
 * tests/unit/test_seccomp.c includes this file with SBX_SYSCALLS_NO_MAIN to share the probes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define P(x)        ((const void *)(uintptr_t)(x))
#define X32_BIT     0x40000000L
#define NO_NR       (-1L)
#define NONEXISTENT "/nonexistent-sbx-probe"

struct sbx_probe {
        const char *name;
        long nr; /* the syscall to make with a[], or NO_NR with fn */
        const void *a[6];
        long (*fn)(void); /* for probes that need setup: returns >= 0 or -errno */
};

static struct timespec probe_ts;
static struct timex probe_tx; /* modes 0: adjtimex only reads */
static char probe_ldt[16];
static uint32_t probe_action = 0x80000000u; /* SECCOMP_RET_KILL_PROCESS */

/* The syscall result as >= 0 or -errno. */
static long sys6(long nr, const void *const a[6])
{
        long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);

        return r < 0 ? -errno : r;
}

/* clone() with flags that the kernel refuses (CLONE_THREAD needs CLONE_SIGHAND), so that without
 * a filter it fails with EINVAL rather than creating a process. */
static long clone_invalid(unsigned long flags)
{
        long r = syscall(SYS_clone, flags | CLONE_THREAD, 0L, 0L, 0L, 0L);

        if (r == 0)
                _exit(0);
        return r < 0 ? -errno : r;
}

static long probe_clone_newns(void)
{
        return clone_invalid(CLONE_NEWNS);
}
static long probe_clone_newcgroup(void)
{
        return clone_invalid(CLONE_NEWCGROUP);
}
static long probe_clone_newuts(void)
{
        return clone_invalid(CLONE_NEWUTS);
}
static long probe_clone_newipc(void)
{
        return clone_invalid(CLONE_NEWIPC);
}
static long probe_clone_newuser(void)
{
        return clone_invalid(CLONE_NEWUSER);
}
static long probe_clone_newpid(void)
{
        return clone_invalid(CLONE_NEWPID);
}
static long probe_clone_newnet(void)
{
        return clone_invalid(CLONE_NEWNET);
}
static long probe_clone_newnet_hibits(void)
{
        return clone_invalid((1UL << 32) | CLONE_NEWNET);
}
static long probe_clone_plain(void)
{
        return clone_invalid(0);
}

static long probe_fork(void)
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0)
                _exit(7);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : -ECHILD;
}

static void *thread_main(void *arg)
{
        return arg;
}

static long probe_thread(void)
{
        pthread_t t;
        void *res = NULL;
        int r = pthread_create(&t, NULL, thread_main, (void *)&probe_ts);

        if (r != 0)
                return -r;
        r = pthread_join(t, &res);
        if (r != 0)
                return -r;
        return res == &probe_ts ? 0 : -EPROTO;
}

static long probe_spawn(void)
{
        char *argv[] = {(char *)"true", NULL};
        char *envp[] = {NULL};
        pid_t pid;
        int status, r = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, envp);

        if (r != 0)
                return -r;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

static long probe_mmap_exec(void)
{
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);

        if (p == MAP_FAILED)
                return -errno;
        munmap(p, 4096);
        return 0;
}

static long probe_mprotect_exec(void)
{
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        long r = 0;

        if (p == MAP_FAILED)
                return -errno;
        if (mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0)
                r = -errno;
        munmap(p, 4096);
        return r;
}

static long probe_memfd(void)
{
        int fd = memfd_create("sbx-probe", MFD_CLOEXEC);

        if (fd < 0)
                return -errno;
        close(fd);
        return 0;
}

/* socket(domain, type, protocol) with a raw 64-bit domain; closes what it gets. */
static long socket_raw(unsigned long domain, int type, int protocol)
{
        long fd = syscall(SYS_socket, domain, (long)type, (long)protocol);

        if (fd < 0)
                return -errno;
        close((int)fd);
        return 0;
}

static long probe_socket_unix(void)
{
        return socket_raw(AF_UNIX, SOCK_STREAM, 0);
}
static long probe_socket_inet(void)
{
        return socket_raw(AF_INET, SOCK_STREAM, 0);
}
static long probe_socket_inet6(void)
{
        return socket_raw(AF_INET6, SOCK_STREAM, 0);
}
static long probe_socket_netlink(void)
{
        return socket_raw(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
}
static long probe_socket_netlink_uevent(void)
{
        return socket_raw(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
}
static long probe_socket_netlink_audit(void)
{
        return socket_raw(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
}
static long probe_socket_packet(void)
{
        return socket_raw(AF_PACKET, SOCK_DGRAM, 0);
}
static long probe_socket_alg(void)
{
        return socket_raw(AF_ALG, SOCK_SEQPACKET, 0);
}
static long probe_socket_key(void)
{
        return socket_raw(AF_KEY, SOCK_RAW, 2 /* PF_KEY_V2 */);
}
static long probe_socket_vsock(void)
{
        return socket_raw(AF_VSOCK, SOCK_STREAM, 0);
}
static long probe_socket_unspec(void)
{
        return socket_raw(AF_UNSPEC, SOCK_STREAM, 0);
}
/* The kernel would read AF_INET here; the filter refuses the dirty upper half. */
static long probe_socket_inet_hibits(void)
{
        return socket_raw((1UL << 32) | AF_INET, SOCK_STREAM, 0);
}

/* ioctl(pipe, cmd, &c) with a raw 64-bit cmd: a pipe is no terminal, so TIOCSTI and TIOCLINUX
 * fail with ENOTTY unless the filter refuses them first. */
static long ioctl_on_pipe(unsigned long cmd)
{
        int fds[2], avail = 0;
        long r;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        r = syscall(SYS_ioctl, (long)fds[0], cmd, &avail);
        r = r < 0 ? -errno : r;
        close(fds[0]);
        close(fds[1]);
        return r;
}

static long probe_ioctl_tiocsti(void)
{
        return ioctl_on_pipe(TIOCSTI);
}
static long probe_ioctl_tiocsti_hibits(void)
{
        return ioctl_on_pipe((1UL << 32) | TIOCSTI);
}
static long probe_ioctl_tioclinux(void)
{
        return ioctl_on_pipe(TIOCLINUX);
}
static long probe_ioctl_tioclinux_hibits(void)
{
        return ioctl_on_pipe(0xffffffff00000000UL | TIOCLINUX);
}
static long probe_ioctl_fionread(void)
{
        return ioctl_on_pipe(FIONREAD);
}
/* TIOCSTI in the upper half, FIONREAD in the lower: the kernel runs FIONREAD. */
static long probe_ioctl_fionread_hibits(void)
{
        return ioctl_on_pipe(((unsigned long)TIOCSTI << 32) | FIONREAD);
}
/* One command above TIOCSTI (TIOCGWINSZ): a near miss must reach the kernel (ENOTTY). */
static long probe_ioctl_tiocgwinsz(void)
{
        return ioctl_on_pipe(TIOCGWINSZ);
}

static long personality_raw(unsigned long persona)
{
        long r = syscall(SYS_personality, persona);

        return r < 0 ? -errno : r;
}

static long probe_personality_query(void)
{
        return personality_raw(0xffffffffUL);
}
static long probe_personality_query64(void)
{
        return personality_raw(~0UL);
}
static long probe_personality_linux(void)
{
        return personality_raw(0);
}
static long probe_personality_linux32(void)
{
        return personality_raw(0x0008);
}
static long probe_personality_uname26(void)
{
        return personality_raw(0x20000);
}
static long probe_personality_read_implies_exec(void)
{
        return personality_raw(0x0400000);
}
static long probe_personality_addr_no_randomize(void)
{
        return personality_raw(0x0040000);
}

/* getpid through the x32 ABI: ENOSYS on a kernel without x32, killed by the filter. */
static long probe_x32_getpid(void)
{
        long r = syscall(SYS_getpid | X32_BIT);

        return r < 0 ? -errno : r;
}

/* getpid (20) through the i386 ABI from a 64-bit process: a foreign audit arch. */
static long probe_int80_getpid(void)
{
#if defined(__x86_64__)
        long ret;

        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "r8", "r9", "r10", "r11", "memory");
        return ret;
#else
        return -ENOSYS;
#endif
}

static const struct sbx_probe sbx_probes[] = {
    /* The spec's deny list, one row per call. */
    {"clone3", SYS_clone3, {P(0), P(0)}, NULL},
    {"unshare", SYS_unshare, {P(0)}, NULL},
    {"setns", SYS_setns, {P(-1), P(0)}, NULL},
    {"mount", SYS_mount, {"none", NONEXISTENT, "sbx-nofs", P(0), P(0)}, NULL},
    {"umount2", SYS_umount2, {NONEXISTENT, P(0)}, NULL},
    {"pivot_root", SYS_pivot_root, {NONEXISTENT, NONEXISTENT}, NULL},
    {"chroot", SYS_chroot, {NONEXISTENT}, NULL},
    {"fsopen", SYS_fsopen, {"sbx-nofs", P(0)}, NULL},
    {"fsconfig", SYS_fsconfig, {P(-1), P(0), P(0), P(0), P(0)}, NULL},
    {"fsmount", SYS_fsmount, {P(-1), P(0), P(0)}, NULL},
    {"fspick", SYS_fspick, {P(-1), "x", P(0)}, NULL},
    {"move_mount", SYS_move_mount, {P(-1), "x", P(-1), "x", P(0)}, NULL},
    {"open_tree", SYS_open_tree, {P(-1), "x", P(0)}, NULL},
    {"mount_setattr", SYS_mount_setattr, {P(-1), "x", P(0), P(0), P(0)}, NULL},
    {"io_uring_setup", SYS_io_uring_setup, {P(0), P(0)}, NULL},
    {"io_uring_enter", SYS_io_uring_enter, {P(-1), P(0), P(0), P(0), P(0), P(0)}, NULL},
    {"io_uring_register", SYS_io_uring_register, {P(-1), P(0), P(0), P(0)}, NULL},
    {"bpf", SYS_bpf, {P(-1), P(0), P(0)}, NULL},
    {"perf_event_open", SYS_perf_event_open, {P(0), P(0), P(-1), P(-1), P(0)}, NULL},
    {"userfaultfd", SYS_userfaultfd, {P(0xffffffffu)}, NULL},
    {"keyctl", SYS_keyctl, {P(-1)}, NULL},
    {"add_key", SYS_add_key, {P(0), P(0), P(0), P(0), P(0)}, NULL},
    {"request_key", SYS_request_key, {P(0), P(0), P(0), P(0)}, NULL},
    {"ptrace", SYS_ptrace, {P(2) /* PEEKDATA */, P(-1), P(0), P(0)}, NULL},
    {"process_vm_readv", SYS_process_vm_readv, {P(-1), P(0), P(1), P(0), P(1), P(0)}, NULL},
    {"process_vm_writev", SYS_process_vm_writev, {P(-1), P(0), P(1), P(0), P(1), P(0)}, NULL},
    {"kcmp", SYS_kcmp, {P(-1), P(-1), P(0), P(0), P(0)}, NULL},
    {"pidfd_getfd", SYS_pidfd_getfd, {P(-1), P(0), P(0)}, NULL},
    {"process_madvise", SYS_process_madvise, {P(-1), P(0), P(0), P(0), P(0)}, NULL},
    {"open_by_handle_at", SYS_open_by_handle_at, {P(-1), P(0), P(0)}, NULL},
    {"name_to_handle_at", SYS_name_to_handle_at, {P(-1), P(0), P(0), P(0), P(0)}, NULL},
    {"init_module", SYS_init_module, {P(0), P(0), P(0)}, NULL},
    {"finit_module", SYS_finit_module, {P(-1), P(0), P(0)}, NULL},
    {"delete_module", SYS_delete_module, {P(0), P(0)}, NULL},
    {"kexec_load", SYS_kexec_load, {P(0), P(0), P(0), P(0xdead0000u)}, NULL},
    {"kexec_file_load", SYS_kexec_file_load, {P(-1), P(-1), P(0), P(0), P(0xdead0000u)}, NULL},
    {"reboot", SYS_reboot, {P(0), P(0), P(0), P(0)}, NULL}, /* bad magic: EINVAL */
    {"swapon", SYS_swapon, {P(0), P(0)}, NULL},
    {"swapoff", SYS_swapoff, {P(0)}, NULL},
    {"acct", SYS_acct, {P(1)}, NULL}, /* a bad pointer, not NULL (NULL turns accounting off) */
    {"quotactl", SYS_quotactl, {P(0), P(0), P(0), P(0)}, NULL},
    {"quotactl_fd", SYS_quotactl_fd, {P(-1), P(0), P(0), P(0)}, NULL},
    {"syslog", SYS_syslog, {P(10) /* SIZE_BUFFER */, P(0), P(0)}, NULL},
    {"settimeofday", SYS_settimeofday, {P(0), P(0)}, NULL},
    {"clock_settime", SYS_clock_settime, {P(-1), &probe_ts}, NULL},
    {"clock_adjtime", SYS_clock_adjtime, {P(-1), &probe_tx}, NULL},
    {"adjtimex", SYS_adjtimex, {&probe_tx}, NULL},
    {"iopl", SYS_iopl, {P(0)}, NULL},
    {"ioperm", SYS_ioperm, {P(0), P(0), P(0)}, NULL},
    {"modify_ldt", SYS_modify_ldt, {P(0), probe_ldt, P(0)}, NULL},
#ifdef SYS_vm86
    {"vm86", SYS_vm86, {P(-1), P(0)}, NULL},
#endif
#ifdef SYS_vm86old
    {"vm86old", SYS_vm86old, {P(0)}, NULL},
#endif
    {"uselib", SYS_uselib, {P(0)}, NULL},
    {"ustat", SYS_ustat, {P(0), P(0)}, NULL},
    {"sysfs", SYS_sysfs, {P(99), P(0), P(0)}, NULL},
    {"_sysctl", SYS__sysctl, {P(0)}, NULL},
    {"nfsservctl", SYS_nfsservctl, {P(0), P(0), P(0)}, NULL},
    {"lookup_dcookie", SYS_lookup_dcookie, {P(0), P(0), P(0)}, NULL},
    {"mbind", SYS_mbind, {P(0), P(0), P(0), P(0), P(0), P(0)}, NULL},
    {"set_mempolicy", SYS_set_mempolicy, {P(0), P(0), P(0)}, NULL},
    {"migrate_pages", SYS_migrate_pages, {P(-1), P(0), P(0), P(0)}, NULL},
    {"move_pages", SYS_move_pages, {P(-1), P(0), P(0), P(0), P(0), P(0)}, NULL},
    {"fanotify_init", SYS_fanotify_init, {P(0xffffffffu), P(0)}, NULL},
    /* Argument-dependent rows. */
    {"clone_newns", NO_NR, {0}, probe_clone_newns},
    {"clone_newcgroup", NO_NR, {0}, probe_clone_newcgroup},
    {"clone_newuts", NO_NR, {0}, probe_clone_newuts},
    {"clone_newipc", NO_NR, {0}, probe_clone_newipc},
    {"clone_newuser", NO_NR, {0}, probe_clone_newuser},
    {"clone_newpid", NO_NR, {0}, probe_clone_newpid},
    {"clone_newnet", NO_NR, {0}, probe_clone_newnet},
    {"clone_newnet_hibits", NO_NR, {0}, probe_clone_newnet_hibits},
    {"clone_plain", NO_NR, {0}, probe_clone_plain},
    {"socket_unix", NO_NR, {0}, probe_socket_unix},
    {"socket_inet", NO_NR, {0}, probe_socket_inet},
    {"socket_inet6", NO_NR, {0}, probe_socket_inet6},
    {"socket_netlink", NO_NR, {0}, probe_socket_netlink},
    {"socket_netlink_uevent", NO_NR, {0}, probe_socket_netlink_uevent},
    {"socket_netlink_audit", NO_NR, {0}, probe_socket_netlink_audit},
    {"socket_packet", NO_NR, {0}, probe_socket_packet},
    {"socket_alg", NO_NR, {0}, probe_socket_alg},
    {"socket_key", NO_NR, {0}, probe_socket_key},
    {"socket_vsock", NO_NR, {0}, probe_socket_vsock},
    {"socket_unspec", NO_NR, {0}, probe_socket_unspec},
    {"socket_inet_hibits", NO_NR, {0}, probe_socket_inet_hibits},
    {"ioctl_tiocsti", NO_NR, {0}, probe_ioctl_tiocsti},
    {"ioctl_tiocsti_hibits", NO_NR, {0}, probe_ioctl_tiocsti_hibits},
    {"ioctl_tioclinux", NO_NR, {0}, probe_ioctl_tioclinux},
    {"ioctl_tioclinux_hibits", NO_NR, {0}, probe_ioctl_tioclinux_hibits},
    {"ioctl_fionread", NO_NR, {0}, probe_ioctl_fionread},
    {"ioctl_fionread_hibits", NO_NR, {0}, probe_ioctl_fionread_hibits},
    {"ioctl_tiocgwinsz", NO_NR, {0}, probe_ioctl_tiocgwinsz},
    {"personality_query", NO_NR, {0}, probe_personality_query},
    {"personality_query64", NO_NR, {0}, probe_personality_query64},
    {"personality_linux", NO_NR, {0}, probe_personality_linux},
    {"personality_linux32", NO_NR, {0}, probe_personality_linux32},
    {"personality_uname26", NO_NR, {0}, probe_personality_uname26},
    {"personality_read_implies_exec", NO_NR, {0}, probe_personality_read_implies_exec},
    {"personality_addr_no_randomize", NO_NR, {0}, probe_personality_addr_no_randomize},
    {"x32_getpid", NO_NR, {0}, probe_x32_getpid},
    {"int80_getpid", NO_NR, {0}, probe_int80_getpid},
    /* Kept allowed on purpose. */
    {"fork", NO_NR, {0}, probe_fork},
    {"thread", NO_NR, {0}, probe_thread},
    {"spawn", NO_NR, {0}, probe_spawn},
    {"mmap_exec", NO_NR, {0}, probe_mmap_exec},
    {"mprotect_exec", NO_NR, {0}, probe_mprotect_exec},
    {"memfd_create", NO_NR, {0}, probe_memfd},
    {"getrandom", SYS_getrandom, {&probe_ts, P(sizeof(probe_ts)), P(0)}, NULL},
    {"prctl", SYS_prctl, {P(PR_GET_DUMPABLE)}, NULL},
    {"seccomp", SYS_seccomp, {P(2) /* GET_ACTION_AVAIL */, P(0), &probe_action}, NULL},
    {"landlock_create_ruleset", SYS_landlock_create_ruleset, {P(0), P(0), P(1)}, NULL},
    {"membarrier", SYS_membarrier, {P(0) /* CMD_QUERY */, P(0), P(0)}, NULL},
};

static const struct sbx_probe *sbx_probe_find(const char *name)
{
        for (size_t i = 0; i < sizeof(sbx_probes) / sizeof(sbx_probes[0]); i++)
                if (strcmp(sbx_probes[i].name, name) == 0)
                        return &sbx_probes[i];
        return NULL;
}

/* Run a probe: >= 0 on success, -errno on failure. */
static long sbx_probe_run(const struct sbx_probe *p)
{
        return p->fn ? p->fn() : sys6(p->nr, p->a);
}

#ifndef SBX_SYSCALLS_NO_MAIN
int main(int argc, char **argv)
{
        const struct sbx_probe *p;
        long r;

        if (argc == 2 && strcmp(argv[1], "--list") == 0) {
                for (size_t i = 0; i < sizeof(sbx_probes) / sizeof(sbx_probes[0]); i++)
                        printf("%s\n", sbx_probes[i].name);
                return 0;
        }
        if (argc != 2 || !(p = sbx_probe_find(argv[1]))) {
                fprintf(stderr, "usage: %s PROBE (--list shows them)\n", argv[0]);
                return 2;
        }
        r = sbx_probe_run(p);
        if (r >= 0) {
                printf("%s ok\n", p->name);
        } else {
                const char *e = strerrorname_np((int)-r);

                if (e)
                        printf("%s errno=%s\n", p->name, e);
                else
                        printf("%s errno=%ld\n", p->name, -r);
        }
        return fflush(stdout) == 0 ? 0 : 1;
}
#endif
