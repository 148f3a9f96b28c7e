# SPDX-License-Identifier: Apache-2.0
"""The section 5 man pages against their sources of truth, so that neither
can change without the other.

  check_man5.py xml PAGE XSD
    doc/iedd.xml.5 against schemas/iedd-config.xsd: one subsection
    .SS "<element>" per element of the schema and no other; in it "In
    <parent>", every child element named in the schema's order, and one
    .TP per attribute (next line .B NAME) and no other; each attribute's
    first sentence says "required" exactly when the schema does, the
    schema's default ("default: V"), its range ("MIN..MAX"), its
    enumeration values, "boolean" for booleans. Every <element> and
    attribute="..." the page names anywhere exists in the schema. Every
    example in EXAMPLES validates against the schema (xmllint), and
    together they use every element.

  check_man5.py map PAGE MAP_C MAP_MD [IEDD PLUGIN_DIR]
    doc/iedd-map.5 against the parser daemon/pv/map.c and its documented
    format schemas/map-format.md: the two agree on the column names; the
    page's COLUMNS has one .TP per column (next line .B NAME) and no other,
    "Required" for the columns the parser requires and "Optional" for the
    rest; DIAGNOSTICS carries every message map.c's fail() can give; the
    examples' headers name only real columns and every row has as many
    fields as its header; with IEDD, each map example passes iedd --check on
    the embedded sample model, with the iedd.xml example before it.

Both: groff reads the page without a warning (groff -man -ww -z).
Exits 0, 1 naming each problem, or 77 (skipped) when groff or xmllint is
missing and nothing else is wrong."""
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"
bad = []
skipped = []


# ---- roff ------------------------------------------------------------------

ESCAPES = [(r"\(dq", '"'), (r"\(aq", "'"), (r"\(lq", '"'), (r"\(rq", '"'),
           (r"\(em", "-"), (r"\(en", "-"), (r"\(mi", "-"), (r"\(mu", "x"), (r"\(di", "/"),
           (r"\(<=", "<="), (r"\(sc", "S"), (r"\(bu", "*"), (r"\-", "-"), (r"\e", "\\"),
           (r"\&", ""), (r"\ ", " ")]


def unescape(s):
    s = re.sub(r"\\f[BIRP]|\\f\(..", "", s)
    for a, b in ESCAPES:
        s = s.replace(a, b)
    return s


def macro_args(rest):
    """The arguments of a macro line, quotes honoured ("" is an empty one)."""
    return [a[1:-1] if a.startswith('"') else a
            for a in re.findall(r'"[^"]*"|\S+', rest)]


def text_of(lines):
    """Roff source lines as the words a reader sees: macros that set fonts
    join their arguments (.BR a b -> ab), others are dropped, escapes are
    resolved, white space collapsed."""
    out = []
    for ln in lines:
        if ln.startswith(".\\\"") or ln.startswith("'\\\""):
            continue
        m = re.match(r"\.(BR|RB|BI|IB|IR|RI|B|I|SM|SB)(?:\s+(.*))?$", ln)
        if m:
            # .B and .I set their words apart, the others alternate fonts
            sep = " " if m.group(1) in ("B", "I", "SM", "SB") else ""
            out.append(sep.join(macro_args(m.group(2) or "")))
        elif ln.startswith("."):
            m = re.match(r"\.(SS|SH|TP|IP)\s+(.*)", ln)
            if m and m.group(1) in ("SS", "SH"):
                out.append(" ".join(macro_args(m.group(2))))
        else:
            out.append(ln)
    return re.sub(r"\s+", " ", unescape(" ".join(out))).strip()


def sections(lines, macro):
    """[(title, [lines])] for each .SH (macro="SH") or .SS in lines."""
    out = []
    for ln in lines:
        m = re.match(r"\." + macro + r"\s+(.*)", ln)
        if m:
            out.append((unescape(" ".join(macro_args(m.group(1)))), []))
        elif out:
            out[-1][1].append(ln)
    return out


