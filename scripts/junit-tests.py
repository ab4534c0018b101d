#!/usr/bin/python3
"""Print "name: reason" for every test of a ctest JUnit report with a given status.

    junit-tests.py notrun REPORT    tests that did not run (skipped, exit status 77)
    junit-tests.py fail REPORT      tests that failed

Used by scripts/test.sh and scripts/vm-guest.sh for their summaries. The reason is the last
line the test printed (a skipped test says why on its last line), cut to 200 characters.
"""
import sys
import xml.etree.ElementTree as ET

if len(sys.argv) != 3 or sys.argv[1] not in ("notrun", "fail"):
    sys.exit(__doc__)
want, report = sys.argv[1], sys.argv[2]
for case in ET.parse(report).getroot().iter("testcase"):
    status = case.get("status")
    # ctest writes status "run" for a pass, "fail", "notrun" (skipped) and "disabled".
    if (status == "fail") != (want == "fail") or status == "run":
        continue
    out = (case.findtext("system-out") or "").strip().splitlines()
    skipped = case.find("skipped")
    why = out[-1] if out else (skipped.get("message") if skipped is not None else status)
    why = why if len(why) <= 200 else why[:197] + "..."
    print(f"{case.get('name')}: {why}")
