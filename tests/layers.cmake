# The layers (docs/design.md, "Layers"): every include and every symbol between the layers'
# libraries points downwards, and no files use each other in a cycle. tests/layers.py first
# checks itself on a fixture with one planted violation of each kind. Label "unit": it needs the
# build (the libraries' symbols), and runs with the tests (scripts/test.sh step 4).
add_test(NAME layers COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/layers.py
                             --source ${CMAKE_SOURCE_DIR} --build ${CMAKE_BINARY_DIR})
set_tests_properties(layers PROPERTIES LABELS unit)