def section(lines, name):
    for title, body in sections(lines, "SH"):
        if title == name:
            return body
    return None


def tagged(lines):
    """[(name, [body lines])] for each .TP whose tag line is .B NAME (or
    .BI/.BR with NAME first); the body runs to the next paragraph macro."""
    out, cur = [], None
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith(".TP"):
            tag = lines[i + 1] if i + 1 < len(lines) else ""
            m = re.match(r"\.B[IR]?\s+(.*)", tag)
            args = macro_args(m.group(1)) if m else []
            cur = (unescape(args[0]) if args else unescape(tag), [])
            out.append(cur)
            i += 2
            continue
        if re.match(r"\.(SS|SH|PP|LP|P|IP|RS|RE)\b", ln):
            cur = None
        elif cur is not None:
            cur[1].append(ln)
        i += 1
    return out


def head(text):
    """The first sentence: up to a '.' followed by white space or the end."""
    m = re.search(r"\.(\s|$)", text)
    return text[:m.start()] if m else text


def groff_lint(page):
    groff = shutil.which("groff")
    if not groff:
        skipped.append("groff not found (Debian: groff-base): rendering not checked")
        return
    r = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page], capture_output=True,
                       text=True)
    if r.returncode or r.stderr.strip():
        bad.append("groff -man -ww: " + (r.stderr.strip() or f"exit {r.returncode}"))


def examples(lines):
    """The .nf ... .fi blocks of EXAMPLES, as plain text."""
    body = section(lines, "EXAMPLES") or []
    out, cur = [], None
    for ln in body:
        if ln.startswith(".nf"):
            cur = []
        elif ln.startswith(".fi"):
            if cur is not None:
                out.append("\n".join(unescape(x) for x in cur) + "\n")
            cur = None
        elif cur is not None:
            cur.append(ln)
    return out


# ---- iedd.xml(5) against the XSD --------------------------------------------

def local(qname):
    return qname.split(":")[-1] if qname else qname


class Schema:
    def __init__(self, path):
        self.root = ET.parse(path).getroot()
        self.ctypes = {c.get("name"): c for c in self.root.findall(XS + "complexType")}
        self.stypes = {s.get("name"): s for s in self.root.findall(XS + "simpleType")}
        self.groups = {g.get("name"): g for g in self.root.findall(XS + "attributeGroup")}
        self.top = {e.get("name"): e for e in self.root.findall(XS + "element")}
        # name -> {"parents": [..], "children": [..], "attrs": {name: info}}
        self.elements = {}
        for e in self.top.values():
            self.walk(e, None)

    def unsupported(self, node):
        raise SystemExit(f"check_man5.py: the schema uses {node.tag.replace(XS, 'xs:')}, "
                         "which this checker does not read; teach it (tests/config/"
                         "check_man5.py) before using it")

    def complex_type(self, el):
        ct = el.find(XS + "complexType")
        if ct is None and el.get("type"):
            ct = self.ctypes.get(local(el.get("type")))
        return ct

    def walk(self, el, parent):
        if el.get("ref"):
            el = self.top[local(el.get("ref"))]
        name = el.get("name")
        info = self.elements.setdefault(name, {"parents": [], "children": [], "attrs": {}})
        if parent and parent not in info["parents"]:
            info["parents"].append(parent)
        ct = self.complex_type(el)
        # an element name in two places with two types (<client> in <tls>
        # and in <clients>): one subsection with the attributes of both
        walked = info.setdefault("walked", [])
        if ct is None or any(w is ct for w in walked):
            return
        walked.append(ct)
        self.read_type(ct, name, info)

    def read_type(self, ct, name, info):
        for node in ct:
            if node.tag in (XS + "sequence", XS + "choice", XS + "all"):
                self.read_particles(node, name, info)
            elif node.tag == XS + "attribute":
                self.read_attr(node, info)
            elif node.tag == XS + "attributeGroup":
                for a in self.groups[local(node.get("ref"))].findall(XS + "attribute"):
                    self.read_attr(a, info)
            elif node.tag in (XS + "simpleContent", XS + "complexContent"):
                ext = node.find(XS + "extension")
                if ext is None:
                    self.unsupported(node)
                base = self.ctypes.get(local(ext.get("base")))
                if base is not None:
                    self.read_type(base, name, info)
                self.read_type(ext, name, info)
            elif node.tag in (XS + "annotation",):
                continue
            else:
                self.unsupported(node)

    def read_particles(self, group, name, info):
        for node in group:
            if node.tag == XS + "element":
                child = node.get("name") or local(node.get("ref"))
                if child not in info["children"]:
                    info["children"].append(child)
                self.walk(node, name)
            elif node.tag in (XS + "sequence", XS + "choice", XS + "all"):
                self.read_particles(node, name, info)
            elif node.tag == XS + "annotation":
                continue
            else:
                self.unsupported(node)

    def facets(self, st, acc):
        if st is None:
            return acc
        r = st.find(XS + "restriction")
        if r is None:
            self.unsupported(st)
        for f in r:
            tag = f.tag.replace(XS, "")
            if tag == "enumeration":
                acc.setdefault("enum", []).append(f.get("value"))
            elif tag in ("minInclusive", "maxInclusive") and tag not in acc:
                acc[tag] = f.get("value")
        base = r.get("base")
        if base and base.startswith("xs:"):
            acc.setdefault("base", base)
        elif base:
            self.facets(self.stypes[local(base)], acc)
        return acc

    def read_attr(self, a, info):
        name = a.get("name")
        st = a.find(XS + "simpleType")
        t = a.get("type")
        acc = {}
        if st is not None:
            self.facets(st, acc)
        elif t and t.startswith("xs:"):
            acc["base"] = t
        elif t:
            self.facets(self.stypes[local(t)], acc)
        else:
            acc["base"] = "xs:anySimpleType"
        info["attrs"][name] = {"required": a.get("use") == "required",
                               "default": a.get("default"), **acc}


