# SPDX-License-Identifier: Apache-2.0
"""Reports and data sets with the real iedd and iedc (IEC 61850-7-2 §9,
§17; 8-1 §14, §17): a GI report, dchg reports driven by a client's write
and by the simulator, integrity reports, two clients and one URCB, an
association-specific data set on a URCB, the data set refusals, a BRCB
client that goes away, misses 100 changes and gets all of them back with
its EntryID, the same across SIGTERM and a restart, BufOvfl after SIGKILL,
and Wireshark's verdict on every PDU of it."""
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import IEDC, Daemon, Proxy, iedc, main

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(SRC, "etc", "sample.icd")

URCB = "IEDD1BAY/LLN0.RP.urcbMeas01"
BRCB = "IEDD1BAY/LLN0.BR.brcbStatus01"
CTL = "IEDD1BAY/LLN0.Mod.ctlModel[CF]"   # CF, dchg="true" in the sample's types
CTL_VALUES = ("1", "0")  # direct-with-normal-security, status-only (the sample has 0)


class Reporter:
    """`iedc report ... --json` running; its reports as dicts, line by line."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([IEDC, "report", *args, "--json"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if line:
                self.q.put(json.loads(line))
        self.q.put(None)

    def next(self, timeout=10.0):
        try:
            r = self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no report within %.0f s" % timeout)
        if r is None:
            raise AssertionError("iedc report ended: " + self.proc.stderr.read())
        return r

    def take(self, n, timeout=20.0):
        return [self.next(timeout) for _ in range(n)]

    def stop(self, sig=signal.SIGINT):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode


def ctl_sample(tmp):
    """The sample ICD with LLN0.Mod.ctlModel[CF] added to dsStatus (the
    BRCB's data set), so a client's write makes BRCB entries one by one."""
    with open(SAMPLE) as f:
        text = f.read()
    mark = '<FCDA ldInst="BAY" lnClass="XSWI" lnInst="1" doName="Pos" daName="q" fc="ST"/>'
    assert mark in text
    text = text.replace(mark, mark + '\n              <FCDA ldInst="BAY" lnClass="LLN0" '
                        'doName="Mod" daName="ctlModel" fc="CF"/>', 1)
    path = os.path.join(tmp, "ctl.icd")
    with open(path, "w") as f:
        f.write(text)
    return path


def preassigned_sample(tmp):
    """The sample ICD with RptEnabled/ClientLN: urcbMeas01 and brcbStatus01
    pre-assigned to SCADA at 127.0.0.1 (the tests' iedc), urcbMeas02 to
    REMOTE at 10.255.0.1 (IEC 61850-6 ClientLN, address from the
    Communication section)."""
    with open(SAMPLE) as f:
        text = f.read()
    aps = ('    <SubNetwork name="Ctl">'
           '<ConnectedAP iedName="SCADA" apName="S1"><Address><P type="IP">127.0.0.1</P>'
           '</Address></ConnectedAP>'
           '<ConnectedAP iedName="REMOTE" apName="S1"><Address><P type="IP">10.255.0.1</P>'
           '</Address></ConnectedAP></SubNetwork>\n  </Communication>')
    cl = '<ClientLN iedName="%s" apRef="S1" ldInst="LD0" lnClass="ITCI" lnInst="1"/>'
    for old, new in (("  </Communication>", aps),
                     ('<RptEnabled max="4"/>',
                      '<RptEnabled max="4">' + cl % "SCADA" + cl % "REMOTE" + '</RptEnabled>'),
                     ('<RptEnabled max="2"/>', '<RptEnabled max="2">' + cl % "SCADA" +
                      '</RptEnabled>')):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = os.path.join(tmp, "preassigned.icd")
    with open(path, "w") as f:
        f.write(text)
    return path


def enabled(d, rcb_attr):
    r = iedc("read", d.addr, rcb_attr)
    return r.returncode == 0 and r.stdout.strip() == "true"


def until_enabled(d, rcb, timeout=10.0):
    ref = rcb.replace(".RP.", ".").replace(".BR.", ".")
    fc = "[RP]" if ".RP." in rcb else "[BR]"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if enabled(d, ref + ".RptEna" + fc):
            return
        time.sleep(0.05)
    raise AssertionError(rcb + " not enabled")


class Reports(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iedd-rpt-")
        self.d = None
        self.reporters = []

    def tearDown(self):
        for r in self.reporters:
            r.stop()
        if self.d:
            self.d.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def reporter(self, *args):
        r = Reporter(*args)
        self.reporters.append(r)
        return r

    def test_gi(self):
        self.d = Daemon()
        r = iedc("report", self.d.addr, URCB, "--gi", "--trgops", "gi", "--count", "1", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        rep = json.loads(r.stdout.strip().splitlines()[0])
        self.assertEqual(rep["rptId"], "IEDD1BAY/LLN0$RP$urcbMeas")
        self.assertEqual(rep["dataSet"], "IEDD1BAY/LLN0.dsMeas")  # iedc writes it dotted
        self.assertEqual([m["index"] for m in rep["members"]], [0, 1, 2, 3, 4])
        self.assertTrue(all(m["reasons"] == ["gi"] for m in rep["members"]), rep)
        self.assertEqual(rep["members"][2]["ref"], "IEDD1BAY/MMXU1.Hz[MX]")
        # the URCB is free again: iedc disabled and released it
        r = iedc("read", self.d.addr, "IEDD1BAY/LLN0.urcbMeas01.Resv[RP]")
        self.assertEqual(r.stdout.strip(), "false", r.stderr)

    def test_dchg_by_client_write_on_aa_dataset(self):
        self.d = Daemon("--scl", SAMPLE)
        rep = self.reporter(self.d.addr, URCB, "--trgops", "dchg", "--dataset", CTL)
        until_enabled(self.d, URCB)
        for v in CTL_VALUES * 2:
            w = iedc("write", self.d.addr, CTL, v)
            self.assertEqual(w.returncode, 0, w.stderr)
            got = rep.next()
            self.assertTrue(got["dataSet"].startswith("@"), got)
            self.assertEqual(len(got["members"]), 1)
            self.assertEqual(got["members"][0]["reasons"], ["dchg"])
            self.assertEqual(str(got["members"][0]["value"]), v)
        # a second client cannot take the same URCB
        r = iedc("report", self.d.addr, URCB, "--count", "1")
        self.assertEqual(r.returncode, 7, r.stdout + r.stderr)
        self.assertIn("temporarily-unavailable", r.stderr)
        # the association's data set went with it, and the URCB's DatSet too
        self.assertEqual(rep.stop(), 0)
        r = iedc("read", self.d.addr, "IEDD1BAY/LLN0.urcbMeas01.DatSet[RP]")
        self.assertEqual(r.stdout.strip(), "", r.stderr)

    def test_dchg_by_simulator(self):
        # the simulator animates the measurands (controllable statuses stay
        # where they were commanded)
        self.d = Daemon("--simulate", "--simulate-speed", "20")
        r = iedc("report", self.d.addr, URCB, "--trgops", "dchg", "--count", "4", "--json",
                 timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        reps = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        self.assertEqual(len(reps), 4)
        self.assertEqual([x["sqNum"] for x in reps], [reps[0]["sqNum"] + i for i in range(4)])
        for x in reps:
            self.assertTrue(x["members"])
            self.assertTrue(all(m["reasons"] == ["dchg"] for m in x["members"]), x)

    def test_integrity(self):
        self.d = Daemon("--scl", SAMPLE)
        r = iedc("report", self.d.addr, URCB, "--trgops", "period", "--intgpd", "300",
                 "--count", "3", "--json", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        reps = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        self.assertEqual(len(reps), 3)
        for x in reps:
            self.assertEqual(len(x["members"]), 5)
            self.assertTrue(all(m["reasons"] == ["period"] for m in x["members"]), x)
        self.assertEqual([x["sqNum"] for x in reps], [reps[0]["sqNum"] + i for i in range(3)])

    def test_dataset_refusals(self):
        self.d = Daemon("--scl", SAMPLE)
        a = self.d.addr
        r = iedc("dataset", "delete", a, "IEDD1BAY/LLN0.dsMeas")
        self.assertEqual(r.returncode, 7)
        self.assertIn("object-access-denied", r.stderr)
        r = iedc("dataset", "create", a, "IEDD1BAY/LLN0.mine", "IEDD1BAY/XCBR1.Pos[ST]",
                 "IEDD1BAY/MMXU1.Hz[MX]")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = iedc("dataset", "create", a, "IEDD1BAY/LLN0.mine", "IEDD1BAY/XCBR1.Pos[ST]")
        self.assertEqual(r.returncode, 7)
        self.assertIn("object-exists", r.stderr)
        r = iedc("dataset", "create", a, "IEDD1BAY/LLN0.other", "IEDD1BAY/XCBR1.Nope[ST]")
        self.assertEqual(r.returncode, 7)
        self.assertIn("object-undefined", r.stderr)
        r = iedc("datasets", a, "IEDD1BAY")
        self.assertIn("mine", r.stdout)
        self.assertNotIn("other", r.stdout)
        # an RCB names it: not deletable until it does not
        w = iedc("write", a, "IEDD1BAY/LLN0.brcbStatus02.DatSet[BR]", "IEDD1BAY/LLN0$mine")
        self.assertEqual(w.returncode, 0, w.stderr)
        r = iedc("dataset", "delete", a, "IEDD1BAY/LLN0.mine")
        self.assertEqual(r.returncode, 7)
        self.assertIn("object-access-denied", r.stderr)
        w = iedc("write", a, "IEDD1BAY/LLN0.brcbStatus02.DatSet[BR]", "IEDD1BAY/LLN0$dsStatus")
        self.assertEqual(w.returncode, 0, w.stderr)
        r = iedc("dataset", "delete", a, "IEDD1BAY/LLN0.mine")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = iedc("datasets", a, "IEDD1BAY")
        self.assertNotIn("mine", r.stdout)

    def brcb_changes(self, n, first):
        """n writes of ctlModel alternating from CTL_VALUES[first]."""
        for i in range(n):
            w = iedc("write", self.d.addr, CTL, CTL_VALUES[(first + i) % 2])
            self.assertEqual(w.returncode, 0, w.stderr)

    def test_brcb_misses_100_and_resyncs(self):
        self.d = Daemon("--scl", ctl_sample(self.tmp))
        rep = self.reporter(self.d.addr, BRCB, "--trgops", "dchg")
        until_enabled(self.d, BRCB)
        self.brcb_changes(1, 0)
        last = rep.next()["entryId"]
        # the client goes without a word (a cable pulled)
        rep.stop(signal.SIGKILL)
        self.brcb_changes(100, 1)
        back = self.reporter(self.d.addr, BRCB, "--trgops", "dchg", "--entry-id", last)
        got = back.take(100)
        ids = [int(x["entryId"], 16) for x in got]
        self.assertEqual(ids, list(range(int(last, 16) + 1, int(last, 16) + 101)))
        for i, x in enumerate(got):
            self.assertEqual(str(x["members"][-1]["value"]), CTL_VALUES[(1 + i) % 2], (i, x))
            self.assertFalse(x.get("bufOvfl"), x)
        # and live ones after them
        self.brcb_changes(1, 1)
        self.assertEqual(int(back.next()["entryId"], 16), ids[-1] + 1)

    def test_preassigned_rcbs(self):
        """RptEnabled/ClientLN: an RCB pre-assigned to this client (by its
        IP address) is reserved from the start and usable at once; one
        pre-assigned to another client is refused to it."""
        scl = preassigned_sample(self.tmp)
        chk = subprocess.run([os.environ["IEDD"], "--scl", scl, "--check"],
                             capture_output=True, text=True)
        self.assertEqual(chk.returncode, 0, chk.stderr)
        self.assertNotIn("ClientLN", chk.stdout + chk.stderr)
        self.d = Daemon("--scl", scl)

        def read(ref):
            r = iedc("read", self.d.addr, ref)
            self.assertEqual(r.returncode, 0, r.stderr)
            return r.stdout.strip()
        # 7-2 Ed.2: a BRCB reserved by configuration reads ResvTms = -1;
        # a URCB reads Resv = true
        self.assertEqual(read("IEDD1BAY/LLN0.brcbStatus01.ResvTms[BR]"), "-1")
        self.assertEqual(read("IEDD1BAY/LLN0.brcbStatus02.ResvTms[BR]"), "0")
        self.assertEqual(read("IEDD1BAY/LLN0.urcbMeas01.Resv[RP]"), "true")
        self.assertEqual(read("IEDD1BAY/LLN0.urcbMeas03.Resv[RP]"), "false")
        # ours: a GI report at once
        r = iedc("report", self.d.addr, URCB, "--gi", "--trgops", "gi", "--count", "1",
                 "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout.strip().splitlines()[0])["members"]), 5)
        # still reserved for us by the configuration after iedc released it
        self.assertEqual(read("IEDD1BAY/LLN0.urcbMeas01.Resv[RP]"), "true")
        r = iedc("report", self.d.addr, BRCB, "--gi", "--trgops", "gi", "--count", "1",
                 "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        # another client's: refused, and left as it was
        r = iedc("write", self.d.addr, "IEDD1BAY/LLN0.urcbMeas02.RptEna[RP]", "true")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("temporarily-unavailable", r.stderr)
        self.assertEqual(read("IEDD1BAY/LLN0.urcbMeas02.RptEna[RP]"), "false")
        r = iedc("report", self.d.addr, "IEDD1BAY/LLN0.RP.urcbMeas02", "--gi", "--count", "1")
        self.assertNotEqual(r.returncode, 0, r.stdout)


class Referee(unittest.TestCase):
    """tshark decodes every InformationReport, DefineNamedVariableList,
    DeleteNamedVariableList and RCB write with no malformed packet and no
    expert warning."""

    def test_tshark(self):
        if not shutil.which("tshark"):
            self.skipTest("tshark is not installed (apt-get install tshark)")
        base = tempfile.mkdtemp(prefix="iedd-rpt-t-")
        d = Daemon("--scl", SAMPLE)
        px = Proxy(d.port)
        try:
            r = iedc("report", px.addr, URCB, "--gi", "--trgops", "gi", "--count", "1")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = iedc("report", px.addr, "IEDD1BAY/LLN0.RP.urcbMeas02", "--gi", "--count", "1",
                     "--trgops", "gi", "--max-pdu", "300", "--dataset", "IEDD1BAY/MMXU1.PhV[MX]",
                     "IEDD1BAY/MMXU1.A[MX]", "IEDD1BAY/MMXU1.Hz[MX]")
            self.assertEqual(r.returncode, 0, r.stderr)
            for args in (("create", px.addr, "IEDD1BAY/LLN0.t1", "IEDD1BAY/XCBR1.Pos[ST]"),
                         ("delete", px.addr, "IEDD1BAY/LLN0.t1"),
                         ("delete", px.addr, "IEDD1BAY/LLN0.dsMeas")):
                r = iedc("dataset", *args)
                self.assertIn(r.returncode, (0, 7), r.stderr)
            deadline = time.time() + 10
            while time.time() < deadline and len(px.conns) < 5:
                time.sleep(0.05)
            time.sleep(0.3)
        finally:
            px.close()
            d.stop()
        pcap = os.path.join(base, "reports.pcap")
        frames, bad, expert, detail = px.tshark(pcap, 102)
        self.assertNotIn("Malformed", frames)
        self.assertEqual(bad, [], expert)
        self.assertIn("informationReport", detail)
        for service in ("defineNamedVariableList", "deleteNamedVariableList", "write"):
            self.assertIn(f"confirmedServiceRequest: {service} ", detail, service)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
