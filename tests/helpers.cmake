# sbx_unit_test(NAME SOURCES...): a cmocka test linked against sbxcore.
function(sbx_unit_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE sbxcore PkgConfig::CMOCKA)
  add_dependencies(${name} sandboxrt) # the jail launcher they spawn
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS unit)
endfunction()

# sbx_script_test(NAME SCRIPT [ARGS...]): a shell test; gets SANDBOXRT=<binary> in the environment.
function(sbx_script_test name script)
  add_test(NAME ${name} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/${script} ${ARGN})
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS integration
                       ENVIRONMENT "SANDBOXRT=$<TARGET_FILE:sandboxrt>;SBX_SOURCE_DIR=${CMAKE_SOURCE_DIR};SBX_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()
