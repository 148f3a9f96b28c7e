#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every source file of iedd carries an SPDX licence identifier.

    tools/spdx.py check [SRCDIR]   list files without one; exit 1 if any
    tools/spdx.py add [SRCDIR]     put the identifier in those files

Source files: C (.c, .h), Python, shell scripts, meson files, man pages
and the .in templates. The identifier goes on the first line, after a
'#!' line where there is one. Build directories (those holding
meson-private), .git and the fuzz corpora are skipped."""
import os
import sys

ID = "SPDX-License-Identifier: Apache-2.0"

COMMENT = {".c": "/* %s */", ".h": "/* %s */", ".py": "# %s", ".sh": "# %s",
           ".build": "# %s", ".txt": "# %s", ".1": '.\\" %s', ".8": '.\\" %s',
           ".pc": "# %s"}


def style(path):
    name = os.path.basename(path)
    if name.endswith(".in"):
        name = name[:-3]
    if name == "meson_options.txt":
        return COMMENT[".txt"]
    if name == "meson.build":
        return COMMENT[".build"]
    ext = os.path.splitext(name)[1]
    if ext in COMMENT and ext != ".txt":
        return COMMENT[ext]
    with open(path, "rb") as f:
        if f.read(2) == b"#!":
            return "# %s"
    return None


def sources(top):
    for d, dirs, files in os.walk(top):
        dirs[:] = sorted(x for x in dirs
                         if x not in (".git", "corpus")
                         and not os.path.isdir(os.path.join(d, x, "meson-private")))
        for name in sorted(files):
            p = os.path.join(d, name)
            if style(p):
                yield p


def has_id(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        head = [f.readline() for _ in range(3)]
    return any(ID in line for line in head)


def add(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    line = style(path) % ID + "\n"
    if text.startswith("#!"):
        nl = text.index("\n") + 1
        text = text[:nl] + line + text[nl:]
    else:
        text = line + text
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("check", "add"):
        sys.exit(__doc__)
    top = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..")
    missing = [p for p in sources(top) if not has_id(p)]
    if sys.argv[1] == "add":
        for p in missing:
            add(p)
        print("%d file(s) given the identifier" % len(missing))
        return
    for p in missing:
        print("%s: no '%s' in its first lines (tools/spdx.py add puts it there)"
              % (os.path.relpath(p, top), ID))
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
