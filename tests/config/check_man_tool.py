# SPDX-License-Identifier: Apache-2.0
"""iedc(1) and iedd-shm(1) against the tool's own --help, both ways: every
long option the tool lists has a paragraph (a .TP head, or a .B/.BI line
in OPTIONS) in the page, every option a page's OPTIONS heads name is one
the tool knows, every command word --help lists (iedc's "Commands:", the
"usage:" lines of iedd-shm) is named in COMMANDS, and groff reads the page
without a warning.

usage: check_man_tool.py PAGE TOOL"""
import re
import shutil
import subprocess
import sys


def section(text, name):
    m = re.search(r"^\.SH " + name + r"\n(.*?)(?=^\.SH |\Z)", text, re.M | re.S)
    return m.group(1) if m else ""


def roff_options(block, tp_only=False):
    """Long options named in the heads (.TP's next line, or, unless
    tp_only, a .B/.BI/.BR line that starts with an option) of a section."""
    found = set()
    lines = block.split("\n")
    for i, line in enumerate(lines):
        head = lines[i + 1] if line == ".TP" and i + 1 < len(lines) else None
        if head is None and not tp_only and re.match(r"^\.(B|BI|BR) \\-", line):
            head = line
        if head:
            for o in re.findall(r"\\-\\-([a-zA-Z][a-zA-Z\\-]*)", head):
                found.add(o.replace("\\-", "-"))
    return found


def main():
    page, tool = sys.argv[1], sys.argv[2]
    with open(page) as f:
        text = f.read()
    r = subprocess.run([tool, "--help"], capture_output=True, text=True)
    help_text = r.stdout + r.stderr
    longs = set(re.findall(r"(?<![\w-])--([a-zA-Z][a-zA-Z-]*)", help_text))
    bad = []
    heads = roff_options(text, tp_only=True) | roff_options(section(text, "OPTIONS"))
    for o in sorted(longs - heads):
        bad.append(f"no paragraph for --{o} ({tool} --help lists it)")
    for o in sorted(roff_options(section(text, "OPTIONS")) - longs):
        bad.append(f"OPTIONS documents --{o}, which {tool} --help does not list")
    m = re.search(r"^Commands:\n(.*?)\n\n", help_text, re.M | re.S)
    if m:
        words = {tuple(x.split()[:2]) if x.split()[0] in ("file", "dataset", "goose") else
                 (x.split()[0],) for x in re.findall(r"^  ([a-z][^\n]*)", m.group(1), re.M)}
    else:
        words = {(x,) for x in re.findall(r"^\s*(?:usage:)?\s*\S+ \[[^\]]*\] ([a-z]+)",
                                          help_text, re.M)}
    commands = section(text, "COMMANDS")
    for w in sorted(words):
        pat = r"\s+".join(re.escape(x) for x in w)
        if not re.search(r"^\.(B|BR|BI|TP)[^\n]*\b" + pat + r"\b", commands, re.M) and \
                not re.search(r"\b" + pat + r"\b", commands):
            bad.append(f"COMMANDS does not name '{' '.join(w)}' ({tool} --help lists it)")
    if not words:
        bad.append(f"found no command in {tool} --help (the checker needs updating)")
    groff = shutil.which("groff")
    if groff:
        g = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page], capture_output=True,
                           text=True)
        if g.returncode or g.stderr.strip():
            bad.append("groff: " + g.stderr.strip())
    for b in bad:
        print(f"{page}: {b}", file=sys.stderr)
    print(f"{page}: {len(longs)} options and {len(words)} commands checked, "
          f"{len(bad)} problem(s)")
    sys.exit(1 if bad else 0)


main()
