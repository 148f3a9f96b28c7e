# SPDX-License-Identifier: Apache-2.0
"""The simulated plant behind the control model (issue 13): a DPC's
command travels through intermediate-state 00 before the end position and
enhanced security then ends with CommandTermination+; an object made to
fail on purpose (the sim hold's fail=) gives the client's failure paths:
fail=refuse a LastApplError Blocked-by-process before the negative Write
response, fail=stuck and fail=intermediate a CommandTermination- with
AddCause Time-limit-over once operTimeout is over.

The Oper writes and the InformationReports come through test_simulate's
Controls (a raw association). No absolute timing is asserted: the travel
is made long (--simulate-speed, travelMs) and the status is polled."""
import os
import tempfile
import time
import unittest

from harness import Daemon, main, mms_of
from test_simulate import SAMPLE, WRITE_DENIED, WRITE_OK, Controls

OPER_TIMEOUT_MS = 1500
BAY = "IEDD1BAY"


def ber(b, i=0, end=None):
    """The TLVs of b[i:end] as (tag, value bytes, children or None)."""
    end = len(b) if end is None else end
    out = []
    while i < end:
        tag = b[i]
        n = b[i + 1]
        j = i + 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[j:j + k], "big")
            j += k
        v = b[j:j + n]
        out.append((tag, v, ber(v) if tag & 0x20 else None))
        i = j + n
    return out


def walk(nodes):
    for n in nodes:
        yield n
        if n[2]:
            yield from walk(n[2])


def last_appl_error(mms):
    """{CntrlObj, AddCause} of the LastApplError structure in an
    InformationReport, or None: the structure whose first component is a
    VisibleString naming a CO variable."""
    for tag, v, kids in walk(ber(mms)):
        if tag == 0xA2 and kids and len(kids) == 5 and kids[0][0] == 0x8A:
            return {"CntrlObj": kids[0][1].decode(), "AddCause": int.from_bytes(
                kids[4][1], "big", signed=True)}
    return None


def scl_copy(dirname, oper_timeout_ms=OPER_TIMEOUT_MS,
             xswi_model="direct-with-enhanced-security"):
    """The sample with an operTimeout on its DPCs and XSWI1.Pos given
    another ctlModel."""
    with open(SAMPLE) as f:
        text = f.read()
    dpc = '<DA name="sboTimeout" bType="INT32U" fc="CF"/>'
    assert dpc in text
    text = text.replace(dpc, dpc + f'\n      <DA name="operTimeout" bType="INT32U" fc="CF">'
                        f'<Val>{oper_timeout_ms}</Val></DA>', 1)
    xswi = "<Val>direct-with-normal-security</Val></DAI>\n            </DOI>"
    assert xswi in text
    text = text.replace(xswi, f"<Val>{xswi_model}</Val></DAI>\n            </DOI>", 1)
    path = os.path.join(dirname, "plant.icd")
    with open(path, "w") as f:
        f.write(text)
    return path


class PlantCase(unittest.TestCase):
    def tearDown(self):
        if getattr(self, "c", None):
            self.c.stop()

    def wait_report(self, item, timeout=15):
        """The InformationReport naming (IEDD1BAY, item) that has come or
        comes within `timeout` s (a CommandTermination), or fails."""
        want = item.encode()
        end = time.time() + timeout
        while True:
            for m in self.c.unconfirmed:
                if want in m:
                    self.c.unconfirmed.remove(m)
                    return m
            if time.time() > end:
                self.fail(f"no report of {item}\n" + self.c.d.log())
            pkt = self.c.p.recv_tpkt()
            if pkt is None:
                continue
            mms = mms_of(pkt)
            if mms and mms[0] == 0xA3:
                self.c.unconfirmed.append(mms)

    def assert_terminated(self, item, ok, add_cause=None):
        m = self.wait_report(item)
        if ok:
            self.assertNotIn(b"LastApplError", m)
            self.assertIsNone(last_appl_error(m))
        else:
            self.assertIn(b"LastApplError", m)
            lae = last_appl_error(m)
            self.assertIsNotNone(lae, m.hex())
            self.assertEqual(lae["CntrlObj"], f"{BAY}/{item}")
            self.assertEqual(lae["AddCause"], add_cause, m.hex())

    def travel(self, do, val, end, timeout=15):
        """Oper of do with ctlVal val is taken; the status reads 00 first,
        then `end`; the reads are returned."""
        st = do + ".stVal[ST]"
        self.assertIn(WRITE_OK, self.c.operate(do, val), self.c.d.log())
        seen = [self.c.read(st)]
        stop = time.time() + timeout
        while seen[-1] != end and time.time() < stop:
            time.sleep(0.05)
            seen.append(self.c.read(st))
        self.assertEqual(seen[0], "00", f"{st}: {seen}")
        self.assertEqual(seen[-1], end, f"{st}: {seen}\n" + self.c.d.log())
        return seen


