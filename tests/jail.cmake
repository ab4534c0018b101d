# The native jail's integration tests: real jails, real limits. Label "integration": the test
# script runs them as root and again as an unprivileged user.
foreach(t limits_cpu limits_wall limits_memory limits_pids limits_fallback limits_output
          limits_disk iso_fs iso_net iso_identity iso_orphans iso_instances iso_storage
          iso_writable iso_counters iso_locks cli cgroup_entry)
  sbx_script_test(jail_${t} jail/${t}.sh)
endforeach()
sbx_script_test(jail_seccomp jail/seccomp.sh)
# Tests that only make sense as root (the unprivileged pass leaves the label out).
foreach(t iso_uevent iso_state_noexec)
  sbx_script_test(jail_${t} jail/${t}.sh)
  set_tests_properties(jail_${t} PROPERTIES LABELS "integration;root")
endforeach()

# Every language of runtime/languages.c, one test each (a missing toolchain skips its test with
# the package to install); jail_languages_table checks that this list is the table.
set(SBX_LANGUAGES python c cpp javascript java bash perl go rust typescript ruby php lua r csharp
                  scala d racket)
foreach(lang ${SBX_LANGUAGES})
  sbx_script_test(jail_languages_${lang} jail/languages.sh ${lang})
  set_tests_properties(jail_languages_${lang} PROPERTIES TIMEOUT 300)
endforeach()
string(REPLACE ";" " " languages "${SBX_LANGUAGES}")
sbx_script_test(jail_languages_table jail/languages_meta.sh table "${languages}")
# Hides a toolchain in a private mount namespace: root only.
sbx_script_test(jail_languages_missing jail/languages_meta.sh missing)
set_tests_properties(jail_languages_missing PROPERTIES LABELS "integration;root")

# Every way a process gets a cgroup on a cgroup v2 host run by systemd, and the shipped unit:
# it changes the host, so only scripts/vm-test.sh's VM runs it (labels vm and root).
sbx_script_test(jail_systemd jail/systemd.sh)
set_tests_properties(jail_systemd PROPERTIES LABELS "vm;root" TIMEOUT 900)
# Warm Python against cold, as root and unprivileged.
sbx_script_test(jail_warm jail/warm.sh)
set_tests_properties(jail_warm PROPERTIES TIMEOUT 300)
