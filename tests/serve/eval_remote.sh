#!/usr/bin/env bash
# `sandboxrt eval` with sandbox_manager_config.base_url pointing at a test server gives the same
# report as a local run (the remote backend, end to end).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_exec
"$SANDBOXRT" eval --help >/dev/null 2>&1 || skip "this build has no eval command"
work=$(mktemp -d)
trap 'cleanup_server; rm -rf "$work"' EXIT

# An evaluation server's ceiling: room for eval's judging limits (3x the review_timeout of wall,
# a 16 MiB output cap), as the README says.
sed -e 's/^name: .*/name: judge/' -e 's/wall: .*/wall: 60s/' -e 's/output: .*/output: 16m/' \
	"$SBX_SOURCE_DIR/policies/default.yaml" >"$work/judge.yaml"
SANDBOXRT_API_KEY=eval-remote-key start_server --ceiling "$work/judge.yaml"
task() { # task NAME [manager config lines]
	{
		printf 'model: reference\ndatasets: [humaneval]\nlimit: 12\n'
		printf 'dataset_args:\n  humaneval:\n    review_timeout: 4\n'
		printf 'work_dir: %s/%s\n' "$work" "$1"
		shift
		printf '%s\n' "$@"
	} >"$work/$1.yaml"
}
task local
task remote "sandbox_manager_config:" "  base_url: $URL" "  api_key: eval-remote-key"
for run in local remote; do
	env -u SANDBOXRT_API_KEY "$SANDBOXRT" eval --config "$work/$run.yaml" --no-timestamp -q \
		>"$work/$run.out" 2>"$work/$run.err"
	status=$?
	if [ $status != 0 ] && grep -qi "unknown backend 'remote'\|backend remote" "$work/$run.err"; then
		skip "the remote backend is not in the runtime's backend table yet: $(tail -1 "$work/$run.err")"
	fi
	[ $status = 0 ] || fail "$run eval exited $status: $(tail -5 "$work/$run.err")"
done
report() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps([d["metrics"], d["outcomes"]], sort_keys=True))' "$1"; }
l=$(report "$work/local/reports/reference/humaneval.json") || fail "no local report"
r=$(report "$work/remote/reports/reference/humaneval.json") || fail "no remote report"
[ "$l" = "$r" ] || fail "reports differ: local $l, remote $r"
grep -q '"backend":"remote"' "$work/remote/reviews/reference/humaneval.jsonl" ||
	fail "the remote run did not go through the remote backend"
grep -q "POST /v1/run 200" "$SERVER_LOG" || fail "the server ran nothing"
stop_server
echo PASS
