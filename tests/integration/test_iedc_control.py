# SPDX-License-Identifier: Apache-2.0
"""iedc control with the real iedd --simulate on the embedded sample
(etc/sample.icd): direct control (ctlModel 1) of XSWI1.Pos (DPC) and of
WTUR1.SetTurOp (SPC); of ENC, BSC and BAC on test_simulate.py's small
model and of INC and APC on ../shared/scl/Ed2TestIED.icd; the status
following the command, the Oper structure
iedc builds from the server's type (origin, ctlNum, T, Test, Check) as the
server stored it, the --json document, a status-only object refused by
iedc itself (exit 7, nothing sent), the usage errors (found before
connecting where the text alone tells), and tshark's verdict on the Write.

The select-before-operate and enhanced-security sequences need the
server's control model (issue 13); their client side is covered by
tests/unit/test_iedc_control.c against a scripted server."""
import json
import os
import shutil
import socket
import tempfile
import time
import unittest

from harness import Daemon, DaemonCase, Proxy, free_port, iedc, main
from test_simulate import OTHER_ICD

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(SRC, "etc", "sample.icd")

SHARED = os.path.join(os.path.dirname(SRC), "shared", "scl")
SW = "IEDD1BAY/XSWI1.Pos"          # DPC, direct-with-normal-security in the sample
TUR = "IEDD1WTG/WTUR1.SetTurOp"    # SPC, direct-with-normal-security (its type's default)


def oper_fields(text):
    """`iedc read LD/LN.DO.Oper[CO]` as a dict path -> value."""
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(": ")
        out[k] = v
    return out


class Direct(DaemonCase):
    prefix = "iedd-ctl-"

    def setUp(self):
        super().setUp()
        self.d = Daemon("--simulate")

    def control(self, *args, rc=0):
        r = iedc("control", self.d.addr, *args)
        self.assertEqual(r.returncode, rc, f"{args}: {r.stdout}{r.stderr}")
        return r

    def test_dpc_status_follows(self):
        for value, bits in (("off", "01"), ("on", "10"), ("false", "01"), ("1", "10")):
            r = self.control(SW, value)
            self.assertEqual(r.stdout, f"operate {SW}: ok\n")
            self.assertEqual(r.stderr, "")
            self.assertEqual(self.read(SW + ".stVal[ST]"), bits, value)

    def test_oper_as_written(self):
        before = time.time()
        self.control(SW, "off")
        o = oper_fields(iedc("read", self.d.addr, SW + ".Oper[CO]").stdout)
        self.assertEqual(o["ctlVal"], "false")
        # IEC 61850-8-1 §20 defaults: remote-control, orIdent iedc@HOSTNAME
        self.assertEqual(o["origin.orCat"], "3")
        self.assertEqual(bytes.fromhex(o["origin.orIdent"]).decode(),
                         "iedc@" + socket.gethostname()[:59])
        self.assertEqual(o["Test"], "false")
        self.assertEqual(o["Check"], "00")
        self.assertTrue(0 <= int(o["ctlNum"]) <= 255)
        t = time.mktime(time.strptime(o["T"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertLess(abs(t - before), 5, o["T"])
        self.assertIn("q=0x0a", o["T"])

    def test_spc_mms_form_and_options(self):
        self.control("IEDD1WTG/WTUR1$CO$SetTurOp$Oper", "true", "--orcat", "station-control",
                     "--orident", "scada-1", "--test", "--check", "interlock,synchro")
        self.assertEqual(self.read(TUR + ".stVal[ST]"), "true")
        o = oper_fields(iedc("read", self.d.addr, TUR + ".Oper[CO]").stdout)
        self.assertEqual(o["ctlVal"], "true")
        self.assertEqual(o["origin.orCat"], "2")
        self.assertEqual(bytes.fromhex(o["origin.orIdent"]), b"scada-1")
        self.assertEqual(o["Test"], "true")
        # bit 0 synchrocheck, bit 1 interlock-check
        self.assertEqual(o["Check"], "11")
        r = self.control(TUR + ".Oper", "off", "--orcat", "7", "--check", "interlock")
        self.assertEqual(r.stdout, f"operate {TUR}: ok\n")
        self.assertEqual(self.read(TUR + ".stVal[ST]"), "false")
        o = oper_fields(iedc("read", self.d.addr, TUR + ".Oper[CO]").stdout)
        self.assertEqual((o["origin.orCat"], o["Check"], o["Test"]), ("7", "01", "false"))

    def test_json(self):
        nums = []
        for value, bits in (("off", "01"), ("on", "10")):
            r = self.control("--json", SW, value)
            doc = json.loads(r.stdout)
            self.assertEqual(doc["reference"], SW)
            self.assertEqual(doc["domain"], "IEDD1BAY")
            self.assertEqual(doc["ctlModel"], 1)
            self.assertEqual(doc["ctlModelName"], "direct-with-normal-security")
            self.assertEqual(doc["steps"], [{"step": "operate",
                                             "variable": "IEDD1BAY/XSWI1$CO$Pos$Oper",
                                             "result": "ok"}])
            self.assertEqual(doc["result"], "ok")
            self.assertEqual(doc["exitStatus"], 0)
            self.assertNotIn("error", doc)
            self.assertEqual(self.read(SW + ".stVal[ST]"), bits)
            # the ctlNum reported is the one the server got
            o = oper_fields(iedc("read", self.d.addr, SW + ".Oper[CO]").stdout)
            self.assertEqual(int(o["ctlNum"]), doc["ctlNum"])
            nums.append(doc["ctlNum"])
        self.assertNotEqual(nums[0], nums[1], "two commands in a row, one ctlNum")

    def test_status_only_refused_locally(self):
        # the sample's LLN0.Mod is status-only (and has no Oper at all)
        r = self.control("IEDD1BAY/LLN0.Mod", "1", rc=7)
        self.assertEqual(r.stdout, "")
        self.assertIn("status-only", r.stderr)
        r = self.control("--json", "IEDD1BAY/LLN0.Mod", "1", rc=7)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["ctlModel"], doc["ctlModelName"]), (0, "status-only"))
        self.assertEqual(doc["steps"], [])
        self.assertEqual((doc["result"], doc["exitStatus"]), ("refused", 7))
        self.assertIn("status-only", doc["error"])

    def test_not_controllable(self):
        r = self.control("IEDD1BAY/MMXU1.TotW", "1", rc=7)
        self.assertIn("not a controllable data object", r.stderr)
        self.assertIn("object-non-existent", r.stderr)
        r = self.control(SW, "on", "--select", rc=7)
        self.assertIn("has no select", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_bad_value(self):
        self.control(SW, "off")
        for value, why in (("maybe", "boolean"), ("2", "boolean"), ("", "boolean")):
            r = self.control(SW, value, rc=2)
            self.assertIn(why, r.stderr)
            self.assertEqual(r.stdout, "")
        # the sample's Oper has no operTm
        r = self.control(SW, "on", "--at", "+100", rc=2)
        self.assertIn("operTm", r.stderr)
        r = self.control(SW, "on", "--orident", "x" * 65, rc=2)
        self.assertIn("64", r.stderr)
        # nothing was operated
        self.assertEqual(self.read(SW + ".stVal[ST]"), "01")
        self.assertEqual(oper_fields(iedc("read", self.d.addr, SW + ".Oper[CO]").stdout)
                         ["ctlVal"], "false")
        r = self.control("--json", SW, "maybe", rc=2)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["exitStatus"], doc["steps"]), (2, []))
        self.assertIn("boolean", doc["error"])


