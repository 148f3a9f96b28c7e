# SPDX-License-Identifier: Apache-2.0
"""GOOSE end to end (issue 14): two iedd in two network namespaces joined by
a veth pair that this test creates. The publisher serves
../shared/scl/simpleIO_direct_control_goose.cid (SCL 2003, two GoCBs with
VLAN 1 priority 4, APPID 0x1000); the subscriber is an IED "SUB" that this
test adds to a copy of that file, with Ed.1 ExtRefs (no srcCBName, resolved
through the publisher's GSEControl) whose intAddr are its own GGIO1.Ind1/2.
A command on the publisher reaches the subscriber's model and is read back
over MMS; stopping the publisher makes the inputs invalid after
timeAllowedtoLive; a publisher with another confRev is refused; every
published frame decodes in tshark as GOOSE with the configured fields and
no malformed packet or expert warning. Also the MessageBindingGOOSE2007B4
IEDs publish with their own addresses (VLAN 5, APPID 0x0010).
Skipped (with the reason) where network namespaces cannot be made."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import Daemon, bits_of, main, skip_all, IEDC
import netns

SCL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                       "scl")
SIMPLE = os.path.join(SCL_DIR, "simpleIO_direct_control_goose.cid")
BINDING = os.path.join(SCL_DIR, "MessageBindingGOOSE2007B4.scd")

SUB_IED = """
  <IED name="SUB">
    <AccessPoint name="ap1">
      <Server>
        <Authentication />
        <LDevice inst="GenericIO">
          <LN0 lnClass="LLN0" lnType="LLN01" inst="" />
          <LN lnClass="LPHD" lnType="LPHD1" inst="1" prefix="" />
          <LN lnClass="GGIO" lnType="GGIO1" inst="1" prefix="">
            <Inputs>
              <ExtRef iedName="simpleIO" ldInst="GenericIO" lnClass="GGIO" lnInst="1"
                      doName="SPCSO1" daName="stVal" intAddr="Ind1.stVal" />
              <ExtRef iedName="simpleIO" ldInst="GenericIO" lnClass="GGIO" lnInst="1"
                      doName="SPCSO1" daName="q" intAddr="Ind1.q" />
              <ExtRef iedName="simpleIO" ldInst="GenericIO" lnClass="GGIO" lnInst="1"
                      doName="SPCSO2" daName="stVal" intAddr="GenericIO/GGIO1.Ind2.stVal" />
              <ExtRef iedName="simpleIO" ldInst="GenericIO" lnClass="GGIO" lnInst="1"
                      doName="SPCSO2" daName="q" intAddr="GenericIO/GGIO1.Ind2.q" />
            </Inputs>
          </LN>
        </LDevice>
      </Server>
    </AccessPoint>
  </IED>
