# SPDX-License-Identifier: Apache-2.0
"""The control model against SCL files written elsewhere (issue 13): for
every controllable data object of ../shared/scl/simpleIO_direct_control_goose.cid,
Ed2TestIED.icd and sisco_sample_ed2.scd under --simulate, `iedc control`
runs the sequence of its ctlModel; each command ends with success or with
a refusal that names its AddCause (iedc's exit status 7), never with
anything else, and every ctlModel a file uses has at least one object that
operates. tshark decodes the whole exchange (SBOw, Oper, Cancel,
CommandTermination, LastApplError) with no malformed packet and no expert
warning."""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

from harness import Daemon, Proxy, iedc, main

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(SRC), "shared", "scl")
FILES = ("simpleIO_direct_control_goose.cid", "Ed2TestIED.icd", "sisco_sample_ed2.scd")
IEDS = {"sisco_sample_ed2.scd": "E1Q1SB1"}
REFUSED = 7
ADD_CAUSE = re.compile(r"Blocked-by-[A-Za-z-]+|Not-supported|Object-[a-z-]+|Locked-by-other-client|"
                       r"Command-already-in-execution|Time-limit-over|Inconsistent-parameters|"
                       r"Step-limit|Position-reached|Unknown|status-only")


def controllables(addr):
    """(LD/LN.DO, Oper type) of every data object (or SDO) with Oper."""
    r = iedc("--json", "browse", addr, timeout=60)
    assert r.returncode == 0, r.stderr
    out = []

    def walk(ref, node, depth):
        comps = {c["name"]: c for c in node.get("components", [])}
        if "Oper" in comps:
            out.append((ref, comps["Oper"]))
            return
        if depth < 4:
            for name, c in comps.items():
                if c.get("type") == "structure":
                    walk(f"{ref}.{name}", c, depth + 1)

    for ld in json.loads(r.stdout)["logicalDevices"]:
        for ln in ld["logicalNodes"]:
            for fc in ln.get("components", []):
                if fc["name"] != "CO":
                    continue
                for do in fc.get("components", []):
                    walk(f"{ld['name']}/{ln['name']}.{do['name']}", do, 1)
    return out


def value_for(oper):
    """A ctlVal for the Oper type: off / 1 / higher / 1.5."""
    cv = [c for c in oper["components"] if c["name"] == "ctlVal"][0]
    t = cv["type"]
    if t == "boolean":
        return "false"
    if t == "bit-string":
        return "higher"
    if t == "structure":
        return "1.5"
    return "1"


class SharedFiles(unittest.TestCase):
    def run_file(self, name, px_wanted=False):
        path = os.path.join(SHARED, name)
        if not os.path.exists(path):
            self.skipTest(f"{path} not present")
        ied = ("--ied", IEDS[name]) if name in IEDS else ()
        d = Daemon("--scl", path, *ied, "--simulate")
        px = Proxy(d.port) if px_wanted else None
        try:
            addr = px.addr if px else d.addr
            objs = controllables(d.addr)
            self.assertTrue(objs, f"{name}: no controllable object found")
            worked, models = {}, {}
            for ref, oper in objs:
                r = iedc("read", d.addr, ref + ".ctlModel[CF]")
                cm = r.stdout.strip() if r.returncode == 0 else "none"
                models.setdefault(cm, []).append(ref)
                val = value_for(oper)
                c = iedc("control", addr, ref, val, "--timeout", "15000", timeout=60)
                text = c.stdout + c.stderr
                if c.returncode == 0:
                    worked.setdefault(cm, []).append((ref, val))
                else:
                    self.assertEqual(c.returncode, REFUSED, f"{ref} (ctlModel {cm}): {text}")
                    self.assertRegex(text, ADD_CAUSE, f"{ref}: a refusal without its cause")
            for cm in models:
                if cm in ("0", "status-only", "none"):
                    continue
                self.assertIn(cm, worked, f"{name}: no object with ctlModel {cm} operates: "
                              f"{models[cm]}\n" + d.log())
            return d, px, worked
        except BaseException:
            if px:
                px.close()
            d.stop()
            raise

    def test_simpleio(self):
        d, _, _ = self.run_file(FILES[0])
        d.stop()

    def test_ed2testied(self):
        d, _, _ = self.run_file(FILES[1])
        d.stop()

    def test_sisco_ed2(self):
        d, _, _ = self.run_file(FILES[2])
        d.stop()

    def test_tshark_decodes_every_control_pdu(self):
        if not shutil.which("tshark"):
            self.skipTest("tshark is not installed (apt-get install tshark)")
        d, px, worked = self.run_file(FILES[1], px_wanted=True)
        try:
            # a server-side refusal too: Cancel with nothing selected
            sbo = worked.get("4") or worked.get("2")
            if sbo:
                r = iedc("control", px.addr, sbo[0][0], sbo[0][1], "--cancel")
                self.assertEqual(r.returncode, REFUSED, r.stdout + r.stderr)
            time.sleep(0.3)
        finally:
            px.close()
            d.stop()
        base = tempfile.mkdtemp(prefix="iedd-ctl-t-")
        frames, bad, expert, detail = px.tshark(os.path.join(base, "control.pcap"), 102)
        self.assertNotIn("Malformed", frames)
        self.assertEqual(bad, [], expert)
        self.assertIn("informationReport", detail)
        self.assertIn("LastApplError", detail)
        self.assertIn("$SBOw", detail)
        self.assertIn("$Oper", detail)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
