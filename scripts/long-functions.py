#!/usr/bin/env python3
"""Functions in src/ longer than a limit (default 80 lines), longest first:
the check behind CONTRIBUTING.md's "functions a reader can hold". Case
tables (a section's `cases()`, `groups()`) are listed apart: they are data.
    scripts/long-functions.py [LIMIT]"""
import glob
import re
import sys

limit = int(sys.argv[1]) if len(sys.argv) > 1 else 80
found = []
for path in sorted(glob.glob("src/**/*.rs", recursive=True)):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(pub(\([a-z]+\))? )?(async )?fn (\w+)", lines[i])
        if m and not lines[i].rstrip().endswith(";"):
            indent = len(m.group(1))
            j = i
            while j < len(lines) and not (
                lines[j].startswith(" " * indent + "}") and len(lines[j]) - len(lines[j].lstrip()) == indent
            ):
                j += 1
            found.append((j - i + 1, path, m.group(5)))
            i = j
        i += 1
table = lambda p, f: "/catalogue/" in p and f in ("cases", "groups")
for n, path, name in sorted(found, reverse=True):
    if n > limit:
        print(f"{n:4} {path}::{name}{'  (case table)' if table(path, name) else ''}")
