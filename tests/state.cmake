# The test run's private state dir and cgroup parent (helpers.cmake): made before the first test
# that needs them, checked for leftovers and removed after the last.
foreach(step setup cleanup)
  add_test(NAME test_state_${step} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/state.sh ${step})
  set_tests_properties(test_state_${step} PROPERTIES ENVIRONMENT
                       "${SBX_TEST_ENV};SANDBOXRT=$<TARGET_FILE:sandboxrt>")
endforeach()
set_tests_properties(test_state_setup PROPERTIES FIXTURES_SETUP sbx_test_state)
set_tests_properties(test_state_cleanup PROPERTIES FIXTURES_CLEANUP sbx_test_state)
