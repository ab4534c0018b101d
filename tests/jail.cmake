# The native jail's integration tests: real jails, real limits. Label "integration": the test
# script runs them as root and again as an unprivileged user.
foreach(t limits_cpu limits_wall limits_memory limits_pids limits_fallback limits_output
          limits_disk iso_fs iso_net iso_identity iso_orphans iso_instances iso_storage
          iso_counters iso_locks languages cli)
  sbx_script_test(jail_${t} jail/${t}.sh)
endforeach()
set_tests_properties(jail_languages PROPERTIES TIMEOUT 300)
sbx_script_test(jail_seccomp jail/seccomp.sh)
# Tests that only make sense as root (the unprivileged pass leaves the label out).
foreach(t iso_uevent iso_state_noexec)
  sbx_script_test(jail_${t} jail/${t}.sh)
  set_tests_properties(jail_${t} PROPERTIES LABELS "integration;root")
endforeach()
# Warm Python against cold, as root and unprivileged.
sbx_script_test(jail_warm jail/warm.sh)
set_tests_properties(jail_warm PROPERTIES TIMEOUT 300)
