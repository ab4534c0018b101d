# A compiled program's work dir is capped storage off the host's disks: filling it stops at the
# policy's tmpfs size and inode cap while the host's free space and inodes stay where they were,
# and a tree the host could not remove file by file (40,000 levels, chmod 0500 and 0000
# directories) is gone when the run ends.
. "$(dirname "$0")/lib.sh"
require_jail

fill=$(dirname "$0")/src/fill.c
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"

# The state dir, where work dirs used to live (see open_state_dir in isolation/native.c).
if [ -n "${SANDBOXRT_STATE_DIR:-}" ]; then
        state=$SANDBOXRT_STATE_DIR
elif [ "$(id -u)" = 0 ]; then
        state=/run/sandboxrt
elif [ -n "${XDG_RUNTIME_DIR:-}" ]; then
        state=$XDG_RUNTIME_DIR/sandboxrt
else
        state=/tmp/sandboxrt-$(id -u)
fi
mkdir -p "$state" 2>/dev/null
watched=$(df --output=target "$state" | tail -1)

host_free() { # free bytes and free inodes of the file system holding the state dir
        stat -f -c '%f %S %d' "$watched" | {
                read -r blocks size inodes
                echo $((blocks * size)) "$inodes"
        }
}

# fill_watched MODE LIMIT...: run fill.c with MODE on stdin, taking the host's free space and
# inodes just before it writes and while it holds what it wrote (it names itself after the
# phase it is in). Sets RESULT, STATUS, DROP_BYTES and DROP_INODES.
fill_watched() {
        local mode=$1 tag=$$$RANDOM b0 i0 b1 i1 pid
        shift
        echo "$mode $tag" >"$dir/mode"
        "$SBX" run --backend native --json "$@" --language c --source "$fill" \
                --stdin "$dir/mode" >"$dir/result" &
        pid=$!
        wait_name "w$tag" "$pid"
        read -r b0 i0 < <(host_free)
        wait_name "h$tag" "$pid"
        read -r b1 i1 < <(host_free)
        wait "$pid"
        STATUS=$?
        RESULT=$(cat "$dir/result")
        DROP_BYTES=$((b0 - b1))
        DROP_INODES=$((i0 - i1))
}

wait_name() { # NAME PID: until a process is named NAME, or PID has ended
        while ! pgrep -x "${1:0:15}" >/dev/null && kill -0 "$2" 2>/dev/null; do
                sleep 0.01
        done
}

# fill_check MODE KEY MAX MIN: the program stopped at the cap (KEY between MIN and MAX) and the
# host did not pay for it. Other processes share the host's disk, so a drop is measured again
# (up to 6 times) before it counts as ours.
fill_check() {
        local mode=$1 key=$2 max=$3 min=$4 n
        for attempt in 1 2 3 4 5 6; do
                fill_watched "$mode" --limit tmpfs=8m --limit file_size=64m
                expect_verdict OK
                n=$(field stdout | sed -n "s/^$key=//p")
                [ -n "$n" ] || fail "$mode: no $key in: ${RESULT:0:600}"
                [ "$n" -le "$max" ] || fail "$mode: wrote $key=$n past the cap of $max"
                [ "$n" -ge "$min" ] || fail "$mode: stopped at $key=$n, before the cap ($max)"
                [ "$DROP_BYTES" -le $((1 << 20)) ] && [ "$DROP_INODES" -le 100 ] && return 0
                echo "attempt $attempt: host lost $DROP_BYTES bytes, $DROP_INODES inodes" >&2
        done
        fail "$mode: the host's disk paid for the sandbox's files ($DROP_BYTES bytes," \
                "$DROP_INODES inodes)"
}

# tmpfs=8m: 8 MiB, and one inode per 4 KiB of it.
fill_check bytes bytes $((8 << 20)) $((6 << 20))
fill_check inodes inodes 2048 1500

# A tree no file-by-file cleanup can remove; the run's work dir is named after its owner's pid
# wherever it lives on the host.
echo deep >"$dir/mode"
"$SBX" run --backend native --json --limit tmpfs=256m --limit wall=30s --language c \
        --source "$fill" --stdin "$dir/mode" >"$dir/result" &
runner=$!
wait "$runner"
STATUS=$?
RESULT=$(cat "$dir/result")
expect_verdict OK
expect stdout "depth=40000
"
left=$(find "$state" -maxdepth 2 -name "$runner-*" 2>/dev/null)
[ -z "$left" ] || fail "the run left its work dir on the host: $left"
grep -F " $state/" /proc/self/mountinfo && fail "a mount under the state dir is visible on the host"
sbx -- /bin/true
expect_verdict OK
[ "$ELAPSED_MS" -lt 2000 ] || fail "a run after the deep tree took $ELAPSED_MS ms"
exit 0
