# A fleet of `sandboxrt serve` nodes: behind HAProxy (deploy/haproxy/haproxy.cfg), and under
# `sandboxrt eval` with several base_urls; the Kubernetes manifests in deploy/kubernetes/.
# Every node, HAProxy and client is on 127.0.0.1.

# Node names and ids, the /metrics label, base_url lists: no sandbox runs.
sbx_unit_test(test_fleet_unit fleet/test_fleet_unit.c)
sbx_script_test(fleet_routes fleet/routes.sh)
sbx_script_test(fleet_eval_haproxy fleet/eval_haproxy.sh plain)
sbx_script_test(fleet_eval_haproxy_kill fleet/eval_haproxy.sh kill)
sbx_script_test(fleet_eval_list fleet/eval_list.sh)
sbx_script_test(fleet_drain fleet/drain.sh)
set_tests_properties(fleet_routes fleet_drain fleet_eval_haproxy fleet_eval_haproxy_kill fleet_eval_list
                     PROPERTIES TIMEOUT 600)
# Three nodes and HumanEval keep both cores busy: alone, as the evaluator's own runs.
set_tests_properties(fleet_eval_haproxy fleet_eval_haproxy_kill fleet_eval_list
                     PROPERTIES RUN_SERIAL TRUE)
sbx_script_test(fleet_kubernetes fleet/kubernetes.sh)