class DefaultTravel(PlantCase):
    """iedd --simulate on the sample: XCBR1.Pos (sbo-with-enhanced-security)
    travels its default 60 ms of simulated time, 1.5 s at
    --simulate-speed 0.04, then CommandTermination+."""

    def test_breaker_passes_intermediate_then_terminates(self):
        self.c = Controls()
        self.c.start("--simulate-speed", "0.04")
        self.assertEqual(self.c.read(f"{BAY}/XCBR1.Pos.stVal[ST]"), "10")
        self.travel(f"{BAY}/XCBR1.Pos", False, "01")
        self.assert_terminated("XCBR1$CO$Pos$Oper", True)
        # and back on
        self.travel(f"{BAY}/XCBR1.Pos", True, "10")
        self.assert_terminated("XCBR1$CO$Pos$Oper", True)


class MapFailures(PlantCase):
    """A user's map to the sim plugin with fail= on the hold rows (works
    without --simulate): XCBR1.Pos stuck, XSWI1.Pos (direct-with-enhanced-
    security here) stopping in 00, XCBR1.BlkOpn refusing."""
    MAP = (
        "reference,source,address,scale,offset,direction,scanClass,type\n"
        f'{BAY}/XCBR1.Pos.Oper.ctlVal[CO],sim,"hold:name=cb,false=1,true=2,travel=60,'
        'fail=stuck",,,w,,\n'
        f'{BAY}/XCBR1.Pos.stVal[ST],sim,"hold:name=cb,start=2",,,r,,\n'
        f'{BAY}/XSWI1.Pos.Oper.ctlVal[CO],sim,"hold:name=ds,false=1,true=2,travel=60,'
        'fail=intermediate",,,w,,\n'
        f'{BAY}/XSWI1.Pos.stVal[ST],sim,"hold:name=ds,start=2",,,r,,\n'
        f'{BAY}/XCBR1.BlkOpn.Oper.ctlVal[CO],sim,"hold:name=blk,fail=refuse",,,w,,\n'
        f'{BAY}/XCBR1.BlkOpn.stVal[ST],sim,"hold:name=blk,start=false",,,r,,\n'
        f'{BAY}/XCBR1.BlkCls.Oper.ctlVal[CO],sim,"hold:name=bc,fail=every:2",,,w,,\n'
        f'{BAY}/XCBR1.BlkCls.stVal[ST],sim,"hold:name=bc,start=false",,,r,,\n')

    def setUp(self):
        d = tempfile.mkdtemp(prefix="iedd-plant-")
        scl = scl_copy(d)
        with open(os.path.join(d, "plant.csv"), "w") as f:
            f.write(self.MAP)
        cfg = ('<iedd xmlns="urn:iedd:config:1">\n'
               f'  <scl file="{scl}"/>\n'
               f'  <map file="{os.path.join(d, "plant.csv")}" period="100"/>\n'
               '  <sources><source name="sim" plugin="sim"/></sources>\n'
               '</iedd>\n')
        self.c = Controls()
        self.c.start(config=cfg, simulate=False)

    def test_stuck_ends_with_time_limit_over(self):
        st = f"{BAY}/XCBR1.Pos.stVal[ST]"
        self.assertIn(WRITE_OK, self.c.operate(f"{BAY}/XCBR1.Pos", False), self.c.d.log())
        self.assert_terminated("XCBR1$CO$Pos$Oper", False, 16)  # Time-limit-over
        self.assertEqual(self.c.read(st), "10")  # it never moved

    def test_intermediate_stays_in_00(self):
        st = f"{BAY}/XSWI1.Pos.stVal[ST]"
        self.assertEqual(self.c.read(f"{BAY}/XSWI1.Pos.ctlModel[CF]"), "3")
        self.assertIn(WRITE_OK, self.c.operate(f"{BAY}/XSWI1.Pos", False), self.c.d.log())
        self.assertEqual(self.c.read(st), "00")
        self.assert_terminated("XSWI1$CO$Pos$Oper", False, 16)
        self.assertEqual(self.c.read(st), "00")  # a bad position, still

    def test_refuse_gives_last_appl_error_first(self):
        self.c.unconfirmed.clear()
        resp = self.c.operate(f"{BAY}/XCBR1.BlkOpn", True)
        self.assertIn(WRITE_DENIED, resp, resp.hex())
        # the LastApplError came before the Write response
        self.assertEqual(len(self.c.unconfirmed), 1, self.c.d.log())
        lae = last_appl_error(self.c.unconfirmed[0])
        self.assertEqual(lae, {"CntrlObj": f"{BAY}/XCBR1$CO$BlkOpn$Oper", "AddCause": 9})
        self.assertEqual(self.c.read(f"{BAY}/XCBR1.BlkOpn.stVal[ST]"), "false")

    def test_every_second_operate_refused(self):
        st = f"{BAY}/XCBR1.BlkCls.stVal[ST]"
        self.assertIn(WRITE_OK, self.c.operate(f"{BAY}/XCBR1.BlkCls", True))
        self.assertEqual(self.c.read(st), "true")
        self.assertIn(WRITE_DENIED, self.c.operate(f"{BAY}/XCBR1.BlkCls", False))
        self.assertEqual(self.c.read(st), "true")
        self.assertIn(WRITE_OK, self.c.operate(f"{BAY}/XCBR1.BlkCls", False))
        self.assertEqual(self.c.read(st), "false")


