# cmake --install into a temporary prefix, then use that tree alone: the library through
# pkg-config (examples/embed.c, shared and static), the man pages, and the installed binaries,
# traced to show that they touch nothing of the source or build tree.
sbx_script_test(install_prefix install/prefix.sh)
set_property(TEST install_prefix APPEND PROPERTY ENVIRONMENT
             "SBX_SANITIZE=$<IF:$<BOOL:${SBX_SANITIZE}>,1,0>")
set_tests_properties(install_prefix PROPERTIES TIMEOUT 300)
# How the helpers and data are found, from the build tree.
sbx_unit_test(test_install_path unit/test_install_path.c)
# The installed Docker backend finds its waiter in the prefix.
sbx_script_test(install_prefix_docker install/docker.sh)
set_tests_properties(install_prefix_docker PROPERTIES LABELS "integration;docker" TIMEOUT 300)
sbx_uses_docker(install_prefix_docker)