class OtherCdcs(DaemonCase):
    """ctlVal of other types, by the type the server describes: ENC (an
    integer), BSC and BAC (Tcmd: lower, higher, stop)."""
    prefix = "iedd-ctl-cdc-"

    def setUp(self):
        super().setUp()
        path = os.path.join(self.dir, "controls.icd")
        with open(path, "w") as f:
            f.write(OTHER_ICD)
        self.d = Daemon("--simulate", "--scl", path)

    def control(self, ref, value, rc=0):
        r = iedc("control", self.d.addr, ref, value)
        self.assertEqual(r.returncode, rc, f"{ref} {value}: {r.stdout}{r.stderr}")
        return r

    def test_enc(self):
        r = self.control("SIMCLD0/LLN0.Mod", "5")
        self.assertEqual(r.stdout, "operate SIMCLD0/LLN0.Mod: ok\n")
        self.assertEqual(self.read("SIMCLD0/LLN0.Mod.stVal[ST]"), "5")
        self.assertIn("outside the range of int8",
                      self.control("SIMCLD0/LLN0.Mod", "300", rc=2).stderr)

    def test_bsc_steps(self):
        pos = "SIMCLD0/ATCC1.TapChg.valWTr.posVal[ST]"
        self.assertEqual(self.read(pos), "0")
        for value, want in (("higher", "1"), ("higher", "2"), ("stop", "2"), ("lower", "1")):
            self.control("SIMCLD0/ATCC1.TapChg", value)
            self.assertEqual(self.read(pos), want, value)
        self.assertIn("lower, higher, stop", self.control("SIMCLD0/ATCC1.TapChg", "up",
                                                           rc=2).stderr)
        self.assertEqual(self.read(pos), "1")

    def test_bac_steps(self):
        mx = "SIMCLD0/ATCC1.BndCtr.mxVal.f[MX]"
        self.assertEqual(self.read(mx), "1")
        self.control("SIMCLD0/ATCC1.BndCtr", "higher")
        self.assertEqual(self.read(mx), "1.25")
        self.control("SIMCLD0/ATCC1.BndCtr", "lower")
        self.assertEqual(self.read(mx), "1")


@unittest.skipUnless(os.path.exists(os.path.join(SHARED, "Ed2TestIED.icd")),
                     "../shared/scl/Ed2TestIED.icd not present")
