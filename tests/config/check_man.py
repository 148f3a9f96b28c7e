# SPDX-License-Identifier: Apache-2.0
"""The generated iedd.8 (doc/iedd.8.in through meson's configure_file):
it names this build's installed paths and no placeholder or stale default
path, its SYNOPSIS and OPTIONS list every option `iedd --help` lists, and
groff reads it without a warning.

usage: check_man.py PAGE IEDD PREFIX PATH...   (PATHs the page must name)"""
import re
import shutil
import subprocess
import sys


def section(text, name):
    m = re.search(r"^\.SH " + name + r"\n(.*?)(?=^\.SH |\Z)", text, re.M | re.S)
    return m.group(1) if m else ""


def main():
    page, iedd, prefix, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(page) as f:
        text = f.read()
    bad = []
    left = sorted(set(re.findall(r"@[A-Z_]+@", text)))
    if left:
        bad.append(f"placeholders not replaced: {', '.join(left)}")
    for p in paths:
        if p.replace("-", "\\-") not in text and p not in text:
            bad.append(f"does not name {p}")
    if not text.count(prefix):
        bad.append(f"does not name the prefix {prefix}")
    if prefix != "/usr":
        for stale in ("/usr/share/iedd", "/usr/lib/iedd"):
            if stale in text:
                bad.append(f"names {stale}, not a path of prefix {prefix}")
    help_text = subprocess.run([iedd, "--help"], capture_output=True, text=True,
                               check=True).stdout
    longs = sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", help_text)))
    synopsis, options = section(text, "SYNOPSIS"), section(text, "OPTIONS")
    for o in longs:
        roff = "\\-\\-" + o.replace("-", "\\-")
        if roff not in synopsis:
            bad.append(f"SYNOPSIS lacks --{o} (iedd --help lists it)")
        if not re.search(r"^\.(B|BR|BI|TP)[^\n]*" + re.escape(roff) + r"(?![\w\\])", options,
                         re.M):
            bad.append(f"OPTIONS has no paragraph for --{o}")
    groff = shutil.which("groff")
    if groff:
        r = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page], capture_output=True,
                           text=True)
        if r.returncode or r.stderr.strip():
            bad.append("groff: " + r.stderr.strip())
    for b in bad:
        print(f"{page}: {b}", file=sys.stderr)
    print(f"{page}: {len(longs)} options checked, {len(paths)} paths, "
          f"{len(bad)} problem(s)")
    sys.exit(1 if bad else 0)


main()
