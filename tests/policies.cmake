# policies/: units, policy files, overrides, built-ins (unit test).
sbx_unit_test(test_policy unit/test_policy.c)