NUMERIC = ("xs:unsignedInt", "xs:unsignedShort", "xs:unsignedByte", "xs:unsignedLong",
           "xs:int", "xs:integer", "xs:nonNegativeInteger", "xs:positiveInteger")


def expected_range(info):
    if info.get("base") not in NUMERIC:
        return None
    lo = info.get("minInclusive")
    hi = info.get("maxInclusive")
    if lo is None and (info["base"].startswith("xs:unsigned") or
                       info["base"] == "xs:nonNegativeInteger"):
        lo = "0"
    if lo is None or hi is None:
        return None
    return f"{lo}..{hi}"


def check_xml(page, xsd):
    schema = Schema(xsd)
    with open(page) as f:
        lines = f.read().split("\n")
    elements = schema.elements
    all_attrs = {a for e in elements.values() for a in e["attrs"]}

    body = section(lines, "ELEMENTS")
    if body is None:
        bad.append("no section ELEMENTS")
        body = []
    subs = {}
    for title, sub in sections(body, "SS"):
        m = re.fullmatch(r"<([A-Za-z][\w.-]*)>", title)
        if not m:
            bad.append(f"ELEMENTS: subsection '{title}' is not of the form <element>")
            continue
        if m.group(1) not in elements:
            bad.append(f"ELEMENTS: subsection <{m.group(1)}> names no element of {xsd}")
            continue
        if m.group(1) in subs:
            bad.append(f"ELEMENTS: subsection <{m.group(1)}> appears twice")
        subs[m.group(1)] = sub

    for name, info in elements.items():
        sub = subs.get(name)
        if sub is None:
            bad.append(f"ELEMENTS: no subsection for element <{name}> of {xsd}")
            continue
        first_tp = next((i for i, ln in enumerate(sub) if ln.startswith(".TP")), len(sub))
        intro = text_of(sub[:first_tp])
        for p in info["parents"]:
            if f"In <{p}>" not in intro:
                bad.append(f"<{name}>: the description does not say 'In <{p}>' "
                           f"(the schema puts it there)")
        pos = []
        for c in info["children"]:
            at = intro.find(f"<{c}>")
            if at < 0:
                bad.append(f"<{name}>: the description does not name its child <{c}>")
            else:
                pos.append((at, c))
        order = [c for _, c in sorted(pos)]
        want = [c for c in info["children"] if c in order]
        if order != want:
            bad.append(f"<{name}>: children named in the order {', '.join(order)}; the "
                       f"schema's order is {', '.join(want)}")
        described = {}
        for attr, abody in tagged(sub):
            if attr in described:
                bad.append(f"<{name}>: attribute {attr} described twice")
            described[attr] = text_of(abody)
        for attr in described:
            if attr not in info["attrs"]:
                bad.append(f"<{name}>: the page describes attribute {attr}, which {xsd} "
                           f"does not give <{name}>")
        for attr, a in info["attrs"].items():
            if attr not in described:
                bad.append(f"<{name}>: attribute {attr} of {xsd} is not described "
                           f"(a .TP with .B {attr})")
                continue
            h = head(described[attr])
            what = f"<{name} {attr}>"
            if a["required"] != bool(re.search(r"\brequired\b", h, re.I)):
                bad.append(f"{what}: the schema says it is "
                           f"{'required' if a['required'] else 'optional'}, the first "
                           f"sentence ('{h}') "
                           f"{'does not say required' if a['required'] else 'says required'}")
            if a["default"] is not None and f"default: {a['default']}" not in h:
                bad.append(f"{what}: the schema's default is {a['default']}; the first "
                           f"sentence ('{h}') does not say 'default: {a['default']}'")
            rng = expected_range(a)
            if rng and rng not in h:
                bad.append(f"{what}: the schema's range is {rng}; the first sentence "
                           f"('{h}') does not give it")
            for v in a.get("enum", []):
                if not re.search(r"(?<![\w-])" + re.escape(v) + r"(?![\w-])", h):
                    bad.append(f"{what}: the schema allows '{v}'; the first sentence "
                               f"('{h}') does not name it")
            if a.get("base") == "xs:boolean" and "boolean" not in h:
                bad.append(f"{what}: a boolean in the schema; the first sentence ('{h}') "
                           "does not say boolean")

    # names the prose uses anywhere
    whole = text_of(lines)
    for tag in sorted(set(re.findall(r"<([A-Za-z][\w.-]*)[\s>/]", whole))):
        if tag not in elements:
            bad.append(f"the page names <{tag}>, which is not an element of {xsd}")
    for attr in sorted(set(re.findall(r"(?<![\w:])([A-Za-z][\w]*)=\"", whole))):
        if attr not in all_attrs and attr not in ("xmlns", "version", "encoding"):
            bad.append(f"the page names the attribute {attr}=, which {xsd} does not have")

    # the examples validate and use every element
    exs = [e for e in examples(lines) if "<iedd" in e]
    if not exs:
        bad.append("EXAMPLES has no example (.nf ... .fi with an <iedd> document)")
    used = set()
    for e in exs:
        try:
            for el in ET.fromstring(e.encode()).iter():
                used.add(el.tag.split("}")[-1])
        except ET.ParseError as err:
            bad.append(f"EXAMPLES: an example is not well-formed XML ({err}):\n{e}")
    for name in elements:
        if name not in used:
            bad.append(f"EXAMPLES: no example uses <{name}>")
    xmllint = shutil.which("xmllint")
    if not xmllint:
        skipped.append("xmllint not found (Debian: libxml2-utils): examples not validated")
    else:
        for i, e in enumerate(exs, 1):
            with tempfile.NamedTemporaryFile("w", suffix=".xml") as t:
                t.write(e)
                t.flush()
                r = subprocess.run([xmllint, "--noout", "--schema", xsd, t.name],
                                   capture_output=True, text=True)
            if r.returncode:
                msg = r.stderr.replace(t.name, f"example {i}").strip()
                bad.append(f"EXAMPLES: example {i} does not validate against {xsd}: {msg}")
    return f"{len(elements)} elements, {sum(len(e['attrs']) for e in elements.values())} " \
           f"attributes, {len(exs)} examples"


