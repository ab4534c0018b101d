#!/usr/bin/env bash
# What the kernel charges for the namespaces of a jail, apart from anything sandboxrt does in
# them: bench/namespaces.c, compiled here, has N children each create one namespace kind (user,
# mount, uts, ipc, cgroup, net, pid with its init) or a jail's whole set, and exit, and prints
# their CPU and wall time per child and the CPU each adds to the fork(s) it took. A jail costs
# far more than that figure: the rest is sandboxrt's processes, mounts and cgroups
# (bench/roles.sh).
#
#   bench/namespaces.sh [N]     (default 300; as root, or as a user with user namespaces)
set -euo pipefail

cc=$(command -v cc || command -v gcc || true)
[ -n "$cc" ] || { echo "bench: no C compiler (apt-get install gcc)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$cc" -O2 -o "$out/namespaces" "$(dirname "$0")/namespaces.c"
echo "bench: ${1:-300} children per variant, in 3 interleaved rounds; $(uname -r), $(nproc) CPUs" >&2
"$out/namespaces" "$@"
