# sandboxrt serve (server/) and the remote backend (remote/).
# Parsing, routing, paths, tar checks, the scheduler: no sandbox runs.
sbx_unit_test(test_serve serve/test_serve.c)

# The policy table (policies/fields.c) against each form derived from it, server/openapi.json's
# limits included (`test_limits --fix` rewrites those). Here for the v1 API's policy JSON.
sbx_unit_test(test_limits unit/test_limits.c)
target_link_libraries(test_limits PRIVATE sbx_remote)

# Through HTTP with a client written from the spec (tests/serve/enclave.py). Cases that run
# programs skip (77) until `sandboxrt run` works on the host.
sbx_script_test(serve_cli serve/cli.sh)
foreach(case routes auth backend_choice tools manager hostile_tar concurrency disconnect)
  sbx_script_test(serve_${case} serve/api.sh ${case})
  set_tests_properties(serve_${case} PROPERTIES TIMEOUT 300)
endforeach()
sbx_script_test(serve_sigterm serve/sigterm.sh)
sbx_script_test(serve_crash serve/crash.sh)
# eval through base_url gives the local report (skips until remote is in the backend table).
sbx_script_test(serve_eval_remote serve/eval_remote.sh)
set_tests_properties(serve_eval_remote PROPERTIES TIMEOUT 600)
set_tests_properties(serve_concurrency PROPERTIES RUN_SERIAL TRUE)

# The remote backend, driven through its ops table against a live server.
# (test_remote is not a test by itself: it needs the server serve_remote starts.)
add_executable(test_remote serve/test_remote.c)
target_link_libraries(test_remote PRIVATE sbx_remote PkgConfig::CMOCKA)
sbx_script_test(serve_remote serve/remote.sh $<TARGET_FILE:test_remote>)
set_tests_properties(serve_remote PROPERTIES TIMEOUT 300)

# The server's trust boundary (issue 8): one case per attack, against a live server.
foreach(case ceiling tenants fifo deep_tree connections sigterm)
  sbx_script_test(serve_attack_${case} serve/attacks.sh ${case})
  set_tests_properties(serve_attack_${case} PROPERTIES TIMEOUT 300)
endforeach()
# The deep tree also runs under the sanitizer build's server (ctest -L asan there). On a busy
# disk (the sandbox's directory is on the host's file system) 40,000 levels take minutes.
set_tests_properties(serve_attack_deep_tree PROPERTIES LABELS "integration;asan" TIMEOUT 1200)
set_tests_properties(serve_attack_connections PROPERTIES RUN_SERIAL TRUE)
foreach(case docker_ceiling docker_fifo docker_deep_tree docker_sigterm)
  sbx_script_test(serve_attack_${case} serve/attacks.sh ${case})
  set_tests_properties(serve_attack_${case} PROPERTIES TIMEOUT 300 LABELS docker)
  sbx_uses_docker(serve_attack_${case})
endforeach()
set_tests_properties(serve_attack_docker_deep_tree PROPERTIES TIMEOUT 1200)

# ms-enclave parity (issue 12): its client's requests and error handling and its own tests, on
# both backends.
sbx_script_test(serve_parity_native serve/parity.sh native)
set_tests_properties(serve_parity_native PROPERTIES TIMEOUT 600)
sbx_script_test(serve_parity_docker serve/parity.sh docker)
set_tests_properties(serve_parity_docker PROPERTIES TIMEOUT 600 LABELS "integration;docker")
sbx_uses_docker(serve_parity_docker)
