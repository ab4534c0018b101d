# runtime/ and the native backend: the wire encoding (unit) and the public API against real
# jails (integration: also run unprivileged).
sbx_unit_test(test_wire unit/test_wire.c)
sbx_unit_test(test_runtime unit/test_runtime.c)
sbx_unit_test(test_languages unit/test_languages.c)
set_tests_properties(test_runtime PROPERTIES LABELS "integration;asan" TIMEOUT 300)
sbx_unit_test(test_storage unit/test_storage.c)
set_tests_properties(test_storage PROPERTIES LABELS integration TIMEOUT 300)
sbx_unit_test(test_owner unit/test_owner.c)
sbx_unit_test(test_warm unit/test_warm.c)
set_tests_properties(test_warm PROPERTIES LABELS integration TIMEOUT 300)
