# isolation/fsutil.c: what a sandbox plants in its directory (FIFOs, sockets, links out, modes
# it removed, 40,000 levels, 100,000 entries) against the host-side file functions. Also run
# unprivileged, where only chmod gives the owner its permissions back.
sbx_unit_test(test_fsutil unit/test_fsutil.c)
set_tests_properties(test_fsutil PROPERTIES LABELS "unit;integration" TIMEOUT 300)
