# Style checks (docs/style.md rules 1 and 14) as ctest tests, label "style". scripts/test.sh runs them
# as its own step; `ctest -L style` runs them alone.
add_test(NAME style_checksrc COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/checksrc.sh ${CMAKE_SOURCE_DIR})
add_test(NAME style_format COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/format-check.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(style_checksrc style_format PROPERTIES LABELS style SKIP_RETURN_CODE 77)
