# seccomp: the filter's unit test, and the probe payload that jail integration tests run inside
# the sandbox (built standalone: $SBX_BUILD_DIR/tests/sbx_payload_syscalls).
add_executable(sbx_payload_syscalls payloads/syscalls.c)
target_link_libraries(sbx_payload_syscalls PRIVATE Threads::Threads)

sbx_unit_test(test_seccomp unit/test_seccomp.c)
