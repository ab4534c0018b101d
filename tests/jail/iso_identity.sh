# The payload is never host root: seen from the host its uid is unprivileged (root: a private
# slot uid); it does not see the host's environment; it gets no capabilities.
. "$(dirname "$0")/lib.sh"
require_jail

export SBX_HOST_SECRET=do-not-leak
# A sleep long enough to be seen on a slow machine; its odd fraction marks it as ours.
nap=$(scaled 3).217
"$SBX" run -- /bin/sleep "$nap" &
runner=$!
pid=
for _ in $(seq "$(scaled 50)"); do
        pid=$(pgrep -f -x "/bin/sleep $nap" | head -1)
        [ -n "$pid" ] && break
        sleep 0.05
done
[ -n "$pid" ] || fail "the sandboxed sleep never appeared"
uid=$(ps -o uid= -p "$pid" | tr -d ' ')
kill "$runner" 2>/dev/null
wait "$runner" 2>/dev/null
[ "$uid" != 0 ] || fail "the payload runs as host root"
if [ "$(id -u)" = 0 ]; then
        [ "$uid" -ge $((0x70000000)) ] || fail "payload uid $uid is not a sandbox slot uid"
else
        [ "$uid" = "$(id -u)" ] || fail "payload uid $uid, expected ours"
fi

sbx -- /bin/sh -c 'env; grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status; grep NoNewPrivs /proc/self/status; grep Seccomp: /proc/self/status'
out=$(field stdout)
case "$out" in *SBX_HOST_SECRET*) fail "host environment leaked: $out" ;; esac
for set in Inh Prm Eff Bnd Amb; do
        grep -q "^Cap$set:	0000000000000000" <<<"$out" || fail "Cap$set not empty: $out"
done
grep -q 'NoNewPrivs:	1' <<<"$out" || fail "no_new_privs not set"
grep -q 'Seccomp:	2' <<<"$out" || fail "no seccomp filter"

sbx --env GREETING=hi -- /bin/sh -c 'echo $GREETING $HOME'
expect stdout "hi /sandbox
"