# ---- iedd-map(5) against map.c and map-format.md ----------------------------

def c_strings(s):
    """The value of a run of adjacent C string literals."""
    out = []
    for lit in re.findall(r'"((?:[^"\\]|\\.)*)"', s):
        out.append(re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1),
                                                                            m.group(1)), lit))
    return "".join(out)


def map_sources(map_c, map_md):
    with open(map_c) as f:
        c = f.read()
    table = re.search(r"col_names\[[^]]*\]\s*=\s*\{(.*?)\};", c, re.S)
    cols = dict(re.findall(r"\[(MAP_COL_\w+)\]\s*=\s*\"([^\"]+)\"", table.group(1))) \
        if table else {}
    if not cols:
        raise SystemExit(f"check_man5.py: no col_names table in {map_c}")
    with open(map_c.replace("map.c", "map.h")) as f:
        h = f.read()
    enum = re.search(r"enum map_col\s*\{(.*?)\}", h, re.S)
    order = re.findall(r"MAP_COL_\w+", enum.group(1)) if enum else []
    req = re.search(r"for \(int c = (MAP_COL_\w+); c <= (MAP_COL_\w+); c\+\+\)\s*"
                    r"if \(colidx\[c\] < 0\)", c)
    if not req or req.group(1) not in order or req.group(2) not in order:
        raise SystemExit(f"check_man5.py: cannot find which columns {map_c} requires "
                         "(the loop over colidx); update the checker with the parser")
    required = {cols[k] for k in order[order.index(req.group(1)):order.index(req.group(2)) + 1]}
    msgs = []
    for m in re.finditer(r"\bfail\(err, errlen, file, [^\"]*?((?:\"(?:[^\"\\]|\\.)*\"\s*)+)",
                         c):
        msgs.append(c_strings(m.group(1)))
    with open(map_md) as f:
        md = f.read()
    colsec = re.search(r"^## Columns\n(.*?)(?=^## )", md, re.M | re.S)
    md_cols, md_req = set(), set()
    for row in re.findall(r"^\|([^|\n]*)\|([^|\n]*)\|", colsec.group(1) if colsec else "",
                          re.M):
        names = re.findall(r"`([^`]+)`", row[0])
        md_cols.update(names)
        if row[1].strip().startswith("yes"):
            md_req.update(names)
    return set(cols.values()), required, msgs, md_cols, md_req


