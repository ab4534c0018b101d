# The payload sees only the toolchain binds, cannot write outside its work dir and /tmp, and
# sees nothing that identifies the host.
. "$(dirname "$0")/lib.sh"
require_jail

marker=$(mktemp /var/tmp/sbx-host-secret.XXXXXX)
echo "host secret" >"$marker"
chmod 644 "$marker"
trap 'rm -f "$marker"' EXIT

sbx -- /bin/sh -c "
cat $marker 2>/dev/null && echo LEAK-marker
cat /etc/shadow 2>/dev/null && echo LEAK-shadow
cat /etc/machine-id 2>/dev/null && echo LEAK-machine-id
ls /home /root /var /sys /run 2>/dev/null && echo LEAK-dirs
touch /usr/bin/x 2>/dev/null && echo LEAK-write-usr
touch /etc/x 2>/dev/null && echo LEAK-write-etc
touch /x 2>/dev/null && echo LEAK-write-root
touch /dev/x 2>/dev/null && echo LEAK-write-dev
echo x > /dev/null || echo BROKEN-dev-null
echo x > /dev/shm/x || echo BROKEN-dev-shm
echo dev=\$(ls /dev | tr '\\n' ' ')
dmesg 2>/dev/null && echo LEAK-dmesg
ls /proc | grep -qx 1 && echo LEAK-init
test -e /proc/cpuinfo && echo LEAK-cpuinfo
echo hostname=\$(hostname) pwd=\$(pwd)
echo ok > here && cat here
echo ok > /tmp/t && cat /tmp/t
"
expect_verdict OK
out=$(field stdout)
case "$out" in *LEAK* | *BROKEN*) fail "isolation: $out" ;; esac
case "$out" in *"hostname=sandbox pwd=/sandbox"*) ;; *) fail "identity: $out" ;; esac
[ "$(grep -c '^ok$' <<<"$out")" -eq 2 ] || fail "work dir or /tmp not writable: $out"
# /dev is the same with the jail's own device nodes (root) and with the host's bound (not root).
grep -qx 'dev=fd full null random shm stderr stdin stdout urandom zero' <<<"$out" ||
        fail "/dev: $(grep '^dev=' <<<"$out")"

# A program may name its standard streams by path (/dev/stdin, /dev/stdout, /dev/stderr, as
# /proc/self/fd/N), as many competitive-programming solutions read their input: the pipes are
# the sandbox user's own, as without root.
sbx -- /bin/sh -c 'cat /dev/stdin; echo to-stdout >/dev/stdout; echo to-stderr >/dev/stderr
cat /proc/self/fd/0; echo to-fd-1 >/proc/self/fd/1' <<<"from-stdin"
expect_verdict OK
out=$(field stdout)
[ "$out" = "$(printf 'from-stdin\nto-stdout\nto-fd-1')" ] ||
        fail "the streams by path, stdout: '$out' (stderr: '$(field stderr)')"
expect stderr to-stderr
