# Every test of a run gets a state dir and a cgroup parent of its own (the run's: one per build
# dir), so that a test run never reaps, counts or removes what another sandboxrt on the host (a
# server, another CI run) has, nor is disturbed by it. test_state.sh (a fixture) prepares them
# and, once the run's tests are done, checks that nothing of the run is left and removes them.
string(SHA1 sbx_test_run "${CMAKE_BINARY_DIR}")
string(SUBSTRING "${sbx_test_run}" 0 12 sbx_test_run)
execute_process(COMMAND id -u OUTPUT_VARIABLE sbx_test_uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(sbx_test_uid STREQUAL "0")
  set(sbx_test_cgroup "sandboxrt/test-${sbx_test_run}")
else()
  set(sbx_test_cgroup "sandboxrt-${sbx_test_uid}/test-${sbx_test_run}") # under the delegated one
endif()
set(SBX_TEST_ENV "SANDBOXRT_STATE_DIR=/tmp/sandboxrt-test-${sbx_test_run}"
                 "SANDBOXRT_CGROUP=${sbx_test_cgroup}")

# sbx_test_env(TESTS...): the run's private state, and the fixture that makes and checks it.
function(sbx_test_env)
  set_tests_properties(${ARGN} PROPERTIES ENVIRONMENT "${SBX_TEST_ENV}")
  set_property(TEST ${ARGN} APPEND PROPERTY FIXTURES_REQUIRED sbx_test_state)
endfunction()

# sbx_uses_docker(TESTS...): they run against the shared engine (docker.cmake: docker_setup).
# Appended: FIXTURES_REQUIRED in set_tests_properties would replace sbx_test_state.
function(sbx_uses_docker)
  set_property(TEST ${ARGN} APPEND PROPERTY FIXTURES_REQUIRED docker_engine)
endfunction()

# sbx_unit_test(NAME SOURCES...): a cmocka test linked against every library layer (not the CLI).
function(sbx_unit_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE sbx_server sbx_evaluator sbx_lib PkgConfig::CMOCKA)
  add_dependencies(${name} sandboxrt) # the jail launcher they spawn
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS unit)
  sbx_test_env(${name})
endfunction()

# sbx_script_test(NAME SCRIPT [ARGS...]): a shell test; gets SANDBOXRT=<binary> in the environment.
function(sbx_script_test name script)
  add_test(NAME ${name} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/${script} ${ARGN})
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS integration)
  sbx_test_env(${name})
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT "SANDBOXRT=$<TARGET_FILE:sandboxrt>"
               "SBX_SOURCE_DIR=${CMAKE_SOURCE_DIR}" "SBX_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()
