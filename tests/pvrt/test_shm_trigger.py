# SPDX-License-Identifier: Apache-2.0
"""The shm source's application trigger end to end: the real iedd with
trigger=watch and a 10 s scan period, values set with the real iedd-shm and
read back through the real iedc. A value set with --trigger is readable
within about a second, long before the next scan could bring it; a value
set without the trigger waits for that scan (so the scan is not what
delivered the first). The latency itself is measured by
tests/bench/shm_latency.sh, not here."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import IEDD, Daemon, iedc, main  # noqa: E402

IEDD_SHM = os.environ.get("IEDD_SHM")

SCAN_MS = 20000
# a trigger must show a value within an eighth of the scan period: a value
# that waited for the scan would take the whole period
PUSHED_S = SCAN_MS / 1000 / 8
POWER = "IEDD1WTG/WTUR1.W.instMag.f[MX]"
STATE = "IEDD1WTG/WTUR1.TurSt.stVal[ST]"


@unittest.skipUnless(IEDD_SHM, "iedd-shm not built")
class Trigger(unittest.TestCase):
    def setUp(self):
        self.seg = f"/iedd-pvrt-trigger-{os.getpid()}"
        self.addCleanup(self.remove_segment)
        self.remove_segment()
        d = tempfile.mkdtemp(prefix="pvrt-trigger-")
        m = os.path.join(d, "m.csv")
        with open(m, "w") as f:
            f.write("reference,source,address,scale,offset,direction,scanClass\n"
                    f"{POWER[5:]},shm,Power,,,r,\n"
                    f"{STATE[5:]},shm,TurSt,,,r,\n")
        self.d = Daemon(config=f"""<iedd xmlns="urn:iedd:config:1">
  <map file="{m}" period="{SCAN_MS}"/>
  <sources>
    <source name="shm" plugin="shm">
      <param name="segment" value="{self.seg}"/>
      <param name="trigger" value="watch"/>
    </source>
  </sources>
</iedd>
""")
        self.addCleanup(self.d.stop)
        self.started = time.monotonic()

    def remove_segment(self):
        try:
            os.unlink("/dev/shm" + self.seg)
        except FileNotFoundError:
            pass

    def shm(self, *args):
        r = subprocess.run([IEDD_SHM, "--segment", self.seg, *args], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def read(self, ref):
        r = iedc("read", self.d.addr, ref)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def wait_value(self, ref, want, timeout):
        deadline = time.monotonic() + timeout
        v = None
        while time.monotonic() < deadline:
            v = self.read(ref)
            if v == want:
                return time.monotonic()
            time.sleep(0.02)
        self.fail(f"{ref}: {v!r}, not {want!r}, after {timeout} s\n" + self.d.log())

    def test_trigger_pushes_long_before_the_scan(self):
        # iedd's first scan ran at start; the next is SCAN_MS later, so
        # everything below must finish well inside that window
        self.shm("set", "TurSt", "7", "--kind", "int")   # no trigger
        time.sleep(1.0)
        self.assertNotEqual(self.read(STATE), "7", "a value without trigger came before the scan")
        t0 = time.monotonic()
        self.shm("set", "Power", "1234.5", "--kind", "float", "--trigger")
        t1 = self.wait_value(POWER, "1234.5", PUSHED_S)
        # one trigger publishes every slot changed since the last push
        self.assertEqual(self.read(STATE), "7")
        # repeated triggers: each new value shows up at once
        for v in ("1", "2.5", "-3"):
            self.shm("set", "Power", v, "--trigger")
            self.wait_value(POWER, v, PUSHED_S)
        # the trigger command alone publishes what was set without one
        self.shm("set", "TurSt", "8")
        self.shm("trigger")
        self.wait_value(STATE, "8", PUSHED_S)
        elapsed = time.monotonic() - self.started
        self.assertLess(elapsed, SCAN_MS / 1000 - 1,
                        "the test ran into the next scan: its result proves nothing")
        print(f"trigger to MMS through iedd-shm and iedc: {(t1 - t0) * 1000:.0f} ms",
              file=sys.stderr)


if __name__ == "__main__":
    main()
