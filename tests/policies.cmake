# policies/: units, policy files, overrides, built-ins (unit test).
sbx_unit_test(test_policy unit/test_policy.c)
# sandboxrt policy list/show/check.
sbx_script_test(policy_cli policies/cli.sh)