"""

GOCB = "simpleIOGenericIO/LLN0$GO$gcbEvents"
PUB_LD = "simpleIOGenericIO"
SUB_LD = "SUBGenericIO"


def pair(case):
    """A namespace pair for `case`, or the case is skipped with the reason."""
    try:
        return netns.NetnsPair(prefix="iedd-gse", on_fail="raise").open()
    except RuntimeError as e:
        case.skipTest(str(e))


def scd_with_sub(text):
    """simpleIO's file with the subscribing IED added after simpleIO's."""
    at = text.index("<DataTypeTemplates")
    return text[:at] + SUB_IED + text[at:]


class Goose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="iedd-goose-")
        with open(SIMPLE) as f:
            cls.simple = f.read()
        cls.scd = os.path.join(cls.dir, "pub_sub.scd")
        with open(cls.scd, "w") as f:
            f.write(scd_with_sub(cls.simple))

    def setUp(self):
        self.pair = pair(self)
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
        self.pair.close()

    def daemon(self, ns, iface, *args):
        d = Daemon("--goose-interface", iface, *args, wrap=["ip", "netns", "exec", ns])
        self.daemons.append(d)
        return d

    def iedc(self, ns, *args, timeout=30):
        return subprocess.run(["ip", "netns", "exec", ns, IEDC, *args], capture_output=True,
                              text=True, timeout=timeout)

    def read(self, ns, d, ref):
        r = self.iedc(ns, "read", d.addr, ref)
        self.assertEqual(r.returncode, 0, r.stderr)
        return bits_of(r.stdout.strip())

    def wait_value(self, ns, d, ref, want, timeout=10):
        deadline = time.time() + timeout
        v = None
        while time.time() < deadline:
            v = self.read(ns, d, ref)
            if v == want:
                return v
            time.sleep(0.1)
        self.fail(f"{ref} is {v!r}, expected {want!r}\nsubscriber log:\n" +
                  self.daemons[-1].log()[-3000:])

    def start_pair(self, pub_scl=None, pub_args=()):
        p = self.pair
        pub = self.daemon(p.nsa, p.ifa, "--scl", pub_scl or SIMPLE, "--simulate", *pub_args)
        # Ind3 from a `goose` row of the map (member 4 of Events3: SPCSO3.stVal)
        csv = os.path.join(self.dir, "sub-map.csv")
        with open(csv, "w") as f:
            f.write("reference,source,address\n"
                    f"{SUB_LD}/GGIO1.Ind3.stVal[ST],goose,{GOCB}:1000:4\n")
        sub = self.daemon(p.nsb, p.ifb, "--scl", self.scd, "--ied", "SUB", "--map", csv)
        return pub, sub

    def test_command_reaches_subscriber(self):
        pub, sub = self.start_pair()
        self.assertIn("GOOSE on", pub.log())
        self.assertIn("subscription", sub.log())
        # the first frames make the inputs valid: Ind1.q good
        self.wait_value(self.pair.nsb, sub, f"{SUB_LD}/GGIO1.Ind1.q[ST]", "0000000000000")
        for val, want in (("true", "true"), ("false", "false"), ("true", "true")):
            r = self.iedc(self.pair.nsa, "control", pub.addr, f"{PUB_LD}/GGIO1.SPCSO1", val)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.wait_value(self.pair.nsb, sub, f"{SUB_LD}/GGIO1.Ind1.stVal[ST]", want)
        r = self.iedc(self.pair.nsa, "control", pub.addr, f"{PUB_LD}/GGIO1.SPCSO2", "true")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.wait_value(self.pair.nsb, sub, f"{SUB_LD}/GGIO1.Ind2.stVal[ST]", "true")
        r = self.iedc(self.pair.nsa, "control", pub.addr, f"{PUB_LD}/GGIO1.SPCSO3", "true")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.wait_value(self.pair.nsb, sub, f"{SUB_LD}/GGIO1.Ind3.stVal[ST]", "true")

    def test_publisher_gone_inputs_invalid(self):
        pub, sub = self.start_pair()
        ref = f"{SUB_LD}/GGIO1.Ind1.q[ST]"
        self.wait_value(self.pair.nsb, sub, ref, "0000000000000")
        pub.stop()
        # TAL is at most 2 x MaxTime (3 s) for this GoCB: invalid within 10 s
        deadline = time.time() + 10
        q = None
        while time.time() < deadline:
            q = self.read(self.pair.nsb, sub, ref)
            if q[:2] == "11" and q[7] == "1":
                break
            time.sleep(0.2)
        # questionable + oldData: the last value received, stale
        self.assertEqual((q[:2], q[7]), ("11", "1"),
                         f"validity of {ref} after the publisher stopped: {q}")

    def wait_stale(self, d, ref, timeout=10):
        """Waits for questionable + oldData (TAL ran out) in ref's quality."""
        deadline = time.time() + timeout
        q = None
        while time.time() < deadline:
            q = self.read(self.pair.nsb, d, ref)
            if q[:2] == "11" and q[7] == "1":
                return q
            time.sleep(0.2)
        self.fail(f"{ref} is {q}, expected questionable + oldData")

    def test_link_down_then_up(self):
        pub, sub = self.start_pair()
        ref = f"{SUB_LD}/GGIO1.Ind1.q[ST]"
        self.wait_value(self.pair.nsb, sub, ref, "0000000000000")
        self.pair.link("a", False)      # unplugged: no frame reaches the subscriber
        self.wait_stale(sub, ref)
        self.pair.link("a", True)       # the next retransmission makes it valid again
        self.wait_value(self.pair.nsb, sub, ref, "0000000000000", timeout=15)

    def test_goena_written_over_mms(self):
        pub, sub = self.start_pair()
        goena = f"{PUB_LD}/LLN0.gcbEvents.GoEna[GO]"
        ref = f"{SUB_LD}/GGIO1.Ind1.q[ST]"
        self.wait_value(self.pair.nsb, sub, ref, "0000000000000")
        self.assertEqual(self.read(self.pair.nsa, pub, goena), "true")
        r = self.iedc(self.pair.nsa, "write", pub.addr, goena, "false")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.read(self.pair.nsa, pub, goena), "false")
        self.wait_stale(sub, ref)
        # ConfRev is read-only (8-1): refused
        r = self.iedc(self.pair.nsa, "write", pub.addr, f"{PUB_LD}/LLN0.gcbEvents.ConfRev[GO]", "7")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("object-access-denied", r.stdout + r.stderr)
        r = self.iedc(self.pair.nsa, "write", pub.addr, goena, "true")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.wait_value(self.pair.nsb, sub, ref, "0000000000000")

    def test_wrong_confrev_refused(self):
        bad = os.path.join(self.dir, "confrev3.cid")
        with open(bad, "w") as f:
            f.write(self.simple.replace('datSet="Events3" confRev="2"',
                                        'datSet="Events3" confRev="3"'))
        pub, sub = self.start_pair(pub_scl=bad)
        r = self.iedc(self.pair.nsa, "control", pub.addr, f"{PUB_LD}/GGIO1.SPCSO1", "true")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        time.sleep(1.5)
        self.assertTrue(sub.wait_log("confRev", 5), sub.log()[-3000:])
        self.assertEqual(self.read(self.pair.nsb, sub, f"{SUB_LD}/GGIO1.Ind1.stVal[ST]"), "false")
        self.assertEqual(self.read(self.pair.nsb, sub, f"{SUB_LD}/GGIO1.Ind1.q[ST]")[:2], "01")


