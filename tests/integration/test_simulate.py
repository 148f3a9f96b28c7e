# SPDX-License-Identifier: Apache-2.0
"""iedd --simulate with controls: a client's MMS Write of a whole Oper
structure (IEC 61850-8-1 §20: ctlVal, origin, ctlNum, T, Test, Check) is
reflected in the matching status at once and the status then stays where
it was commanded, while statuses that cannot be controlled keep animating.
On the embedded sample (XCBR/XSWI Pos DPC, SPC, WTUR SetTurOp SPC), on
../shared/scl/Ed2TestIED.icd (SPC, DPC, INC, APC with every ctlModel), and
on a small model written here for ENC, BSC, ISC and BAC.

The Write is built here from the type iedc browse reports (--json), so the
components go in the model's order with their MMS types (ISO 9506-2 Data):
iedc writes one basic value at a time, a control is the whole structure."""
import re
import json
import os
import random
import struct
import tempfile
import time
import unittest

from harness import bits_of, Daemon, Raw, ber_int, data_pdu, iedc, main, tlv

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(SRC, "etc", "sample.icd")
SHARED = os.path.join(os.path.dirname(SRC), "shared", "scl")

SCAN = 0.5  # the default scan period of --simulate (s)
WRITE_OK = b"\xa5\x02\x81\x00"  # Write-Response: one success
WRITE_DENIED = b"\xa5\x03\x80\x01\x03"  # one failure, object-access-denied


def ident(s):
    return tlv(0x1A, s.encode())


def mms_data(node, value):
    """ISO 9506-2 Data of type `node` (a component of iedc --json browse).
    value: a dict for a structure (missing components get defaults)."""
    t = node["type"]
    if t == "structure":
        value = value or {}
        return tlv(0xA2, b"".join(mms_data(c, value.get(c["name"])) for c in node["components"]))
    if t == "boolean":
        return tlv(0x83, b"\xff" if value else b"\x00")
    if t.startswith("int"):
        return ber_int(0x85, int(value or 0))
    if t.startswith("uint"):
        return ber_int(0x86, int(value or 0))
    if t == "float32":
        return tlv(0x87, b"\x08" + struct.pack(">f", float(value or 0)))
    if t == "float64":
        return tlv(0x87, b"\x0b" + struct.pack(">d", float(value or 0)))
    if t == "bit-string":
        # an int: the bits MSB first (a Tcmd 2 = higher is the bits 10)
        # (Quality and Check are varying, "maxSize": all bits are sent)
        size = node.get("size", node.get("maxSize"))
        n = (size + 7) // 8
        bits = int(value or 0) << (n * 8 - size)
        return tlv(0x84, bytes([n * 8 - size]) + bits.to_bytes(n, "big"))
    if t == "octet-string":
        return tlv(0x89, value or b"")
    if t == "visible-string":
        return tlv(0x8A, (value or "").encode())
    if t == "utc-time":
        now = time.time()
        frac = int((now % 1) * (1 << 24))
        return tlv(0x91, int(now).to_bytes(4, "big") + frac.to_bytes(3, "big") + b"\x0a")
    raise AssertionError(f"no encoder for {t}")


def child(node, name):
    for c in node.get("components", []):
        if c["name"] == name:
            return c
    raise AssertionError(f"{name} not in {[c['name'] for c in node.get('components', [])]}")


