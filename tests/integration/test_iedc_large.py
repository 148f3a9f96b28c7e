# SPDX-License-Identifier: Apache-2.0
"""iedc on a large model (sisco_sample_ed2.scd, IED E1Q1SB1): browse copes
with logical nodes whose type does not fit one PDU (falls back to LN$FC,
then LN$FC$DO...), --max-pdu, --json valid in every outcome, options
anywhere on the line, and reading a data set."""
import json
import os
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

from harness import Daemon, iedc, main

SCD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                   "scl", "sisco_sample_ed2.scd")
IED = "E1Q1SB1"
NS = "{http://www.iec.ch/61850/2003/SCL}"


def expected_lns():
    """{MMS domain: set of LN names} of IED from the SCL file itself."""
    out = {}
    for ied in ET.parse(SCD).getroot().iter(NS + "IED"):
        if ied.get("name") != IED:
            continue
        for ld in ied.iter(NS + "LDevice"):
            dom = ld.get("ldName") or IED + ld.get("inst")
            names = {"LLN0"}
            for ln in ld.findall(NS + "LN"):
                names.add((ln.get("prefix") or "") + ln.get("lnClass") + (ln.get("inst") or ""))
            out[dom] = names
    return out


def parse_json(text):
    """Parsed by Debian's /usr/bin/python3 too, when it exists."""
    if os.path.exists("/usr/bin/python3"):
        r = subprocess.run(["/usr/bin/python3", "-c", "import json,sys; json.load(sys.stdin)"],
                           input=text, capture_output=True, text=True)
        assert r.returncode == 0, "/usr/bin/python3 json refused:\n" + r.stderr
    return json.loads(text)


def lns_of(j):
    return {ld["name"]: {ln["name"] for ln in ld["logicalNodes"]}
            for ld in j["logicalDevices"]}


def leaves(t, path=""):
    """Every basic attribute path of a JSON type tree."""
    p = path + "/" + t.get("name", "[]")
    if t["type"] == "structure":
        return {x for c in t["components"] for x in leaves(c, p)}
    if t["type"] == "array":
        return leaves(t["element"], p)
    return {p + ":" + t["type"]}


class Large(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(SCD):
            raise unittest.SkipTest(f"{SCD} not found")
        cls.d = Daemon("--scl", SCD, "--ied", IED, "--simulate")
        cls.want = expected_lns()

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "d"):
            cls.d.stop()

    def test_browse_whole_model(self):
        r = iedc("browse", "--json", self.d.addr, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = parse_json(r.stdout)
        self.assertNotIn("error", j)
        self.assertEqual(lns_of(j), self.want)
        t = iedc("browse", self.d.addr, timeout=120)
        self.assertEqual(t.returncode, 0, t.stderr)
        for dom, lns in self.want.items():
            self.assertIn(dom + "\n", t.stdout)
            for ln in lns:
                self.assertIn("\n  " + ln + "\n", t.stdout)

    def test_small_pdu_falls_back(self):
        full = parse_json(iedc("--json", "browse", self.d.addr, timeout=120).stdout)
        r = iedc("--max-pdu", "1000", "--json", "browse", self.d.addr, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = parse_json(r.stdout)
        self.assertEqual(j["maxPduSize"], 1000)
        self.assertEqual(lns_of(j), self.want)
        # the same attributes, whichever way they were asked for (the order
        # of the parts follows GetNameList, not the type)
        for a, b in zip(full["logicalDevices"], j["logicalDevices"]):
            for la, lb in zip(sorted(a["logicalNodes"], key=lambda x: x["name"]),
                              sorted(b["logicalNodes"], key=lambda x: x["name"])):
                self.assertEqual(leaves(la), leaves(lb), la["name"])

    def test_failure_is_valid_json(self):
        # at 300 octets even some attributes do not fit: browse fails mid-way
        r = iedc("--json", "--max-pdu", "300", "browse", self.d.addr, timeout=300)
        self.assertEqual(r.returncode, 7, r.stderr)
        j = parse_json(r.stdout)
        self.assertIn("pdu-size", j["error"])
        self.assertEqual(j["exitStatus"], 7)
        # what was complete is there
        self.assertIn("LLN0", lns_of(j)[IED + "C1"])
        bad = iedc("--json", "read", "127.0.0.1:1", "X/LLN0.Mod.stVal[ST]")
        self.assertEqual(bad.returncode, 3)
        self.assertEqual(parse_json(bad.stdout)["exitStatus"], 3)

    def test_bad_max_pdu(self):
        r = iedc("--max-pdu", "12", "browse", self.d.addr)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--max-pdu", r.stderr)


class DataSet(unittest.TestCase):
    """The embedded sample model: IEDD1BAY/LLN0.dsMeas."""
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("--simulate")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def members(self):
        r = iedc("--json", "datasets", self.d.addr, "IEDD1BAY")
        self.assertEqual(r.returncode, 0, r.stderr)
        for ds in json.loads(r.stdout)["dataSets"]:
            if ds["reference"] == "IEDD1BAY/LLN0.dsMeas":
                return [m["reference"] for m in ds["members"]]
        self.fail("no dsMeas in " + r.stdout)

    def test_read_text(self):
        want = self.members()
        for args in (["read", self.d.addr, "IEDD1BAY/LLN0.dsMeas"],
                     ["read", "--dataset", self.d.addr, "IEDD1BAY/LLN0$dsMeas"]):
            r = iedc(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
            lines = r.stdout.splitlines()
            self.assertEqual(lines[0], "IEDD1BAY/LLN0.dsMeas")
            got = [l.strip().rstrip(":").split(": ")[0] for l in lines[1:]
                   if l.startswith("  ") and not l.startswith("    ")]
            self.assertEqual(got, want)
            self.assertIn("    mag.f: ", r.stdout)

    def test_read_json_options_after_command(self):
        want = self.members()
        r = iedc("read", self.d.addr, "--json", "IEDD1BAY/LLN0.dsMeas")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = parse_json(r.stdout)
        self.assertEqual([m["reference"] for m in j["members"]], want)
        self.assertIsInstance(j["members"][0]["value"]["mag"]["f"], (int, float))

    def test_unknown_data_set(self):
        r = iedc("read", self.d.addr, "IEDD1BAY/LLN0.nosuch", "--json")
        self.assertEqual(r.returncode, 7)
        self.assertIn("object-non-existent", parse_json(r.stdout)["error"])
        r = iedc("read", "--dataset", self.d.addr, "IEDD1BAY/LLN0.Mod.stVal[ST]")
        self.assertEqual(r.returncode, 2)

    def test_options_anywhere(self):
        r = iedc("read", self.d.addr, "IEDD1BAY/LLN0.Mod.stVal[ST]", "--json", "-t", "5000")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("value", parse_json(r.stdout))
        # a negative VALUE is still a value, not an option
        r = iedc("write", self.d.addr, "IEDD1BAY/MMXU1.TotW.mag.f[MX]", "-5")
        self.assertNotIn("unrecognized option", r.stderr)
        self.assertNotEqual(r.returncode, 2, r.stderr)
        r = iedc("read", self.d.addr, "--", "--json")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    main()
