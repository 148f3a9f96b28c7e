# SPDX-License-Identifier: Apache-2.0
"""Commands reach the plant (issue 13): the real iedd, the real iedc
control, and real sources. A control of the sample's XCBR1.BlkOpn (SPC,
direct-with-normal-security) through its Oper.ctlVal map row to a coil of
a libmodbus server, the status reading the coil back; and an
enhanced-security control of XSWI1.Pos through a shared-memory point, the
"application" answering with the position in another point (its feedback):
CommandTermination+ when it answers, CommandTermination- Time-limit-over
(operTimeout from <controls>) when it does not."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import IEDC, Daemon, DaemonCase, free_port, iedc, main, write_file as write  # noqa

IEDD_SHM = os.environ.get("IEDD_SHM")
MB_SERVER = os.environ.get("PVRT_MB_SERVER")
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(SRC, "etc", "sample.icd")
HEADER = "reference,source,address,scale,offset,direction,scanClass\n"
REFUSED = 7


def config(map_path, sources, scl=None, extra=""):
    s = f'<scl file="{scl}"/>' if scl else ""
    return f"""<iedd xmlns="urn:iedd:config:1">
  {s}
  <map file="{map_path}" period="100"/>
  <sources>{sources}</sources>
  {extra}
</iedd>
"""


class Base(DaemonCase):
    prefix = "ctlplant-"

    def wait_value(self, ref, want, timeout=10.0):
        end = time.time() + timeout
        v = None
        while time.time() < end:
            v = self.read(ref)
            if v == want:
                return v
            time.sleep(0.05)
        self.fail(f"{ref} is {v}, expected {want}\n" + self.d.log())


@unittest.skipUnless(MB_SERVER, "libmodbus not found")
class ModbusCoil(Base):
    def coils(self):
        with open(self.state) as f:
            f.readline()
            return [int(x) for x in f.readline().split()]

    def test_spc_operates_a_coil(self):
        port = free_port()
        self.state = os.path.join(self.dir, "regs")
        srv = subprocess.Popen([MB_SERVER, str(port), self.state], stdout=subprocess.PIPE,
                               text=True)
        self.addCleanup(lambda: srv.poll() is None and (srv.kill(), srv.wait()))
        self.assertEqual(srv.stdout.readline().strip(), "listening")
        srv.stdout.close()
        m = write(os.path.join(self.dir, "m.csv"), HEADER +
                  "IEDD1BAY/XCBR1.BlkOpn.Oper.ctlVal[CO],mb,coil:3,,,w,\n"
                  "IEDD1BAY/XCBR1.BlkOpn.stVal[ST],mb,coil:3,,,r,\n")
        self.d = Daemon(config=config(
            m, f'<source name="mb" plugin="modbus"><param name="host" value="127.0.0.1"/>'
               f'<param name="port" value="{port}"/></source>'))
        st = "IEDD1BAY/XCBR1.BlkOpn.stVal[ST]"
        self.wait_value(st, "false")
        r = iedc("control", self.d.addr, "IEDD1BAY/XCBR1.BlkOpn", "true")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.d.log())
        end = time.time() + 10
        while time.time() < end and self.coils()[3] != 1:
            time.sleep(0.05)
        self.assertEqual(self.coils()[3], 1, "the coil was not set")
        self.wait_value(st, "true")
        # the status shows the command's originator and number
        self.assertEqual(self.read("IEDD1BAY/XCBR1.BlkOpn.q[ST]")[:2], "00")
        r = iedc("control", self.d.addr, "IEDD1BAY/XCBR1.BlkOpn", "false")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.wait_value(st, "false")
        self.assertIn("control operate IEDD1BAY/XCBR1.BlkOpn from 127.0.0.1", self.d.log())


@unittest.skipUnless(IEDD_SHM, "iedd-shm not built")
class ShmFeedback(Base):
    def setUp(self):
        super().setUp()
        self.seg = f"/iedd-ctlplant-{os.getpid()}"
        self.addCleanup(lambda: os.path.exists("/dev/shm" + self.seg) and
                        os.unlink("/dev/shm" + self.seg))
        with open(SAMPLE) as f:
            text = f.read()
        # XSWI1.Pos: direct-with-enhanced-security (operTimeout: <controls>)
        at = text.index('<LN lnClass="XSWI" inst="1"')
        text = text[:at] + text[at:].replace("direct-with-normal-security",
                                             "direct-with-enhanced-security", 1)
        self.assertIn("direct-with-enhanced-security", text)
        scl = write(os.path.join(self.dir, "enh.icd"), text)
        m = write(os.path.join(self.dir, "m.csv"), HEADER +
                  "IEDD1BAY/XSWI1.Pos.Oper.ctlVal[CO],shm,Cmd,,,w,\n"
                  "IEDD1BAY/XSWI1.Pos.stVal[ST],shm,Pos,,,r,\n")
        self.d = Daemon(config=config(
            m, f'<source name="shm" plugin="shm"><param name="segment" value="{self.seg}"/>'
               '</source>', scl=scl, extra='<controls operTimeoutMs="1500"/>'))
        self.shm("set", "Pos", "2", "--kind", "int")  # on
        self.wait_value("IEDD1BAY/XSWI1.Pos.stVal[ST]", "10")

    def shm(self, *args):
        r = subprocess.run([IEDD_SHM, "--segment", self.seg, *args], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_termination_when_the_application_answers(self):
        p = subprocess.Popen([IEDC, "control", self.d.addr, "IEDD1BAY/XSWI1.Pos", "off"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # the command reaches the application's point ...
        end = time.time() + 10
        cmd = None
        while time.time() < end:
            r = subprocess.run([IEDD_SHM, "--segment", self.seg, "get", "Cmd"],
                               capture_output=True, text=True, timeout=30)
            cmd = r.stdout.strip() or r.stderr.strip()  # "no value yet" until written
            if r.returncode == 0 and cmd.split()[0] in ("false", "0"):
                break
            time.sleep(0.05)
        self.assertIn(cmd.split()[0], ("false", "0"), cmd)
        # ... which moves the switch: the status follows, iedc gets CommandTermination+
        self.shm("set", "Pos", "1", "--kind", "int")
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, out + err + self.d.log())
        self.assertIn("termination", out)
        self.assertEqual(self.read("IEDD1BAY/XSWI1.Pos.stVal[ST]"), "01")

    def test_time_limit_over_when_it_does_not(self):
        r = iedc("control", self.d.addr, "IEDD1BAY/XSWI1.Pos", "off", timeout=60)
        self.assertEqual(r.returncode, REFUSED, r.stdout + r.stderr)
        self.assertIn("Time-limit-over", r.stdout + r.stderr)
        self.assertIn("control command-termination IEDD1BAY/XSWI1.Pos", self.d.log())


if __name__ == "__main__":
    main()
