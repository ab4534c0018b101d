# A policy's writable list: its paths are writable, executable directories of the one capped
# work tmpfs (one cap for all of them), bound in the jail; nothing else is, and nothing of them
# reaches the host's file system.
. "$(dirname "$0")/lib.sh"
require_jail

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
sed -e 's/^name: default/name: writable/' -e 's/^  tmpfs: .*/  tmpfs: 4m/' \
        "$SBX_SOURCE_DIR/policies/default.yaml" >"$dir/writable.yaml"
echo 'writable: [/opt/data, /var/cache/job, /home]' >>"$dir/writable.yaml"
printf '#!/bin/sh\necho ran from $0\n' >"$dir/tool.sh"
chmod 755 "$dir/tool.sh"
[ -e /opt/data ] && host_opt_data=yes

# Write, read and execute in each listed path; a job's --file lands there too.
sbx --policy-dir "$dir" --policy writable --file "$dir/tool.sh:/opt/data/tool.sh" -- /bin/sh -c '
/opt/data/tool.sh
echo one > /opt/data/a && cat /opt/data/a
mkdir -p /var/cache/job/x/y && echo two > /var/cache/job/x/y/b && cat /var/cache/job/x/y/b
echo three > /home/c && echo four > /home/sandbox/d && cat /home/c /home/sandbox/d
touch /opt/other 2>/dev/null && echo LEAK-opt
touch /var/other 2>/dev/null && echo LEAK-var
touch /usr/x 2>/dev/null && echo LEAK-usr
mkdir /opt/data/../escape 2>/dev/null && echo LEAK-dotdot
ln -s /usr /opt/data/usr && touch /opt/data/usr/x 2>/dev/null && echo LEAK-symlink
exit 0'
expect_verdict OK
out=$(field stdout)
case "$out" in *LEAK*) fail "writable list: more than its paths is writable: $out" ;; esac
want=$(printf 'ran from /opt/data/tool.sh\none\ntwo\nthree\nfour')
[ "$out" = "$want" ] || fail "writable list: expected '$want', got '$out' (${RESULT:0:400})"

# One cap for the whole sandbox: what /opt/data holds counts against /tmp's room.
sbx --policy-dir "$dir" --policy writable -- /bin/sh -c '
head -c 3145728 /dev/zero > /opt/data/big || echo FAILED-first
head -c 2097152 /dev/zero > /tmp/more 2>/dev/null && echo NOT-SHARED
df -k /opt/data /tmp /var/cache/job | awk "NR > 1 { print \$2 }" | sort -u | wc -l'
expect_verdict OK
out=$(field stdout)
[ "$out" = 1 ] || fail "the listed paths are not on the one capped tmpfs: $out"

# A fresh job: the listed paths start empty.
sbx --policy-dir "$dir" --policy writable -- /bin/sh -c 'ls -A /opt/data /var/cache/job'
expect_verdict OK
[ "$(field stdout)" = "$(printf '/opt/data:\n\n/var/cache/job:')" ] ||
        fail "a fresh job's listed paths are not empty: $(field stdout)"

# The host's file system is untouched: the mount points live in the jail's own root.
[ -n "${host_opt_data:-}" ] || [ ! -e /opt/data ] || fail "the jail created /opt/data on the host"

# A job file outside every writable directory is refused before anything runs, naming them.
sbx --policy-dir "$dir" --policy writable --file "$dir/tool.sh:/opt/tool.sh" -- /bin/true
[ "$STATUS" -ne 0 ] || fail "a job file in /opt (not listed) was accepted"
err=$("$SBX" run --backend native --policy-dir "$dir" --policy writable \
        --file "$dir/tool.sh:/opt/tool.sh" -- /bin/true 2>&1)
case "$err" in *"writable: /sandbox, /tmp, /home/sandbox, /opt/data, /var/cache/job, /home"*) ;;
*) fail "the refusal does not name the writable directories: $err" ;; esac

# A bad list is refused when the policy loads, with the file, line and reason.
sed -e 's/^name: default/name: bad/' "$SBX_SOURCE_DIR/policies/default.yaml" >"$dir/bad.yaml"
echo 'writable: [/usr/local]' >>"$dir/bad.yaml"
err=$("$SBX" run --backend native --policy-dir "$dir" --policy writable -- /bin/true 2>&1)
case "$err" in *"bad.yaml:16: writable: \"/usr/local\" is under /usr"*) ;;
*) fail "a bad writable list: $err" ;; esac
echo ok