class Controls:
    """A simulating daemon and an association to write Oper through."""

    def start(self, *args, config=None, simulate=True):
        self.d = Daemon(*(("--simulate",) if simulate else ()), *args, config=config)
        self.p = Raw(self.d.port)
        self.p.associate()
        self.invoke = 0
        self.types = {}
        self.unconfirmed = []

    def stop(self):
        self.p.close()
        self.d.stop()

    def oper_type(self, dom, ln, do):
        if dom not in self.types:
            r = iedc("--json", "browse", self.d.addr, dom)
            assert r.returncode == 0, r.stderr
            self.types[dom] = json.loads(r.stdout)["logicalDevices"][0]
        lnode = [x for x in self.types[dom]["logicalNodes"] if x["name"] == ln][0]
        return child(child(child(lnode, "CO"), do), "Oper")

    def operate(self, ref, ctl_val):
        """The control sequence of LD/LN.DO's ctlModel with ctlVal =
        ctl_val: SBOw first for sbo-with-enhanced-security, then Oper;
        returns the Oper's Write response (the SBOw's when that failed).
        InformationReports (LastApplError, CommandTermination) that come
        meanwhile are kept in self.unconfirmed."""
        dom, rest = ref.split("/")
        ln, do = rest.split(".", 1)
        oper = self.oper_type(dom, ln, do)
        cm = self.read(ref + ".ctlModel[CF]")
        self.invoke += 1
        value = {"ctlVal": ctl_val, "origin": {"orCat": 3, "orIdent": b"iedd-test"},
                 "ctlNum": self.invoke % 256}
        if cm == "4":
            resp = self.write(dom, f"{ln}$CO${do.replace('.', '$')}$SBOw", oper, value)
            if WRITE_OK not in resp:
                return resp
        return self.write(dom, f"{ln}$CO${do.replace('.', '$')}$Oper", oper, value)

    def write(self, dom, item, typ, value):
        spec = tlv(0xA0, tlv(0x30, tlv(0xA0, tlv(0xA1, ident(dom) + ident(item)))))
        self.invoke += 1
        req = tlv(0xA0, ber_int(0x02, self.invoke) +
                  tlv(0xA5, spec + tlv(0xA0, mms_data(typ, value))))
        self.p.send(data_pdu(req))
        resp = self.p.recv_response(self.unconfirmed)
        assert resp is not None, "no Write response\n" + self.d.log()
        return resp

    def read(self, ref):
        r = iedc("read", self.d.addr, ref)
        assert r.returncode == 0, f"{ref}: {r.stderr}"
        return bits_of(r.stdout.strip())


