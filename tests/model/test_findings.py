# SPDX-License-Identifier: Apache-2.0
"""SCL findings end to end (doc/scl-findings.md): iedd --check lists every
finding of a hand-made file with many repairable faults in line order, with
a summary and exit 0; --strict (and <scl strict="true"> in iedd.xml) refuses
it; --check --json prints the findings as one JSON document; the daemon
serves the repaired model (read back over MMS with iedc) after one notice
line and the warnings; an error still refuses the file with exit 1."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import IEDC, IEDD, Daemon, iedc  # noqa: E402

NS = "http://www.iec.ch/61850/2003/SCL"
MANY = f"""<?xml version="1.0"?>
<SCL xmlns="{NS}">
<Header id="x"/>
<IED name="E"><AccessPoint name="A"><Server>
<LDevice inst="L">
<LN0 lnClass="LLN0" inst="" lnType="L0">
<DataSet name="ds">
<FCDA ldInst="L" lnClass="LLN0" doName="Mod" daName="stVal" fc="ST"/>
<FCDA ldInst="L" lnClass="LLN0" doName="Mod" daName="zz" fc="ST"/>
</DataSet>
<ReportControl name="r" datSet="none"/>
<DOI name="Mod"><DAI name="x"><Val>x1</Val></DAI>
<DAI name="e"><Val>9</Val></DAI></DOI>
</LN0>
</LDevice>
</Server></AccessPoint></IED>
<DataTypeTemplates>
<LNodeType id="L0" lnClass="LLN0"><DO name="Mod" type="INC"/></LNodeType>
<DOType id="INC" cdc="INC"><DA name="stVal" bType="INT32" fc="ST"/>
<DA name="e" bType="Enum" type="E" fc="CF"/>
<DA name="x" bType="INT16" fc="CF"><Val>bad</Val></DA>
<DA name="Cancel" bType="Struct" type="NOPE" fc="CO"/></DOType>
<EnumType id="E"><EnumVal ord="3">three</EnumVal><EnumVal ord="5">five</EnumVal></EnumType>
</DataTypeTemplates>
</SCL>
"""
# the lines of MANY holding a fault, in order
FAULT_LINES = [9, 11, 12, 13, 21, 22]


def run(*args):
    return subprocess.run([IEDD, *args], capture_output=True, text=True, timeout=60)


class Findings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="iedd-findings-")
        cls.scl = os.path.join(cls.dir, "many.icd")
        with open(cls.scl, "w") as f:
            f.write(MANY)

    def test_check_lists_all_in_line_order(self):
        r = run("--scl", self.scl, "--check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = [ln for ln in r.stdout.splitlines() if ": warning: " in ln]
        self.assertEqual([int(ln.split(":")[1]) for ln in lines], FAULT_LINES, r.stdout)
        self.assertIn(f"{self.scl}: 0 errors, 6 warnings: served with the repairs above",
                      r.stdout)
        self.assertIn("Val '9' does not fit its type Enum E", r.stdout)
        self.assertIn("served as 'three'", r.stdout)

    def test_strict_refuses(self):
        r = run("--scl", self.scl, "--check", "--strict")
        self.assertEqual(r.returncode, 1)
        self.assertIn("6 errors, 0 warnings: refused", r.stdout)
        r = run("--scl", self.scl, "--strict", "--listen", "127.0.0.1:1")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{self.scl}:9: FCDA", r.stderr)
        self.assertIn("strict: 6 warnings", r.stderr)

    def test_strict_in_config(self):
        cfg = os.path.join(self.dir, "iedd.xml")
        with open(cfg, "w") as f:
            f.write('<?xml version="1.0"?>\n<iedd xmlns="urn:iedd:config:1">\n'
                    f'<scl file="{self.scl}" strict="true"/>\n</iedd>\n')
        r = run("--config", cfg, "--check")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("refused", r.stdout)
        with open(cfg, "w") as f:
            f.write('<?xml version="1.0"?>\n<iedd xmlns="urn:iedd:config:1">\n'
                    f'<scl file="{self.scl}" strict="false"/>\n</iedd>\n')
        r = run("--config", cfg, "--check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_json(self):
        r = run("--scl", self.scl, "--check", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["warnings"], 6)
        self.assertEqual(doc["errors"], 0)
        self.assertFalse(doc["refused"])
        self.assertEqual([f["line"] for f in doc["findings"]], FAULT_LINES)
        self.assertTrue(all(f["severity"] == "warning" and f["file"] == self.scl
                            for f in doc["findings"]))
        r = run("--scl", self.scl, "--json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--json goes with --check", r.stderr)
        bad = os.path.join(self.dir, "bad.icd")
        with open(bad, "w") as f:
            f.write(MANY.replace('<LNodeType id="L0" lnClass="LLN0"><DO name="Mod" type="INC"/>',
                                 '<LNodeType id="L0" lnClass="LLN0"><DO name="Mod" type="X"/>'))
        r = run("--scl", bad, "--check", "--json")
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["refused"])
        self.assertEqual(doc["findings"][-1]["severity"], "error")
        self.assertEqual(doc["findings"][-1]["line"], 18)
        self.assertIn("DOType 'X' is not defined", doc["findings"][-1]["message"])

    def test_serves_the_repaired_model(self):
        d = Daemon("--scl", self.scl)
        try:
            self.assertTrue(d.wait_log("loaded with 6 warnings; run iedd --check for details"),
                            d.log())
            self.assertIn(f"{self.scl}:21: DA 'x' in DOType 'INC'", d.log())
            r = iedc("read", d.addr, "EL/LLN0.Mod.x[CF]")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("0", r.stdout)
            r = iedc("read", d.addr, "EL/LLN0.Mod.e[CF]")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("3", r.stdout)
            r = iedc("read", d.addr, "EL/LLN0.Mod[CO]")
            self.assertNotEqual(r.returncode, 0, r.stdout)
        finally:
            self.assertEqual(d.stop(), 0)

    def test_log_is_rate_limited(self):
        """A file with thousands of warnings: the count, 50 warnings and a
        line for the rest in the log; --check lists every one."""
        many = "".join(f'<DOI name="D{i}"/>\n' for i in range(1200))
        path = os.path.join(self.dir, "thousand.icd")
        with open(path, "w") as f:
            f.write(MANY.replace('<DOI name="Mod">', many + '<DOI name="Mod">'))
        d = Daemon("--scl", path)
        try:
            self.assertTrue(d.wait_log("loaded with 1206 warnings"), d.log())
            self.assertTrue(d.wait_log("1156 more warnings not logged (iedd --check lists them all)"),
                            d.log())
            # in line order: the FCDA and the ReportControl come first
            self.assertEqual(d.log().count("the LN's type has no data object"), 48)
            self.assertEqual(d.log().count(" warning model: "), 51)
        finally:
            self.assertEqual(d.stop(), 0)
        r = run("--scl", path, "--check")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.count(": warning: "), 1206)
        lines = [int(ln.split(":")[1]) for ln in r.stdout.splitlines() if ": warning: " in ln]
        self.assertEqual(lines, sorted(lines))


if __name__ == "__main__":
    if not IEDD or not IEDC:
        print("IEDD/IEDC not set (run through meson test)")
        sys.exit(77)
    unittest.main()
