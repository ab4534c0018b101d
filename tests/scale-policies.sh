#!/usr/bin/env bash
# Write copies of sandboxrt's built-in policies with their time limits (wall, cpu) multiplied
# by SCALE into DIR, for a slow machine (SBX_TEST_TIME_SCALE, see tests/common.sh): the compile
# policy's 30 s is too short for javac under an emulated CPU. Point SANDBOXRT_POLICY_DIR at DIR.
#
#   tests/scale-policies.sh SANDBOXRT SCALE DIR
set -euo pipefail

sbx=${1:?usage: scale-policies.sh SANDBOXRT SCALE DIR} scale=${2:?} dir=${3:?}
mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "$(dirname "$dir")/.policies.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for name in $(env -u SANDBOXRT_POLICY_DIR "$sbx" policy list | awk '{ print $1 }'); do
	env -u SANDBOXRT_POLICY_DIR "$sbx" policy show "$name" | awk -v s="$scale" '
		$1 == "wall:" || $1 == "cpu:" {
			match($2, /^[0-9.]+/)
			n = substr($2, 1, RLENGTH); unit = substr($2, RLENGTH + 1)
			ms = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : 3600000
			printf "  %s %dms\n", $1, n * ms * s + 0.5
			next
		}
		{ print }' >"$tmp/$name.yaml"
done
rm -rf "$dir"
mv -T "$tmp" "$dir"
trap - EXIT