class Base(unittest.TestCase):
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.c = Controls()
        cls.c.start(*cls.ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def operate(self, ref, val):
        resp = self.c.operate(ref, val)
        self.assertIn(WRITE_OK, resp, f"{ref}: {resp.hex()}\n" + self.c.d.log())

    def read(self, ref):
        return self.c.read(ref)

    def assert_commanded(self, do, val, status, want, stays=4 * SCAN):
        """Oper with ctlVal val; status reads want right after the Write
        response (a DPC: once its 60 ms travel through 00 is over) and
        keeps it (and its t) for `stays` seconds."""
        self.operate(do, val)
        end = time.time() + 2
        while self.read(status) != want and time.time() < end:
            time.sleep(0.02)
        self.assertEqual(self.read(status), want, status)
        tref = f"{do}.t{status[-4:]}"  # the DO's t, same FC as the status
        t = self.read(tref)
        end = time.time() + stays
        while time.time() < end:
            self.assertEqual(self.read(status), want, status + " moved on its own")
            time.sleep(SCAN / 2)
        self.assertEqual(self.read(tref), t, tref + ": the status changed in between")

    def assert_moves(self, ref, within):
        a = self.read(ref)
        end = time.time() + within
        while time.time() < end:
            if self.read(ref) != a:
                return
            time.sleep(0.2)
        self.fail(f"{ref} stayed {a} for {within} s\n" + self.c.d.log())


class Sample(Base):
    """The embedded sample: XCBR1.Pos (sbo-with-enhanced-security) and
    XSWI1.Pos (direct) are DPCs, BlkOpn/BlkCls and WTUR1.SetTurOp SPCs."""

    def test_dpc_stval_follows_oper(self):
        pos = "IEDD1BAY/XCBR1.Pos.stVal[ST]"
        self.assertEqual(self.read(pos), "10")  # on, from the SCL
        self.assert_commanded("IEDD1BAY/XCBR1.Pos", False, pos, "01")  # off
        self.assert_commanded("IEDD1BAY/XCBR1.Pos", True, pos, "10")
        # the write landed in the model too
        self.assertIn("ctlVal: true", self.read("IEDD1BAY/XCBR1.Pos.Oper[CO]"))
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Pos.q[ST]"), "0000000000000")
        t = self.read("IEDD1BAY/XCBR1.Pos.t[ST]")
        self.assertTrue(t.startswith(time.strftime("%Y-", time.gmtime())), t)
        sw = "IEDD1BAY/XSWI1.Pos.stVal[ST]"
        self.assert_commanded("IEDD1BAY/XSWI1.Pos", False, sw, "01")
        self.assertEqual(self.read(pos), "10")  # each DO its own

    def test_spc_stval_follows_oper(self):
        for do in ("IEDD1BAY/XCBR1.BlkOpn", "IEDD1WTG/WTUR1.SetTurOp"):
            st = do + ".stVal[ST]"
            self.assert_commanded(do, True, st, "true", stays=2 * SCAN)
            self.assert_commanded(do, False, st, "false", stays=2 * SCAN)

    def test_rest_of_a_controllable_do_holds(self):
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Pos.stSeld[ST]"), "false")
        time.sleep(4 * SCAN)
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Pos.stSeld[ST]"), "false")

    def test_not_controllable_still_animates(self):
        self.assert_moves("IEDD1BAY/MMXU1.TotW.mag.f[MX]", 3)
        # a counter counts every 1..5 s, a boolean toggles every 1..4 s
        # (twice that is the bound: a read may just miss an edge)
        self.assert_moves("IEDD1BAY/XCBR1.OpCnt.stVal[ST]", 10)
        self.assert_moves("IEDD1BAY/LPHD1.Proxy.stVal[ST]", 8)
        # the switching hierarchy is held (the control model reads it)
        loc = self.read("IEDD1BAY/XCBR1.Loc.stVal[ST]")
        time.sleep(4 * SCAN)
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Loc.stVal[ST]"), loc)


class StatusOnly(unittest.TestCase):
    """ctlModel status-only: no write row; an Oper written anyway is
    refused by the control model (LastApplError, then object-access-denied),
    the model keeps its Oper, and the status goes on animating. --simulate-speed 20 runs the simulated
    process twenty times as fast (a Dbpos toggles every 1..4 s at speed 1),
    so the square waves are seen within a second or so."""
    SPEED = 20

    def test_status_only_pos_is_not_controlled(self):
        d = tempfile.mkdtemp(prefix="iedd-sim-")
        scl = os.path.join(d, "so.icd")
        with open(SAMPLE) as f:
            text = f.read()
        text = text.replace("<Val>direct-with-normal-security</Val>", "<Val>status-only</Val>")
        text = text.replace("<Val>sbo-with-enhanced-security</Val>", "<Val>status-only</Val>")
        with open(scl, "w") as f:
            f.write(text)
        c = Controls()
        c.start("--scl", scl, "--simulate-speed", str(self.SPEED))
        try:
            self.assertEqual(c.read("IEDD1BAY/XSWI1.Pos.ctlModel[CF]"), "0")
            refs = ["IEDD1BAY/XSWI1.Pos.stVal[ST]", "IEDD1BAY/XCBR1.Pos.stVal[ST]"]
            before = [c.read(r) for r in refs]
            for do, r, b in zip(("IEDD1BAY/XSWI1.Pos", "IEDD1BAY/XCBR1.Pos"), refs, before):
                oper = c.read(do + ".Oper[CO]")
                c.unconfirmed.clear()
                self.assertIn(WRITE_DENIED, c.operate(do, b != "10"))
                # LastApplError came first: AddCause Not-supported (1)
                self.assertEqual(len(c.unconfirmed), 1)
                self.assertIn(b"LastApplError", c.unconfirmed[0])
                self.assertEqual(c.read(do + ".Oper[CO]"), oper)
            # the square profile of a status: a half period is 1..4 s of
            # simulated time, 0.05..0.2 s at this speed (a generous bound:
            # Speed below shows that the speed is what makes it quick).
            # Both keep toggling, each on its own.
            for r in refs:
                self.assert_toggles(c, r)
        finally:
            c.stop()

    def assert_toggles(self, c, ref):
        """ref takes both positions (01 off, 10 on) within a few seconds.
        The reads come at random intervals: reads at a steady pace (an iedc
        run takes about as long as a half period under ASan) could meet
        the square wave at the same phase every time and see it frozen."""
        seen = set()
        end = time.time() + 8
        while time.time() < end and len(seen) < 2:
            seen.add(c.read(ref))
            time.sleep(random.uniform(0.0, 0.15))
        self.assertEqual(seen, {"01", "10"}, ref + ": a status-only position stopped animating\n"
                         + c.d.log())


class Speed(unittest.TestCase):
    """--simulate-speed reaches the simulator: a counter (one count every
    1..5 s of simulated time) counts far more in a few real seconds than it
    could at speed 1, where it counts at most once a second."""

    def test_counter_runs_faster(self):
        d = Daemon("--simulate", "--simulate-speed", "50")
        try:
            ref = "IEDD1BAY/XCBR1.OpCnt.stVal[ST]"

            def read():
                r = iedc("read", d.addr, ref)
                self.assertEqual(r.returncode, 0, r.stderr)
                return int(r.stdout)

            t0 = time.monotonic()
            a = read()
            t1 = time.monotonic()
            time.sleep(3)
            t2 = time.monotonic()
            b = read()
            t3 = time.monotonic()
            # speed 50: at least 50 * (t2 - t1) / 5 counts, less one for
            # the scan; speed 1 could give at most (t3 - t0) + 1
            at_speed_1 = (t3 - t0) + 1
            self.assertGreaterEqual(b - a, 50 * (t2 - t1) / 5 - 2, d.log())
            self.assertGreater(b - a, 3 * at_speed_1, d.log())
        finally:
            d.stop()


@unittest.skipUnless(os.path.exists(os.path.join(SHARED, "Ed2TestIED.icd")),
                     "../shared/scl/Ed2TestIED.icd not present")
class Ed2TestIED(Base):
    """GGIO1 of ied1System: SPCSO1-4, DPCSO1-4, ISCSO1-4 (INC), AnOut1-4
    (APC), each with another ctlModel; the fifth of each is status-only and
    has no Oper."""
    ARGS = ("--scl", os.path.join(SHARED, "Ed2TestIED.icd"))

    def test_spc_dpc_inc(self):
        g = "ied1System/GGIO1."
        for n in (1, 4):  # direct-with-normal, sbo-with-enhanced security
            self.assert_commanded(f"{g}SPCSO{n}", True, f"{g}SPCSO{n}.stVal[ST]", "true",
                                  stays=SCAN)
            self.assert_commanded(f"{g}DPCSO{n}", True, f"{g}DPCSO{n}.stVal[ST]", "10",
                                  stays=SCAN)
            self.assert_commanded(f"{g}DPCSO{n}", False, f"{g}DPCSO{n}.stVal[ST]", "01",
                                  stays=SCAN)
            self.assert_commanded(f"{g}ISCSO{n}", -1234, f"{g}ISCSO{n}.stVal[ST]", "-1234",
                                  stays=SCAN)

    def test_apc_mxval_follows_setpoint(self):
        g = "ied1System/GGIO1."
        self.assert_commanded(f"{g}AnOut1", {"f": 42.5}, f"{g}AnOut1.mxVal.f[MX]", "42.5")
        # a status-only APC without Oper keeps its sine
        self.assert_moves(f"{g}AnOut5.mxVal.f[MX]", 3)


OTHER_ICD = """<?xml version="1.0" encoding="UTF-8"?>
<SCL xmlns="http://www.iec.ch/61850/2003/SCL" version="2007" revision="B" release="4">
  <Header id="sim-controls"/>
  <IED name="SIMC">
    <AccessPoint name="AP1"><Server><Authentication/>
      <LDevice inst="LD0">
        <LN0 lnClass="LLN0" inst="" lnType="LLN0_T">
          <DOI name="Mod"><DAI name="stVal"><Val>on</Val></DAI>
            <DAI name="ctlModel"><Val>direct-with-normal-security</Val></DAI></DOI>
        </LN0>
        <LN lnClass="ATCC" inst="1" lnType="ATCC_T">
          <DOI name="TapChg"><SDI name="valWTr"><DAI name="posVal"><Val>0</Val></DAI></SDI>
            <DAI name="ctlModel"><Val>direct-with-normal-security</Val></DAI>
            <DAI name="minVal"><Val>-2</Val></DAI><DAI name="maxVal"><Val>2</Val></DAI></DOI>
          <DOI name="TapPos"><SDI name="valWTr"><DAI name="posVal"><Val>3</Val></DAI></SDI>
            <DAI name="ctlModel"><Val>direct-with-enhanced-security</Val></DAI>
            <DAI name="minVal"><Val>1</Val></DAI><DAI name="maxVal"><Val>17</Val></DAI></DOI>
          <DOI name="BndCtr"><SDI name="mxVal"><DAI name="f"><Val>1</Val></DAI></SDI>
            <DAI name="ctlModel"><Val>direct-with-normal-security</Val></DAI>
            <SDI name="stepSize"><DAI name="f"><Val>0.25</Val></DAI></SDI>
            <SDI name="minVal"><DAI name="f"><Val>0.5</Val></DAI></SDI>
            <SDI name="maxVal"><DAI name="f"><Val>1.5</Val></DAI></SDI></DOI>
        </LN>
      </LDevice>
    </Server></AccessPoint>
  </IED>
  <DataTypeTemplates>
    <LNodeType id="LLN0_T" lnClass="LLN0"><DO name="Mod" type="ENC_T"/></LNodeType>
    <LNodeType id="ATCC_T" lnClass="ATCC">
      <DO name="TapChg" type="BSC_T"/><DO name="TapPos" type="ISC_T"/>
      <DO name="BndCtr" type="BAC_T"/>
    </LNodeType>
    <DOType id="ENC_T" cdc="ENC">
      <DA name="Oper" bType="Struct" type="ENCOperate" fc="CO"/>
      <DA name="stVal" bType="Enum" type="Beh" fc="ST" dchg="true"/>
      <DA name="q" bType="Quality" fc="ST" qchg="true"/><DA name="t" bType="Timestamp" fc="ST"/>
      <DA name="ctlModel" bType="Enum" type="CtlModelKind" fc="CF"/>
    </DOType>
    <DOType id="BSC_T" cdc="BSC">
      <DA name="Oper" bType="Struct" type="BSCOperate" fc="CO"/>
      <DA name="valWTr" bType="Struct" type="ValWithTrans" fc="ST" dchg="true"/>
      <DA name="q" bType="Quality" fc="ST" qchg="true"/><DA name="t" bType="Timestamp" fc="ST"/>
      <DA name="ctlModel" bType="Enum" type="CtlModelKind" fc="CF"/>
      <DA name="minVal" bType="INT8" fc="CF"/><DA name="maxVal" bType="INT8" fc="CF"/>
    </DOType>
    <DOType id="ISC_T" cdc="ISC">
      <DA name="Oper" bType="Struct" type="ISCOperate" fc="CO"/>
      <DA name="valWTr" bType="Struct" type="ValWithTrans" fc="ST" dchg="true"/>
      <DA name="q" bType="Quality" fc="ST" qchg="true"/><DA name="t" bType="Timestamp" fc="ST"/>
      <DA name="ctlModel" bType="Enum" type="CtlModelKind" fc="CF"/>
      <DA name="minVal" bType="INT8" fc="CF"/><DA name="maxVal" bType="INT8" fc="CF"/>
    </DOType>
    <DOType id="BAC_T" cdc="BAC">
      <DA name="Oper" bType="Struct" type="BSCOperate" fc="CO"/>
      <DA name="mxVal" bType="Struct" type="AnalogueValue" fc="MX" dchg="true"/>
      <DA name="q" bType="Quality" fc="MX" qchg="true"/><DA name="t" bType="Timestamp" fc="MX"/>
      <DA name="ctlModel" bType="Enum" type="CtlModelKind" fc="CF"/>
      <DA name="stepSize" bType="Struct" type="AnalogueValue" fc="CF"/>
      <DA name="minVal" bType="Struct" type="AnalogueValue" fc="CF"/>
      <DA name="maxVal" bType="Struct" type="AnalogueValue" fc="CF"/>
    </DOType>
    <DAType id="ENCOperate"><BDA name="ctlVal" bType="Enum" type="Beh"/>
      <BDA name="origin" bType="Struct" type="Originator"/><BDA name="ctlNum" bType="INT8U"/>
      <BDA name="T" bType="Timestamp"/><BDA name="Test" bType="BOOLEAN"/>
      <BDA name="Check" bType="Check"/></DAType>
    <DAType id="BSCOperate"><BDA name="ctlVal" bType="Tcmd"/>
      <BDA name="origin" bType="Struct" type="Originator"/><BDA name="ctlNum" bType="INT8U"/>
      <BDA name="T" bType="Timestamp"/><BDA name="Test" bType="BOOLEAN"/>
      <BDA name="Check" bType="Check"/></DAType>
    <DAType id="ISCOperate"><BDA name="ctlVal" bType="INT8"/>
      <BDA name="origin" bType="Struct" type="Originator"/><BDA name="ctlNum" bType="INT8U"/>
      <BDA name="T" bType="Timestamp"/><BDA name="Test" bType="BOOLEAN"/>
      <BDA name="Check" bType="Check"/></DAType>
    <DAType id="ValWithTrans"><BDA name="posVal" bType="INT8"/>
      <BDA name="transInd" bType="BOOLEAN"/></DAType>
    <DAType id="AnalogueValue"><BDA name="f" bType="FLOAT32"/></DAType>
    <DAType id="Originator"><BDA name="orCat" bType="Enum" type="OrCat"/>
      <BDA name="orIdent" bType="Octet64"/></DAType>
    <EnumType id="Beh"><EnumVal ord="1">on</EnumVal><EnumVal ord="2">blocked</EnumVal>
      <EnumVal ord="3">test</EnumVal><EnumVal ord="4">test/blocked</EnumVal>
      <EnumVal ord="5">off</EnumVal></EnumType>
    <EnumType id="CtlModelKind"><EnumVal ord="0">status-only</EnumVal>
      <EnumVal ord="1">direct-with-normal-security</EnumVal>
      <EnumVal ord="2">sbo-with-normal-security</EnumVal>
      <EnumVal ord="3">direct-with-enhanced-security</EnumVal>
      <EnumVal ord="4">sbo-with-enhanced-security</EnumVal></EnumType>
    <EnumType id="OrCat"><EnumVal ord="0">not-supported</EnumVal>
      <EnumVal ord="3">remote-control</EnumVal></EnumType>
  </DataTypeTemplates>
</SCL>
"""


def other_icd():
    d = tempfile.mkdtemp(prefix="iedd-sim-")
    path = os.path.join(d, "controls.icd")
    with open(path, "w") as f:
        f.write(OTHER_ICD)
    return path


class OtherCdcs(Base):
    """ENC (LLN0.Mod), BSC (a tap changer's step command), ISC (a tap
    position set directly), BAC (an analogue setpoint stepped)."""
    ARGS = ("--scl", other_icd())

    def test_enc_stval_follows_oper(self):
        self.assertEqual(self.read("SIMCLD0/LLN0.Mod.stVal[ST]"), "1")
        self.assert_commanded("SIMCLD0/LLN0.Mod", 5, "SIMCLD0/LLN0.Mod.stVal[ST]", "5",
                              stays=2 * SCAN)
        # off: the LD's other controls are blocked (Blocked-by-Mode)
        resp = self.c.operate("SIMCLD0/ATCC1.TapChg", 2)
        self.assertIn(WRITE_DENIED, resp, resp.hex())
        self.assert_commanded("SIMCLD0/LLN0.Mod", 1, "SIMCLD0/LLN0.Mod.stVal[ST]", "1",
                              stays=0)

    def test_bsc_steps_within_its_limits(self):
        pos = "SIMCLD0/ATCC1.TapChg.valWTr.posVal[ST]"
        self.assertEqual(self.read(pos), "0")
        higher, lower, stop = 2, 1, 0  # IEC 61850-7-3 Tcmd
        self.assert_commanded("SIMCLD0/ATCC1.TapChg", higher, pos, "1", stays=0)
        self.assert_commanded("SIMCLD0/ATCC1.TapChg", higher, pos, "2", stays=0)
        # higher at maxVal: Step-limit (LastApplError, object-value-invalid)
        self.c.unconfirmed.clear()
        resp = self.c.operate("SIMCLD0/ATCC1.TapChg", higher)
        self.assertIn(b"\xa5\x03\x80\x01\x0b", resp, resp.hex())
        self.assertEqual(len(self.c.unconfirmed), 1)
        self.assertIn(b"LastApplError", self.c.unconfirmed[0])
        self.assertEqual(self.read(pos), "2")
        self.assert_commanded("SIMCLD0/ATCC1.TapChg", stop, pos, "2", stays=0)
        self.assert_commanded("SIMCLD0/ATCC1.TapChg", lower, pos, "1", stays=2 * SCAN)
        # reserved (3) is refused: object-value-invalid, nothing moves
        resp = self.c.operate("SIMCLD0/ATCC1.TapChg", 3)
        self.assertIn(b"\xa5\x03\x80\x01\x0b", resp, resp.hex())
        self.assertEqual(self.read(pos), "1")
        self.assertEqual(self.read("SIMCLD0/ATCC1.TapChg.valWTr.transInd[ST]"), "false")

    def test_isc_posval_follows_oper(self):
        pos = "SIMCLD0/ATCC1.TapPos.valWTr.posVal[ST]"
        self.assertEqual(self.read(pos), "3")
        self.assert_commanded("SIMCLD0/ATCC1.TapPos", 9, pos, "9", stays=2 * SCAN)
        # outside minVal..maxVal: refused, the position stays
        resp = self.c.operate("SIMCLD0/ATCC1.TapPos", 18)
        self.assertIn(b"\xa5\x03\x80\x01\x0b", resp, resp.hex())
        self.assertEqual(self.read(pos), "9")

    def test_bac_steps_mxval(self):
        mx = "SIMCLD0/ATCC1.BndCtr.mxVal.f[MX]"
        self.assertEqual(self.read(mx), "1")
        self.assert_commanded("SIMCLD0/ATCC1.BndCtr", 2, mx, "1.25", stays=0)
        self.assert_commanded("SIMCLD0/ATCC1.BndCtr", 2, mx, "1.5", stays=0)
        # at maxVal.f: Step-limit, nothing moves
        resp = self.c.operate("SIMCLD0/ATCC1.BndCtr", 2)
        self.assertIn(b"\xa5\x03\x80\x01\x0b", resp, resp.hex())
        self.assertEqual(self.read(mx), "1.5")
        self.assert_commanded("SIMCLD0/ATCC1.BndCtr", 1, mx, "1.25", stays=2 * SCAN)


if __name__ == "__main__":
    main()
