# isolation/cgroup.c: parsers and discovery on fixture text and fake trees (any host), and real
# job cgroups on this host (root and a usable hierarchy, else skipped with 77).
sbx_unit_test(test_cgroup unit/test_cgroup.c)
sbx_unit_test(test_cgroup_live unit/test_cgroup.c)
target_compile_definitions(test_cgroup_live PRIVATE SBX_CGROUP_LIVE)
set_tests_properties(test_cgroup_live PROPERTIES LABELS "unit;cgroup" TIMEOUT 120)