def check_map(page, map_c, map_md, iedd=None, plugin_dir=None):
    cols, required, msgs, md_cols, md_req = map_sources(map_c, map_md)
    for x in sorted(md_cols - cols):
        bad.append(f"{map_md} documents a column {x} that {map_c} does not read")
    for x in sorted(cols - md_cols):
        bad.append(f"{map_md} does not document the column {x} that {map_c} reads")
    for x in sorted(md_req ^ required):
        bad.append(f"{map_md} and {map_c} disagree whether column {x} is required")
    with open(page) as f:
        lines = f.read().split("\n")
    body = section(lines, "COLUMNS")
    if body is None:
        bad.append("no section COLUMNS")
        body = []
    described = {}
    for name, b in tagged(body):
        described[name] = text_of(b)
    for name in described:
        if name not in cols:
            bad.append(f"COLUMNS describes a column {name}, which {map_c} does not read")
    for name in sorted(cols):
        if name not in described:
            bad.append(f"COLUMNS: no paragraph for the column {name} of {map_c} "
                       f"(a .TP with .B {name})")
            continue
        want = "Required" if name in required else "Optional"
        if not described[name].startswith(want):
            bad.append(f"COLUMNS: {name} does not begin with '{want}' ({map_c} "
                       f"{'requires' if name in required else 'does not require'} it)")
    diag = section(lines, "DIAGNOSTICS")
    text = text_of(diag) if diag is not None else ""
    if diag is None:
        bad.append("no section DIAGNOSTICS")
    for m in msgs:
        norm = re.sub(r"\s+", " ", m).strip()
        rx = re.escape(norm)
        rx = re.sub(r"%(?:\\-)?[0-9]*(?:zu|lu|u|d|s|c|x)", ".+?", rx)
        if not re.search(rx, text):
            bad.append(f"DIAGNOSTICS lacks the message of {map_c}: {norm}")
    blocks = examples(lines)
    maps = [b for b in blocks if "<iedd" not in b]
    if not maps:
        bad.append("EXAMPLES has no map example (.nf ... .fi)")
    for i, e in enumerate(maps, 1):
        rows = [r for r in e.split("\n") if r.strip() and not r.lstrip().startswith("#")]
        parsed = list(csv.reader(io.StringIO("\n".join(rows))))
        if not parsed:
            bad.append(f"EXAMPLES: map example {i} has no header")
            continue
        header = [x.strip() for x in parsed[0]]
        for x in header:
            if x not in cols:
                bad.append(f"EXAMPLES: map example {i} names a column {x} that {map_c} "
                           "does not read")
        for x in sorted(required - set(header)):
            bad.append(f"EXAMPLES: map example {i} lacks the required column {x}")
        for n, r in enumerate(parsed[1:], 2):
            if len(r) != len(header):
                bad.append(f"EXAMPLES: map example {i}, row {n}: {len(r)} fields, the "
                           f"header names {len(header)}")
    if iedd:
        run_map_examples(blocks, iedd, plugin_dir)
    return f"{len(cols)} columns, {len(msgs)} parser messages, {len(maps)} map examples" + \
        (" run through iedd --check" if iedd else "")


