#!/usr/bin/env bash
# Three nodes behind HAProxy with the project's deploy/haproxy/haproxy.cfg: stateful sandboxes
# created through HAProxy work on every route (the id in tool/execute's body included), the
# stateless routes are spread over the nodes, /metrics names each node, and once a node is
# killed its sandboxes get 404 with a detail naming it, from the nodes still up.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_jail
need_haproxy

for i in 0 1 2; do
	start_node sbx-$i --max-concurrency 2 --pool-size 2
done
start_haproxy
urls=("$HAPROXY_URL")
for i in 0 1 2; do urls+=("http://127.0.0.1:${NODE_PORT[sbx-$i]}"); done

"$PY" "$FLEET_DIR/routes.py" check "${urls[@]}" >"$WORK/kept" 2>"$WORK/routes.log" ||
	fleet_fail "routes.py check: $(tail -5 "$WORK/routes.log")"
for i in 0 1 2; do
	runs=$(grep -c "POST /v1/run 200" "$WORK/sbx-$i.log")
	pool=$(grep -c "POST /pool/execute 200" "$WORK/sbx-$i.log")
	[ "$runs" -ge 1 ] && [ "$pool" -ge 1 ] ||
		fleet_fail "sbx-$i got $runs of /v1/run and $pool of /pool/execute: not balanced"
	metric_line=$(curl -s "http://127.0.0.1:${NODE_PORT[sbx-$i]}/metrics" | grep '^sandboxrt_queue_depth')
	[ "$metric_line" = "sandboxrt_queue_depth{node=\"sbx-$i\"} 0" ] ||
		fleet_fail "sbx-$i: /metrics queue depth reads '$metric_line'"
done

# sbx-1 dies: its sandboxes are gone, and the other nodes say so for every route.
mapfile -t gone_ids < <(grep '^sbx-1\.' "$WORK/kept")
[ ${#gone_ids[@]} -ge 1 ] || fleet_fail "no sandbox of sbx-1 was kept: $(cat "$WORK/kept")"
kill_node sbx-1
"$PY" "$FLEET_DIR/routes.py" gone "${urls[@]}" "${gone_ids[@]}" 2>"$WORK/gone.log" ||
	fleet_fail "routes.py gone: $(tail -5 "$WORK/gone.log")"
wait_state sbx-1 DOWN
# The other nodes' sandboxes are untouched.
for sid in $(grep -v '^sbx-1\.' "$WORK/kept"); do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$HAPROXY_URL/sandbox/$sid")
	[ "$code" = 200 ] || fleet_fail "sandbox $sid answered $code after sbx-1 died"
done
echo PASS