def simulate_config_wired():
    """Whether iedd passes <simulate><control/></simulate> to the --simulate
    map (daemon/main.c): a control naming no object then stops the start."""
    cfg = ('<iedd xmlns="urn:iedd:config:1"><simulate>'
           '<control ref="NOLD/NOLN1.Pos" fail="stuck"/></simulate></iedd>\n')
    try:
        Daemon(config=cfg).stop()
    except RuntimeError as e:
        return "is no controllable data object" in str(e)
    return False


class SimulateConfig(PlantCase):
    """<simulate travelMs><control ref fail/></simulate> in iedd.xml: the
    DPCs travel 2 s (within an operTimeout of 5 s); XSWI1.Pos
    (direct-with-enhanced-security) is stuck; XCBR1.BlkOpn refuses."""

    @classmethod
    def setUpClass(cls):
        if not simulate_config_wired():
            raise unittest.SkipTest("iedd does not pass <simulate> settings to the simulator "
                                    "yet (daemon/main.c: pv_simulate_map_cfg)")

    def setUp(self):
        d = tempfile.mkdtemp(prefix="iedd-plant-")
        scl = scl_copy(d, oper_timeout_ms=5000)
        cfg = ('<iedd xmlns="urn:iedd:config:1">\n'
               f'  <scl file="{scl}"/>\n'
               '  <simulate travelMs="2000">\n'
               f'    <control ref="{BAY}/XSWI1.Pos" fail="stuck"/>\n'
               f'    <control ref="{BAY}/XCBR1.BlkOpn" fail="refuse"/>\n'
               '  </simulate>\n'
               '</iedd>\n')
        self.c = Controls()
        self.c.start(config=cfg)

    def test_breaker_travels_2s_then_terminates(self):
        self.travel(f"{BAY}/XCBR1.Pos", False, "01")
        self.assert_terminated("XCBR1$CO$Pos$Oper", True)

    def test_stuck_and_refuse(self):
        self.assertIn(WRITE_OK, self.c.operate(f"{BAY}/XSWI1.Pos", False), self.c.d.log())
        self.assert_terminated("XSWI1$CO$Pos$Oper", False, 16)
        self.assertEqual(self.c.read(f"{BAY}/XSWI1.Pos.stVal[ST]"), "10")
        self.c.unconfirmed.clear()
        self.assertIn(WRITE_DENIED, self.c.operate(f"{BAY}/XCBR1.BlkOpn", True))
        self.assertEqual(last_appl_error(self.c.unconfirmed[0])["AddCause"], 9)


if __name__ == "__main__":
    main()