def run_map_examples(blocks, iedd, plugin_dir):
    """Each map example through the real iedd --check on the embedded sample
    model: with the iedd.xml example just before it (its <map file> names
    the map), or else with the embedded default configuration (--map)."""
    iedd, plugin_dir = os.path.abspath(iedd), os.path.abspath(plugin_dir)
    config = None
    n = 0
    for b in blocks:
        if "<iedd" in b:
            config = b
            continue
        n += 1
        with tempfile.TemporaryDirectory() as d:
            args = [iedd, "--check"]
            name = "map.csv"
            if config:
                m = re.search(r'<map file="([^"/]+)"', config)
                if not m:
                    bad.append(f"EXAMPLES: the iedd.xml before map example {n} names no "
                               "<map file> in its directory")
                    continue
                name = m.group(1)
                missing = [p for p in re.findall(r'plugin="([^"/]+)"', config)
                           if not os.path.exists(os.path.join(plugin_dir,
                                                              f"iedd-source-{p}.so"))]
                if missing:
                    skipped.append(f"map example {n}: plugin(s) {', '.join(missing)} not "
                                   f"built in {plugin_dir}")
                    config = None
                    continue
                with open(os.path.join(d, "iedd.xml"), "w") as f:
                    f.write(config)
                args += ["-c", os.path.join(d, "iedd.xml")]
            else:
                args += ["--map", os.path.join(d, name)]
            with open(os.path.join(d, name), "w") as f:
                f.write(b)
            env = dict(os.environ, IEDD_PLUGIN_DIR=plugin_dir)
            r = subprocess.run(args, capture_output=True, text=True, env=env, cwd=d,
                               timeout=60)
            if r.returncode:
                out = (r.stderr + r.stdout).replace(d + "/", "").strip()
                bad.append(f"EXAMPLES: map example {n} fails iedd --check "
                           f"(exit {r.returncode}):\n{out}")
        config = None


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("xml", "map"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mode, page = sys.argv[1], sys.argv[2]
    if mode == "xml":
        what = check_xml(page, *sys.argv[3:4])
    else:
        what = check_map(page, *sys.argv[3:7])
    groff_lint(page)
    for b in bad:
        print(f"{page}: {b}", file=sys.stderr)
    for s in skipped:
        print(f"{page}: skipped: {s}", file=sys.stderr)
    print(f"{page}: {what}; {len(bad)} problem(s)")
    sys.exit(1 if bad else 77 if skipped else 0)


main()
