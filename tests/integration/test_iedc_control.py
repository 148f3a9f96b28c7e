# SPDX-License-Identifier: Apache-2.0
"""iedc control with the real iedd --simulate (the server's control model,
daemon/acsi/control.c) on the embedded sample (etc/sample.icd): direct
control (ctlModel 1) of XSWI1.Pos (DPC) and WTUR1.SetTurOp (SPC);
sbo-with-enhanced-security of XCBR1.Pos (SBOw, Oper, CommandTermination);
select alone, select and Cancel, a Cancel with nothing selected; a Test
command refused in Beh on with the LastApplError in words; ENC, BSC and
BAC on test_simulate.py's small model; SBO by a Read of SBO, INC and APC
on ../shared/scl/Ed2TestIED.icd; the status following the command, the
Oper structure iedc builds from the server's type (origin, ctlNum, T,
Test, Check) as the server stored it, the --json document, a status-only
object refused by iedc itself (exit 7, nothing sent), the usage errors
(found before connecting where the text alone tells), and tshark's
verdict on the exchange.

The client's side of what iedd cannot be made to do here (CommandTermination-,
no termination at all, an SBO read answered "") is covered by
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



def settled(case, ref, timeout=2.0):
    """A DPC's stVal once its simulated travel (60 ms through 00,
    intermediate-state) is over: the value it then reads."""
    end = time.time() + timeout
    v = case.read(ref)
    while v == "00" and time.time() < end:
        time.sleep(0.02)
        v = case.read(ref)
    return v


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
            self.assertEqual(settled(self, SW + ".stVal[ST]"), bits, value)

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
                     "--orident", "scada-1", "--check", "interlock,synchro")
        self.assertEqual(self.read(TUR + ".stVal[ST]"), "true")
        o = oper_fields(iedc("read", self.d.addr, TUR + ".Oper[CO]").stdout)
        self.assertEqual(o["ctlVal"], "true")
        self.assertEqual(o["origin.orCat"], "2")
        self.assertEqual(bytes.fromhex(o["origin.orIdent"]), b"scada-1")
        self.assertEqual(o["Test"], "false")
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
            self.assertEqual(settled(self, SW + ".stVal[ST]"), bits)
            # the ctlNum reported is the one the server got
            o = oper_fields(iedc("read", self.d.addr, SW + ".Oper[CO]").stdout)
            self.assertEqual(int(o["ctlNum"]), doc["ctlNum"])
            nums.append(doc["ctlNum"])
        self.assertNotEqual(nums[0], nums[1], "two commands in a row, one ctlNum")

    def test_sbo_enhanced(self):
        pos = "IEDD1BAY/XCBR1.Pos"
        for value, bits in (("off", "01"), ("on", "10")):
            r = self.control(pos, value)
            self.assertEqual(r.stdout, f"select {pos}: ok\noperate {pos}: ok\n"
                                       f"termination {pos}: ok\n")
            self.assertEqual(self.read(pos + ".stVal[ST]"), bits)
            self.assertEqual(self.read(pos + ".stSeld[ST]"), "false")  # operate-once
        r = self.control("--json", pos, "off")
        doc = json.loads(r.stdout)
        self.assertEqual((doc["ctlModel"], doc["ctlModelName"]),
                         (4, "sbo-with-enhanced-security"))
        self.assertEqual([(s["step"], s["variable"], s["result"]) for s in doc["steps"]],
                         [("select", "IEDD1BAY/XCBR1$CO$Pos$SBOw", "ok"),
                          ("operate", "IEDD1BAY/XCBR1$CO$Pos$Oper", "ok"),
                          ("termination", "IEDD1BAY/XCBR1$CO$Pos$Oper", "ok")])
        self.assertEqual((doc["result"], doc["exitStatus"]), ("ok", 0))

    def test_select_and_cancel(self):
        pos = "IEDD1BAY/XCBR1.Pos"
        r = self.control(pos, "off", "--select")
        self.assertEqual(r.stdout, f"select {pos}: ok\n")
        r = self.control(pos, "off", "--select", "--cancel")
        self.assertEqual(r.stdout, f"select {pos}: ok\ncancel {pos}: ok\n")
        self.assertEqual(self.read(pos + ".stVal[ST]"), "10")  # nothing operated
        # a Cancel of its own: nothing is selected on this association
        r = self.control(pos, "off", "--cancel", rc=7)
        self.assertTrue(r.stdout.startswith(
            f"cancel {pos}: refused: Object-not-selected (AddCause 18), "
            "temporarily-unavailable; LastApplError IEDD1BAY/XCBR1$CO$Pos$Cancel, "), r.stdout)
        self.assertIn(f"{pos}: cancel refused: Object-not-selected (AddCause 18)", r.stderr)

    def test_refused_with_last_appl_error(self):
        # Beh on (IEC 61850-7-4 Annex A): a command with Test=true is refused
        r = self.control(SW, "off", "--test", "--orident", "op-7", rc=7)
        self.assertTrue(r.stdout.startswith(
            f"operate {SW}: refused: Blocked-by-Mode (AddCause 8), object-access-denied; "
            "LastApplError IEDD1BAY/XSWI1$CO$Pos$Oper, "), r.stdout)
        self.assertIn("origin 3 remote-control op-7", r.stdout)
        self.assertEqual(self.read(SW + ".stVal[ST]"), "10")
        r = self.control("--json", "IEDD1BAY/XCBR1.Pos", "off", "--test", "--orcat", "2",
                         rc=7)
        doc = json.loads(r.stdout)
        self.assertEqual(len(doc["steps"]), 1)
        step = doc["steps"][0]
        self.assertEqual((step["step"], step["result"], step["dataAccessError"]),
                         ("select", "refused", "object-access-denied"))
        lae = step["lastApplError"]
        self.assertEqual(lae["cntrlObj"], "IEDD1BAY/XCBR1$CO$Pos$SBOw")
        self.assertEqual((lae["addCause"], lae["addCauseText"]), (8, "Blocked-by-Mode"))
        self.assertEqual((lae["orCat"], lae["orCatText"]), (2, "station-control"))
        self.assertEqual(lae["ctlNum"], doc["ctlNum"])
        self.assertEqual(bytes.fromhex(lae["orIdentHex"]).decode(), lae["orIdent"])
        self.assertEqual((doc["result"], doc["exitStatus"]), ("refused", 7))
        self.assertIn("Blocked-by-Mode", doc["error"])

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
        self.assertEqual(settled(self, SW + ".stVal[ST]"), "01")
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
    direct-with-normal-security, SPCSO2 and DPCSO2 sbo-with-normal-security
    (select by a Read of SBO), SPCSO3 direct-with-enhanced-security."""
    prefix = "iedd-ctl-ed2-"
    G = "ied1System/GGIO1."

    def setUp(self):
        super().setUp()
        self.d = Daemon("--simulate", "--scl", os.path.join(SHARED, "Ed2TestIED.icd"))

    def control(self, do, value, model=1):
        r = iedc("control", "--json", self.d.addr, self.G + do, value)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["ctlModel"], doc["result"]), (model, "ok"))
        return doc

    def test_sbo_normal_and_direct_enhanced(self):
        doc = self.control("SPCSO2", "on", model=2)
        # IEC 61850-8-1 §20: the SBO read gives the object reference
        self.assertEqual(doc["steps"][0], {"step": "select",
                                           "variable": "ied1System/GGIO1$CO$SPCSO2$SBO",
                                           "result": "ok", "value": "ied1System/GGIO1.SPCSO2"})
        self.assertEqual(doc["steps"][1]["step"], "operate")
        self.assertEqual(self.read(self.G + "SPCSO2.stVal[ST]"), "true")
        doc = self.control("DPCSO2", "off", model=2)
        self.assertEqual(settled(self, self.G + "DPCSO2.stVal[ST]"), "01")
        doc = self.control("SPCSO3", "on", model=3)
        self.assertEqual([s["step"] for s in doc["steps"]], ["operate", "termination"])
        self.assertEqual(self.read(self.G + "SPCSO3.stVal[ST]"), "true")

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
    """tshark decodes the Read of ctlModel, the GetVariableAccessAttributes,
    the Writes of SBOw and Oper, the CommandTermination and a LastApplError
    with no malformed packet and no expert warning."""

    def test_tshark(self):
        if not shutil.which("tshark"):
            self.skipTest("tshark is not installed (apt-get install tshark)")
        base = tempfile.mkdtemp(prefix="iedd-ctl-t-")
        d = Daemon("--simulate")
        px = Proxy(d.port)
        try:
            for args in ((SW, "off", "--check", "interlock"), ("IEDD1BAY/XCBR1.Pos", "off"),
                         (SW, "on", "--test")):
                r = iedc("control", px.addr, *args)
                self.assertIn(r.returncode, (0, 7), r.stderr)
            deadline = time.time() + 10
            while time.time() < deadline and len(px.conns) < 3:
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
        for name in ("XSWI1$CO$Pos$Oper", "XCBR1$CO$Pos$SBOw", "LastApplError"):
            self.assertIn(name, detail)
        self.assertIn("informationReport", detail)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
