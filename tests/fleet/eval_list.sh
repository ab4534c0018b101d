#!/usr/bin/env bash
# `sandboxrt eval` with three base_urls (--remote, repeated) and one dead host: jobs are spread
# over the live nodes, and when one of them is killed (SIGKILL, by its PID) while it runs a job
# the run still ends 164/164; the report says how many jobs were retried and where.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_jail

start_node sbx-0 --max-concurrency 2
start_node sbx-1 --max-concurrency 2
dead=http://127.0.0.1:$(free_port) # nothing listens there
humaneval_task run
"$SBX" eval --config "$WORK/run.yaml" --no-timestamp -q -j 6 \
	--remote "http://127.0.0.1:${NODE_PORT[sbx-0]}" --remote "http://127.0.0.1:${NODE_PORT[sbx-1]}" \
	--remote "$dead" >"$WORK/eval.out" 2>"$WORK/eval.log" &
eval_pid=$!
kill_node_midway sbx-0
wait $eval_pid || fleet_fail "eval exited $?: $(tail -5 "$WORK/eval.log")"
expect_humaneval_164 run
grep -q "warning: $dead is down" "$WORK/eval.log" || fleet_fail "no warning about the dead host"

fleet=$WORK/run/reports/fleet.json
[ -f "$fleet" ] || fleet_fail "no reports/fleet.json"
cat "$WORK/eval.out"
check() { [ "$(json "$fleet" "$1")" = "$2" ] || fleet_fail "fleet.json: $1 is not $2: $(cat "$fleet")"; }
check 'd["jobs"]' 164
check 'd["failed_jobs"]' 0
check '[s["url"] for s in d["servers"]][2]' "$dead"
check 'd["servers"][2]["jobs"]' 0
check 'd["servers"][2]["state"]' down
check 'd["servers"][0]["state"]' down
check 'd["servers"][1]["state"]' up
check 'sum(s["jobs"] for s in d["servers"])' 164
retried=$(json "$fleet" 'd["retried_jobs"]')
[ "$retried" -ge 1 ] || fleet_fail "sbx-0 died running a job, yet no job was retried"
# Where: the failures are sbx-0's, the retried jobs ran on sbx-1.
check 'd["servers"][0]["failures"] >= 1' True
check 'd["servers"][1]["retried_here"]' "$retried"
grep -q "^Fleet: 3 servers (1 up), 164 jobs, $retried retried after a server failed" "$WORK/eval.out" ||
	fleet_fail "the report's fleet line is wrong: $(cat "$WORK/eval.out")"
echo PASS
