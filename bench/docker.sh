#!/usr/bin/env bash
# Per-job latency of `python3 -c pass`, one invocation, N jobs each (after one warm-up):
#   (a) docker run --rm                      (the Docker CLI: create, start, attach, remove)
#   (b) sandboxrt docker backend, cold        (create + start + exec + remove per job)
#   (c) sandboxrt docker backend, warm pool   (exec in a pooled container, reset off the path)
#   (d) sandboxrt native                      (sandboxrt run -- /usr/bin/python3 -c pass)
# Prints each median and the ratios. Usage: bench/docker.sh [N]   (N defaults to 20)
# Env: SBX_BUILD_DIR (default build), SBX_DOCKER_TEST_IMAGE, SBX_DOCKER_POOL_SIZE (default 2).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-20}
build=${SBX_BUILD_DIR:-$root/build}
image=${SBX_DOCKER_TEST_IMAGE:-sandboxrt-test/python:3.11}
pool=${SBX_DOCKER_POOL_SIZE:-2}
driver=$build/tests/test_docker
sandboxrt=$build/api/sandboxrt
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

[ -x "$driver" ] || { echo "bench: build first ($driver missing)" >&2; exit 1; }
bash "$root/scripts/docker-setup.sh" start || exit $?
export SBX_DOCKER_TEST_IMAGE=$image

ms() { echo $((($(date +%s%N) - $1) / 1000)) | awk '{ printf "%.3f\n", $1 / 1000 }'; }

echo "bench: $n jobs each, image $image" >&2
docker run --rm --network none "$image" /usr/bin/python3 -c pass
for _ in $(seq 1 "$n"); do
	t=$(date +%s%N)
	docker run --rm --network none "$image" /usr/bin/python3 -c pass
	ms "$t"
done >"$out/a"
"$driver" bench cold $((n + 1)) | tail -n "$n" >"$out/b"
"$driver" bench warm $((n + 1)) "$pool" | tail -n "$n" >"$out/c"
: >"$out/d"
if [ -x "$sandboxrt" ] && "$sandboxrt" run -- /usr/bin/python3 -c pass >/dev/null 2>&1; then
	for _ in $(seq 1 "$n"); do
		t=$(date +%s%N)
		"$sandboxrt" run -- /usr/bin/python3 -c pass >/dev/null
		ms "$t"
	done >"$out/d"
else
	echo "bench: (d) skipped: '$sandboxrt run' does not work here" >&2
fi

/usr/bin/python3 - "$out" "$pool" <<'PY'
import statistics, sys, os
d, pool = sys.argv[1], sys.argv[2]
names = {"a": "docker run --rm", "b": "docker backend, cold", "c": f"docker backend, warm pool of {pool}",
         "d": "sandboxrt native"}
med = {}
for k in "abcd":
    v = [float(x) for x in open(os.path.join(d, k)).read().split()]
    if v:
        med[k] = statistics.median(v)
        print(f"({k}) {names[k]:<34} median {med[k]:8.1f} ms  (min {min(v):.1f}, max {max(v):.1f}, n={len(v)})")
    else:
        print(f"({k}) {names[k]:<34} not measured")
def ratio(x, y, what):
    if x in med and y in med:
        print(f"{what:<44} {med[x] / med[y]:6.2f}x")
ratio("a", "c", "warm pool vs docker run --rm (a/c)")
ratio("a", "b", "cold backend vs docker run --rm (a/b)")
ratio("b", "c", "warm pool vs cold backend (b/c)")
ratio("c", "d", "warm pool vs native (c/d)")
PY