class Ed2TestIED(DaemonCase):
    """GGIO1 of ied1System: SPCSO1, ISCSO1 (INC) and AnOut1 (APC) are
    direct-with-normal-security."""
    prefix = "iedd-ctl-ed2-"
    G = "ied1System/GGIO1."

    def setUp(self):
        super().setUp()
        self.d = Daemon("--simulate", "--scl", os.path.join(SHARED, "Ed2TestIED.icd"))

    def control(self, do, value):
        r = iedc("control", "--json", self.d.addr, self.G + do, value)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["ctlModel"], doc["result"]), (1, "ok"))

    def test_spc_inc_apc(self):
        self.control("SPCSO1", "on")
        self.assertEqual(self.read(self.G + "SPCSO1.stVal[ST]"), "true")
        self.control("ISCSO1", "-1234")
        self.assertEqual(self.read(self.G + "ISCSO1.stVal[ST]"), "-1234")
        self.control("AnOut1", "42.5")
        self.assertEqual(self.read(self.G + "AnOut1.mxVal.f[MX]"), "42.5")


class StatusOnly(DaemonCase):
    """A status-only XSWI1.Pos: iedc reads ctlModel 0 and sends nothing."""
    prefix = "iedd-ctl-so-"

    def test_nothing_sent(self):
        with open(SAMPLE) as f:
            text = f.read()
        text = text.replace("<Val>direct-with-normal-security</Val>", "<Val>status-only</Val>")
        scl = os.path.join(self.dir, "so.icd")
        with open(scl, "w") as f:
            f.write(text)
        self.d = Daemon("--simulate", "--scl", scl)
        self.assertEqual(self.read(SW + ".ctlModel[CF]"), "0")
        oper = iedc("read", self.d.addr, SW + ".Oper[CO]").stdout
        r = iedc("control", self.d.addr, SW, "off")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn(f"{SW}: status-only (ctlModel 0)", r.stderr)
        self.assertEqual(iedc("read", self.d.addr, SW + ".Oper[CO]").stdout, oper)


class Usage(unittest.TestCase):
    """Usage errors found in the words alone: exit 2 without connecting
    (nothing listens on the port, which would be exit 3)."""

    def test_usage(self):
        addr = f"127.0.0.1:{free_port()}"
        for args in (("IEDD1BAY/XSWI1", "on"),                 # a logical node
                     ("IEDD1BAY/XSWI1.Pos.stVal[ST]", "on"),   # an FC other than CO
                     ("IEDD1BAY/XSWI1$ST$Pos", "on"),
                     ("XSWI1.Pos", "on"),                      # no LD
                     ("IEDD1BAY/XSWI1.Oper", "on"),            # no DO before Oper
                     ("IEDD1BAY/XSWI1.Po-s", "on"),
                     (SW, "on", "--orcat", "somebody"),
                     (SW, "on", "--check", "interlock,foo"),
                     (SW, "on", "--at", "yesterday"),
                     (SW, "on", "--at", "+-5"),
                     (SW, "on", "--at", "+100", "--cancel"),
                     (SW,),
                     (SW, "on", "extra")):
            r = iedc("control", addr, *args)
            self.assertEqual(r.returncode, 2, f"{args}: {r.stderr}")
            self.assertTrue(r.stderr.startswith("iedc: "), r.stderr)
        for opt in (("--test",), ("--select",), ("--orcat", "3")):
            r = iedc("read", addr, SW + ".stVal[ST]", *opt)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("options of control", r.stderr)
        r = iedc("--help")
        self.assertIn("control HOST[:PORT] REF VALUE", r.stdout)
        self.assertIn("--orcat", r.stdout)


class Referee(unittest.TestCase):
    """tshark decodes the Read of ctlModel, the GetVariableAccessAttributes
    and the Write of the Oper structure with no malformed packet and no
    expert warning."""

    def test_tshark(self):
        if not shutil.which("tshark"):
            self.skipTest("tshark is not installed (apt-get install tshark)")
        base = tempfile.mkdtemp(prefix="iedd-ctl-t-")
        d = Daemon("--simulate")
        px = Proxy(d.port)
        try:
            r = iedc("control", px.addr, SW, "off", "--test", "--check", "interlock")
            self.assertEqual(r.returncode, 0, r.stderr)
            deadline = time.time() + 10
            while time.time() < deadline and not px.conns:
                time.sleep(0.05)
            time.sleep(0.3)
        finally:
            px.close()
            d.stop()
        frames, bad, expert, detail = px.tshark(os.path.join(base, "control.pcap"), 102)
        self.assertNotIn("Malformed", frames)
        self.assertEqual(bad, [], expert)
        for service in ("read", "getVariableAccessAttributes", "write"):
            self.assertIn(f"confirmedServiceRequest: {service} ", detail, service)
        self.assertIn("XSWI1$CO$Pos$Oper", detail)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
