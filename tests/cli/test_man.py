#!/usr/bin/env python3
"""The man pages are valid mdoc: `mandoc -Tlint -Wwarning` finds nothing
(style notes about manuals not installed on this machine aside), in TAP."""

import os
import shutil
import subprocess
import sys

SRC = os.environ.get("ONIONSIP_SRCDIR", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PAGES = ["man/onionsip.8", "man/onionsip.conf.5"]

print("1..%d" % len(PAGES))
for i, page in enumerate(PAGES, 1):
    if shutil.which("mandoc") is None:
        print("ok %d - %s # SKIP mandoc not installed" % (i, page))
        continue
    path = os.path.join(SRC, page)
    r = subprocess.run(["mandoc", "-Tlint", "-Wwarning", path],
                       capture_output=True, text=True)
    out = [l for l in (r.stdout + r.stderr).splitlines()
           if "mandoc.db" not in l]
    ok = r.returncode == 0 and not out
    print("%s %d - mandoc -Tlint %s" % ("ok" if ok else "not ok", i, page))
    for l in out:
        print("# " + l)
sys.exit(0)