def tshark_fields(pcap):
    fields = ["eth.dst", "vlan.id", "vlan.priority", "goose.appid", "goose.gocbRef",
              "goose.datSet", "goose.goID", "goose.confRev", "goose.stNum", "goose.sqNum",
              "goose.timeAllowedtoLive", "goose.numDatSetEntries"]
    r = subprocess.run(["tshark", "-r", pcap, "-Y", "goose", "-T", "fields",
                        *sum((["-e", f] for f in fields), []), "-E", "separator=|"],
                       capture_output=True, text=True)
    return [dict(zip(fields, l.split("|"))) for l in r.stdout.splitlines() if l.strip()]


def tshark_problems(pcap):
    expert = subprocess.run(["tshark", "-r", pcap, "-q", "-z", "expert,warn"],
                            capture_output=True, text=True).stdout
    bad = [l for l in expert.splitlines()
           if l.strip() and ("Warning" in l or "Error" in l) and "Protocol" not in l]
    detail = subprocess.run(["tshark", "-r", pcap, "-V"], capture_output=True, text=True).stdout
    return bad + [l.strip() for l in detail.splitlines() if "Malformed" in l]


class Referee(unittest.TestCase):
    """tshark on the subscriber's side of the veth pair."""

    def setUp(self):
        if not shutil.which("tshark"):
            self.skipTest("tshark is not installed (scripts/setup.sh --test installs it)")
        self.pair = pair(self)
        self.d = None
        self.dir = tempfile.mkdtemp(prefix="iedd-goose-")

    def tearDown(self):
        if self.d:
            self.d.stop()
        self.pair.close()

    def capture(self, scl, ied=None, seconds=4):
        p = self.pair
        pcap = os.path.join(self.dir, "cap.pcap")
        cap = subprocess.Popen(["ip", "netns", "exec", p.nsb, "tshark", "-q", "-i", p.ifb,
                                "-w", pcap, "-f", "ether proto 0x88b8 or vlan"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.5)     # tshark starts capturing
        args = ["--scl", scl, "--simulate", "--simulate-speed", "10"] + (["--ied", ied] if ied else [])
        self.d = Daemon("--goose-interface", p.ifa, *args, wrap=p.wrap("a"))
        time.sleep(seconds)
        self.d.stop()
        self.d = None
        time.sleep(0.5)
        cap.terminate()
        cap.wait(10)
        return pcap

    def test_simpleio_frames(self):
        pcap = self.capture(SIMPLE)
        frames = tshark_fields(pcap)
        self.assertGreater(len(frames), 2, "no GOOSE frames captured")
        self.assertEqual(tshark_problems(pcap), [])
        refs = {f["goose.gocbRef"] for f in frames}
        self.assertEqual(refs, {"simpleIOGenericIO/LLN0$GO$gcbEvents",
                                "simpleIOGenericIO/LLN0$GO$gcbAnalogValues"})
        for f in frames:
            self.assertEqual(f["eth.dst"], "01:0c:cd:01:00:01")
            self.assertEqual(f["vlan.id"], "1")
            self.assertEqual(f["vlan.priority"], "4")
            self.assertEqual(int(f["goose.appid"], 0), 0x1000)
            self.assertEqual(f["goose.confRev"], "2")
            if f["goose.gocbRef"].endswith("gcbEvents"):
                self.assertEqual(f["goose.datSet"], "simpleIOGenericIO/LLN0$Events3")
                self.assertEqual(f["goose.goID"], "events")
                self.assertEqual(f["goose.numDatSetEntries"], "8")
            else:
                self.assertEqual(f["goose.datSet"], "simpleIOGenericIO/LLN0$AnalogValues")
                self.assertEqual(f["goose.goID"], "analog")
                self.assertEqual(f["goose.numDatSetEntries"], "4")

    def test_message_binding_frames(self):
        pcap = self.capture(BINDING, ied="IED1")
        frames = tshark_fields(pcap)
        self.assertGreater(len(frames), 0, "no GOOSE frames captured")
        self.assertEqual(tshark_problems(pcap), [])
        gcb = [f for f in frames if f["goose.gocbRef"].endswith("$GO$GCB")]
        self.assertTrue(gcb, {f["goose.gocbRef"] for f in frames})
        for f in gcb:
            self.assertEqual(f["eth.dst"], "01:0c:cd:01:00:10")
            self.assertEqual(f["vlan.id"], "5")
            self.assertEqual(f["vlan.priority"], "4")
            self.assertEqual(int(f["goose.appid"], 0), 0x0010)


class MapRows(unittest.TestCase):
    """`goose` rows of the CSV map (schemas/map-format.md "GOOSE inputs"),
    checked by iedd --check: no network needed."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="iedd-goose-map-")
        with open(SIMPLE) as f:
            cls.scd = os.path.join(cls.dir, "pub_sub.scd")
            with open(cls.scd, "w") as g:
                g.write(scd_with_sub(f.read()))

    def check(self, rows, sources=False):
        csv = os.path.join(self.dir, "map.csv")
        with open(csv, "w") as f:
            f.write("reference,source,address\n" + "".join(r + "\n" for r in rows))
        cfg = os.path.join(self.dir, "iedd.xml")
        with open(cfg, "w") as f:
            f.write('<iedd xmlns="urn:iedd:config:1">\n'
                    f'<scl file="{self.scd}" ied="SUB"/>\n<map file="{csv}"/>\n'
                    + ('<sources><source name="s" plugin="sim"/></sources>\n' if sources else "")
                    + "</iedd>\n")
        r = subprocess.run([os.environ["IEDD"], "-c", cfg, "--check"], capture_output=True,
                           text=True, timeout=30)
        return r.returncode, r.stdout + r.stderr, csv

    IND3 = "SUBGenericIO/GGIO1.Ind3.stVal[ST]"
    EVENTS = "simpleIOGenericIO/LLN0$GO$gcbEvents"

    def test_good_row(self):
        rc, out, _ = self.check([f"{self.IND3},goose,{self.EVENTS}:1000:4"])
        self.assertEqual(rc, 0, out)

    def test_refusals(self):
        cases = [
            (f"{self.IND3},goose,{self.EVENTS}:1000:8", "has 8 member(s)"),
            (f"{self.IND3},goose,{self.EVENTS}:2000:4", "the SCL gives"),
            (f"{self.IND3},goose,gcbEvents-1000-4", "expected GOCBREF:APPID:MEMBER"),
            (f"{self.IND3},goose,{self.EVENTS}:xyz:4", "expected GOCBREF:APPID:MEMBER"),
            (f"SUBGenericIO/GGIO1.Nope.stVal[ST],goose,{self.EVENTS}:1000:4", "names no attribute"),
            (f"{self.IND3},goose,LD/LLN0.gcb:1000:4", "is not LD/LLN0$GO$name"),
        ]
        for row, want in cases:
            rc, out, csv = self.check([row])
            self.assertNotEqual(rc, 0, row)
            self.assertIn(want, out, row)
            self.assertIn(f"{csv}:2:", out, row)

    def test_source_may_not_write_a_goose_target(self):
        # Ind1.stVal is an ExtRef's intAddr
        rc, out, csv = self.check(["SUBGenericIO/GGIO1.Ind1.stVal[ST],s,sine:period=2"],
                                  sources=True)
        self.assertNotEqual(rc, 0, out)
        self.assertIn(f"{csv}:2:1: SUBGenericIO/GGIO1.Ind1.stVal[ST] is the target of a GOOSE input",
                      out)
        # and a goose row's target too
        rc, out, csv = self.check([f"{self.IND3},goose,{self.EVENTS}:1000:4",
                                   f"{self.IND3},s,sine:period=2"], sources=True)
        self.assertNotEqual(rc, 0, out)
        self.assertIn(f"{csv}:3:1:", out)


if __name__ == "__main__":
    main()
