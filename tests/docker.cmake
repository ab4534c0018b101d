# The Docker backend against a real engine. docker_setup (a fixture) installs and starts one
# when it can (scripts/docker-setup.sh) and builds the test image; docker_teardown checks that
# no sandboxrt-labelled container is left and stops a daemon that setup started
# (SBX_DOCKER_KEEP=1 keeps it). Without an engine every test exits 77 with the reason.
sbx_unit_test(test_docker ${CMAKE_CURRENT_SOURCE_DIR}/docker/test_docker.c)
# The seccomp probes run inside containers (a binary of this host: the test image is Debian too).
target_compile_definitions(test_docker PRIVATE
                           SBX_PAYLOAD_SYSCALLS="$<TARGET_FILE:sbx_payload_syscalls>")
add_dependencies(test_docker sbx_payload_syscalls)
set_tests_properties(test_docker PROPERTIES LABELS "docker" TIMEOUT 600)

add_test(NAME docker_setup COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/docker-setup.sh start)
set_tests_properties(docker_setup PROPERTIES FIXTURES_SETUP docker_engine SKIP_RETURN_CODE 77
                     TIMEOUT 1200 LABELS docker)

add_test(NAME docker_orphans
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/docker/orphans.sh $<TARGET_FILE:test_docker>)
set_tests_properties(docker_orphans PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS docker)

add_test(NAME docker_teardown COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/docker/teardown.sh)
set_tests_properties(docker_teardown PROPERTIES FIXTURES_CLEANUP docker_engine
                     SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS docker)
# Both look for this run's containers by its owner records (helpers.cmake).
sbx_test_env(docker_orphans docker_teardown)
sbx_uses_docker(test_docker docker_orphans)

# Image references and the create request, without an engine.
sbx_unit_test(test_docker_ref unit/test_docker_ref.c)

# What the backend says when no engine answers (needs none).
sbx_script_test(docker_messages docker/messages.sh)
