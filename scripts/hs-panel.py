#!/usr/bin/env python3
"""The handshake section's panel: for every implementation whose verdicts
tests/handshake.rs records (tests/expected/hs-*.json), which MUST cases it
fails, as a markdown table (a row per case). With --rev, the same from that
revision's recorded verdicts; with --compare REV, a row per implementation:
the MUSTs it broke at REV and now, and which.

    scripts/hs-panel.py [--wsspec target/release/wsspec] [--rev REV | --compare REV]
"""

import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def levels(wsspec):
    out = subprocess.check_output([wsspec, "cases", "list", "hs.*", "--verbose"], text=True)
    got = {}
    for m in re.finditer(r"^(hs\.\S+)  \[\w+\]  (.*) \((MUST|SHOULD|MAY)\)$", out, re.M):
        got[m.group(1)] = (m.group(3), m.group(2))
    return got


def recorded(rev):
    expected = os.path.join(ROOT, "tests", "expected")
    names = sorted(f for f in os.listdir(expected) if f.startswith("hs-") and f.endswith(".json"))
    got = {}
    for f in names:
        path = "tests/expected/" + f
        if rev:
            try:
                text = subprocess.check_output(["git", "-C", ROOT, "show", f"{rev}:{path}"], text=True)
            except subprocess.CalledProcessError:
                continue
        else:
            text = open(os.path.join(ROOT, path)).read()
        got[f[3:-5]] = {k: v[0] for k, v in json.loads(text).items()}
    return got


def order(case_id):
    return [int(p) for p in case_id.split(".")[1:]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wsspec", default=os.path.join(ROOT, "target", "release", "wsspec"))
    ap.add_argument("--rev")
    ap.add_argument("--compare")
    a = ap.parse_args()
    lv = levels(a.wsspec)
    if a.compare:
        return compare(lv, recorded(a.compare), recorded(None))
    peers = recorded(a.rev)
    musts = sorted((c for c in lv if lv[c][0] == "MUST"), key=order)
    broken = [c for c in musts if any(p.get(c) == "FAILED" for p in peers.values())]
    names = list(peers)
    print("| case | clause | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for c in broken:
        cells = ["**FAILED**" if peers[n].get(c) == "FAILED" else ("" if c in peers[n] else "–") for n in names]
        print(f"| {c} | {lv[c][1]} | " + " | ".join(cells) + " |")
    counts = [str(sum(peers[n].get(c) == "FAILED" for c in musts)) for n in names]
    print("| MUSTs broken | | " + " | ".join(counts) + " |")


def compare(lv, before, now):
    musts = sorted((c for c in lv if lv[c][0] == "MUST"), key=order)
    print("| implementation | MUSTs broken before | now | the cases now |")
    print("|---|---|---|---|")
    for name, got in now.items():
        old = before.get(name, {})
        was = [c for c in musts if old.get(c) == "FAILED"]
        now_ = [c for c in musts if got.get(c) == "FAILED"]
        listed = ", ".join(c if c in old else c + "*" for c in now_) or "none"
        print(f"| {name} | {len(was)} | {len(now_)} | {listed} |")
    print()
    print("(* a case new in this revision)")


if __name__ == "__main__":
    sys.exit(main())
