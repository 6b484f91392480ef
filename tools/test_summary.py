"""Prints each test's Check summary line and one final 'N passed, N failed'.

Check prints "100%: Checks: 7, Failures: 0, Errors: 0" per suite; a test
that is not a Check suite counts as one check.
"""
import json
import re
import sys

SUMMARY = re.compile(r"(\d+)%: Checks: (\d+), Failures: (\d+), Errors: (\d+)")

passed = failed = skipped = 0
for path in sys.argv[1:]:
    prefix = "asan+ubsan: " if "asan" in path else ""
    with open(path) as f:
        lines = f.readlines()
    for line in lines:
        t = json.loads(line)
        t["name"] = prefix + t["name"]
        out = t.get("stdout", "") or ""
        found = False
        for m in SUMMARY.finditer(out):
            found = True
            n, fails, errs = int(m[2]), int(m[3]), int(m[4])
            passed += n - fails - errs
            failed += fails + errs
            print(f"{t['name']}: {m[0]}")
        if not found:
            res = t.get("result")
            if res == "SKIP":
                skipped += 1
            elif res in ("OK", "EXPECTEDFAIL"):
                passed += 1
            else:
                failed += 1
            print(f"{t['name']}: {res}")
        elif t.get("result") not in ("OK", "EXPECTEDFAIL"):
            failed += 1  # a crash or timeout after the summary
suffix = f", {skipped} skipped" if skipped else ""
print(f"{passed} passed, {failed} failed{suffix}")
