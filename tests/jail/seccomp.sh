# Inside a real jail, every denied system call of docs/spec/seccomp-defaults.md returns its errno or
# kills the program (POLICY_VIOLATION), and what must stay allowed works.
. "$(dirname "$0")/lib.sh"
require_jail

probe=${SBX_BUILD_DIR:?}/tests/sbx_payload_syscalls
[ -x "$probe" ] || fail "$probe is not built"

# NAME EXPECTED: EXPECTED is errno=ENAME, ok, or KILL.
check() {
        sbx --file "$probe:probe" -- ./probe "$1"
        if [ "$2" = KILL ]; then
                expect_verdict POLICY_VIOLATION
                expect signal 31
                [ "$STATUS" -eq 8 ] || fail "$1: exit status $STATUS, expected 8"
        else
                expect_verdict OK
                expect stdout "$1 $2"
        fi
}

check unshare errno=EPERM
check setns errno=EPERM
check clone_newuser errno=EPERM
check clone_newnet errno=EPERM
check clone3 errno=ENOSYS
check mount errno=EPERM
check pivot_root errno=EPERM
check io_uring_setup errno=ENOSYS
check bpf errno=EPERM
check perf_event_open errno=EPERM
check userfaultfd errno=EPERM
check keyctl errno=ENOSYS
check ptrace errno=EPERM
check process_vm_readv errno=EPERM
check open_by_handle_at errno=EPERM
check settimeofday errno=EPERM
check socket_packet errno=EAFNOSUPPORT
check socket_vsock errno=EAFNOSUPPORT
check socket_netlink_uevent errno=EPROTONOSUPPORT
check ioctl_tiocsti_hibits errno=EPERM
check personality_read_implies_exec errno=EPERM
check mbind errno=EPERM
check fanotify_init errno=EPERM
check reboot KILL
check syslog KILL
check init_module KILL
check iopl KILL
check x32_getpid KILL
check clone_plain errno=EINVAL # reached the kernel: allowed
check fork ok
check thread ok
check mmap_exec ok
check socket_inet ok
check socket_netlink ok
check memfd_create ok
