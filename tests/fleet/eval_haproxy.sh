#!/usr/bin/env bash
# HumanEval's 164 reference solutions through HAProxy in front of three nodes: 164/164, with
# every node running some. With "kill", one node is killed (SIGKILL, by its PID) while it runs a
# job: the run still ends 164/164, and the jobs the dead node lost are retried and reported.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_jail
need_haproxy
mode=${1:-plain}

for i in 0 1 2; do
	start_node sbx-$i --max-concurrency 2
done
start_haproxy
humaneval_task run
printf 'sandbox:\n  manager_config:\n    base_url: %s\n' "$HAPROXY_URL" >>"$WORK/run.yaml"

"$SBX" eval --config "$WORK/run.yaml" --no-timestamp -q -j 6 >"$WORK/eval.out" 2>"$WORK/eval.log" &
eval_pid=$!
if [ "$mode" = kill ]; then
	kill_node_midway sbx-1
fi
wait $eval_pid || fleet_fail "eval exited $?: $(tail -5 "$WORK/eval.log")"
expect_humaneval_164 run
for i in 0 1 2; do
	grep -q "POST /v1/run 200" "$WORK/sbx-$i.log" || fleet_fail "sbx-$i ran no job"
done
fleet=$WORK/run/reports/fleet.json
[ -f "$fleet" ] || fleet_fail "no reports/fleet.json"
[ "$(json "$fleet" 'd["jobs"]')" = 164 ] || fleet_fail "fleet.json: $(cat "$fleet")"
[ "$(json "$fleet" 'd["failed_jobs"]')" = 0 ] || fleet_fail "fleet.json: $(cat "$fleet")"
grep -q "^Fleet: 1 server (1 up), 164 jobs, [0-9]* retried" "$WORK/eval.out" ||
	fleet_fail "the report has no fleet line: $(cat "$WORK/eval.out")"
retried=$(json "$fleet" 'd["retried_jobs"]')
if [ "$mode" = kill ]; then
	[ "$retried" -ge 1 ] || fleet_fail "sbx-1 died running a job, yet no job was retried: $(cat "$fleet")"
	[ "$(json "$fleet" 'd["servers"][0]["failures"]')" -ge 1 ] ||
		fleet_fail "the failures are not reported: $(cat "$fleet")"
	grep -q "last failure: .*HTTP 502" "$WORK/eval.out" ||
		fleet_fail "the report does not say what failed: $(cat "$WORK/eval.out")"
else
	[ "$retried" = 0 ] || fleet_fail "jobs were retried with every node up: $(cat "$fleet")"
fi
echo PASS
