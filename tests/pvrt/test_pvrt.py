# SPDX-License-Identifier: Apache-2.0
"""Process variables end to end: the real iedd with source plugins (sim,
shm, modbus against a libmodbus server started here, and a mock blocking
source that stalls), read and written through the real iedc."""
import re
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import (IEDC, IEDD, Daemon, DaemonCase, free_port, iedc, main,  # noqa: E402
                     write_file as write)

IEDD_SHM = os.environ.get("IEDD_SHM")
SLOW = os.environ.get("PVRT_SLOW")
MB_SERVER = os.environ.get("PVRT_MB_SERVER")

HEADER = "reference,source,address,scale,offset,direction,scanClass\n"


def config(map_path, sources, period=100, extra=""):
    return f"""<iedd xmlns="urn:iedd:config:1">
  <map file="{map_path}" period="{period}">{extra}</map>
  <sources>{sources}</sources>
</iedd>
"""


class Base(DaemonCase):
    prefix = "pvrt-"

    def wait_value(self, ref, pred, timeout=10.0):
        deadline = time.time() + timeout
        v = None
        while time.time() < deadline:
            v = self.read(ref)
            if pred(v):
                return v
            time.sleep(0.1)
        self.fail(f"{ref}: last value {v!r}\n" + self.d.log())


class Simulate(Base):
    def test_values_change_q_good_t_current(self):
        self.d = Daemon("--simulate")
        ref = "IEDD1BAY/MMXU1.TotW.instMag.f[MX]"
        a = float(self.read(ref))
        time.sleep(1.3)
        b = float(self.read(ref))
        self.assertNotEqual(a, b)
        self.assertLessEqual(abs(b), 20000000)  # within rangeC
        q = self.read("IEDD1BAY/MMXU1.TotW.q[MX]")
        self.assertEqual(q, "0000000000000")
        # a counter counts
        c1 = int(self.read("IEDD1WTG/WTUR1.TurSt.stVal[ST]"))
        self.wait_value("IEDD1WTG/WTUR1.TurSt.stVal[ST]", lambda v: int(v) > c1, 15)
        t = self.read("IEDD1WTG/WTUR1.TurSt.t[ST]")
        self.assertTrue(t.startswith(time.strftime("%Y-", time.gmtime())), t)


class EmbeddedDefault(Base):
    def test_sample_map_moves_values(self):
        # iedd without arguments: etc/iedd.xml + etc/sample-map.csv on sim
        self.d = Daemon()
        self.assertIn("23 attribute(s) mapped to 1 source(s)", self.d.log())
        ref = "IEDD1WTG/WTUR1.TotWh.actVal[ST]"
        a = int(self.read(ref))
        self.wait_value(ref, lambda v: int(v) > a, 5)
        # the breaker position of the SCL is left alone
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Pos.stVal[ST]"), "10")


class Map(Base):
    def test_sim_map_scale_offset_and_write(self):
        m = write(os.path.join(self.dir, "m.csv"), HEADER +
                  "IEDD1WTG/WTUR1.TurSt.stVal[ST],s,\"counter:step=1,period=0.2\",10,5,r,\n"
                  "IEDD1BAY/MMXU1.TotW.db[CF],s,const:7,,,rw,\n")
        self.d = Daemon(config=config(m, '<source name="s" plugin="sim"/>'))
        v = self.wait_value("IEDD1WTG/WTUR1.TurSt.stVal[ST]", lambda v: int(v) >= 25)
        self.assertEqual(int(v) % 10, 5)  # counter * 10 + 5
        self.assertEqual(self.read("IEDD1BAY/MMXU1.TotW.db[CF]"), "7")
        r = iedc("write", self.d.addr, "IEDD1BAY/MMXU1.TotW.db[CF]", "42")
        self.assertEqual(r.returncode, 0, r.stderr)
        # the sim's const takes the written value: the next scans keep it
        time.sleep(0.4)
        self.assertEqual(self.read("IEDD1BAY/MMXU1.TotW.db[CF]"), "42")

    def test_bad_rows_refused_with_file_line_column(self):
        cases = [
            ("IEDD1BAY/MMXU1.Nope.mag.f[MX],s,sine,,,r,", ":2:1: reference 'IEDD1BAY/MMXU1.Nope.mag.f[MX]' names nothing"),
            ("IEDD1BAY/MMXU1.TotW.q[MX],s,const:1,,,r,", ":2:1: reference 'IEDD1BAY/MMXU1.TotW.q[MX]' is of type Quality"),
            ("IEDD1BAY/MMXU1.TotW.mag.f[MX],s,sine,,,w,", ":2:40: direction 'w' but FC MX"),
            ("IEDD1BAY/MMXU1.TotW.mag.f[MX],plc,sine,,,r,", ":2:31: source 'plc' is not configured"),
            ("IEDD1BAY/MMXU1.TotW.mag.f[MX],s,sine:period=0,,,r,", ":2:33: "),
            ("IEDD1BAY/MMXU1.TotW.mag.f[MX],s,sine,,,r,\nIEDD1BAY/MMXU1.TotW.mag.f[MX],s,ramp,,,r,",
             ":3:1: 'IEDD1BAY/MMXU1.TotW.mag.f[MX]' is already mapped on line 2"),
            ("IEDD1BAY/MMXU1.TotW.mag.f[MX],s,sine,x,,r,", ":2:38: scale 'x' is not a number"),
        ]
        for i, (row, expect) in enumerate(cases):
            m = write(os.path.join(self.dir, f"bad{i}.csv"), HEADER + row + "\n")
            c = write(os.path.join(self.dir, f"bad{i}.xml"),
                      config(m, '<source name="s" plugin="sim"/>'))
            r = subprocess.run([IEDD, "--check", "-c", c], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(m + expect, r.stderr)

    def test_print_map_template_loads_after_filling_in(self):
        r = subprocess.run([IEDD, "--print-map-template"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line for line in r.stdout.splitlines() if line.endswith(",FLOAT32")
                and "[MX]" in line and "instMag" not in line]
        self.assertGreater(len(rows), 5)
        body = "".join(row.replace(",,,,,r,,", ",s,sine,,,r,,") + "\n" for row in rows)
        head = [line for line in r.stdout.splitlines() if line.startswith("reference,")][0]
        m = write(os.path.join(self.dir, "t.csv"), head + "\n" + body)
        c = write(os.path.join(self.dir, "t.xml"), config(m, '<source name="s" plugin="sim"/>'))
        r = subprocess.run([IEDD, "--check", "-c", c], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"({len(rows)} mapped attribute(s))", r.stdout)


@unittest.skipUnless(SLOW, "mock plugin not built")
class Stall(Base):
    def test_stalled_source_does_not_delay_reads(self):
        m = write(os.path.join(self.dir, "m.csv"), HEADER +
                  "IEDD1BAY/MMXU1.TotW.db[CF],slow,x,,,rw,\n")
        self.d = Daemon(config=config(
            m, f'<source name="slow" plugin="{SLOW}"><param name="delay_ms" value="10000"/></source>',
            period=100))
        # the source thread now sleeps 10 s in read(); MMS is answered at once.
        # A read stuck behind the source would take most of those 10 s; the
        # bound is a quarter of that, so a loaded machine (an iedc process
        # per read) stays far inside it.
        STALL = 10.0
        worst = 0
        for _ in range(5):
            t0 = time.monotonic()
            self.read("IEDD1BAY/MMXU1.TotW.db[CF]")
            worst = max(worst, time.monotonic() - t0)
        self.assertLess(worst, STALL / 4, f"a read took {worst:.3f} s")
        # the first read arrives after 10 s
        self.wait_value("IEDD1BAY/MMXU1.TotW.db[CF]", lambda v: int(v) >= 1, 15)
        # A write to a blocking source is answered when the source has done
        # it (here after the 10 s read in progress); meanwhile other clients
        # are served at once.
        t0 = time.monotonic()
        w = subprocess.Popen([IEDC, "-t", "20000", "write", self.d.addr,
                              "IEDD1BAY/MMXU1.TotW.db[CF]", "100"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: w.poll() is None and (w.kill(), w.wait()))
        worst = 0
        while w.poll() is None and time.monotonic() - t0 < 15:
            t1 = time.monotonic()
            self.read("IEDD1BAY/MMXU1.TotW.db[CF]")
            worst = max(worst, time.monotonic() - t1)
        out, err = w.communicate(timeout=15)
        self.assertEqual(w.returncode, 0, err)
        self.assertLess(worst, STALL / 4, f"a read during the write took {worst:.3f} s")
        # the model has the written value as soon as the write is answered
        self.assertGreaterEqual(int(self.read("IEDD1BAY/MMXU1.TotW.db[CF]")), 100)
        # the device refuses: the client gets its error, the model keeps its value
        r = iedc("-t", "20000", "write", self.d.addr, "IEDD1BAY/MMXU1.TotW.db[CF]", "2000000")
        self.assertEqual(r.returncode, 7, r.stdout + r.stderr)
        self.assertIn("hardware-fault", r.stderr)
        self.assertLess(int(self.read("IEDD1BAY/MMXU1.TotW.db[CF]")), 1000000)
        self.assertIn("the device refuses values outside 0..999999", self.d.log())


@unittest.skipUnless(IEDD_SHM, "iedd-shm not built")
class Shm(Base):
    def test_set_then_read(self):
        seg = f"/iedd-pvrt-{os.getpid()}"
        self.addCleanup(lambda: os.path.exists("/dev/shm" + seg) and os.unlink("/dev/shm" + seg))
        m = write(os.path.join(self.dir, "m.csv"), HEADER +
                  "IEDD1WTG/WTUR1.TurSt.stVal[ST],shm,TurSt,,,r,\n"
                  "IEDD1WTG/WTUR1.W.instMag.f[MX],shm,Power,0.001,,r,\n")
        self.d = Daemon(config=config(
            m, f'<source name="shm" plugin="shm"><param name="segment" value="{seg}"/></source>'))
        r = subprocess.run([IEDD_SHM, "--segment", seg, "set", "TurSt", "42", "--kind", "int"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        subprocess.run([IEDD_SHM, "--segment", seg, "set", "Power", "1500000", "--kind", "float"],
                       check=True)
        self.wait_value("IEDD1WTG/WTUR1.TurSt.stVal[ST]", lambda v: v == "42")
        self.wait_value("IEDD1WTG/WTUR1.W.instMag.f[MX]", lambda v: v == "1500")
        subprocess.run([IEDD_SHM, "--segment", seg, "set", "TurSt", "43", "--quality",
                        "invalid+failure"], check=True)
        q = self.wait_value("IEDD1WTG/WTUR1.TurSt.q[ST]", lambda v: v.startswith("01"))
        self.assertEqual(q[6], "1")  # failure is bit 6


@unittest.skipUnless(MB_SERVER, "libmodbus not found")
class Modbus(Base):
    def start_server(self):
        p = subprocess.Popen([MB_SERVER, str(self.mbport), self.state], stdout=subprocess.PIPE,
                             text=True)
        line = p.stdout.readline().strip()
        p.stdout.close()
        self.assertEqual(line, "listening")
        return p

    def registers(self):
        with open(self.state) as f:
            return [int(x) for x in f.readline().split()]

    def test_check_connects_to_nothing(self):
        """iedd --check with a Modbus source checks the map's addresses and
        never connects: a listener at the peer's address sees no
        connection, while a bad address is still reported."""
        import socket as so
        ls = so.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(4)
        ls.settimeout(0.5)
        self.addCleanup(ls.close)
        src = (f'<source name="mb" plugin="modbus"><param name="host" value="127.0.0.1"/>'
               f'<param name="port" value="{ls.getsockname()[1]}"/></source>')
        m = write(os.path.join(self.dir, "m.csv"), HEADER +
                  "IEDD1WTG/WTUR1.TurSt.stVal[ST],mb,hr:0,,,r,\n")
        c = write(os.path.join(self.dir, "c.xml"), config(m, src))
        r = subprocess.run([IEDD, "--check", "-c", c], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("map OK (1 mapped attribute(s))", r.stdout)
        with self.assertRaises(so.timeout, msg="iedd --check connected to the Modbus peer"):
            ls.accept()[0].close()
        bad = write(os.path.join(self.dir, "bad.csv"), HEADER +
                    "IEDD1WTG/WTUR1.TurSt.stVal[ST],mb,hr:99999,,,r,\n")
        c = write(os.path.join(self.dir, "bad.xml"), config(bad, src))
        r = subprocess.run([IEDD, "--check", "-c", c], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(bad + ":2:", r.stderr)

    def test_read_write_peer_down_and_back(self):
        self.mbport = free_port()
        self.state = os.path.join(self.dir, "regs")
        srv = self.start_server()
        self.addCleanup(lambda: srv.poll() is None and (srv.kill(), srv.wait()))
        m = write(os.path.join(self.dir, "m.csv"), HEADER +
                  "IEDD1WTG/WTUR1.TurSt.stVal[ST],mb,hr:0,,,r,\n"
                  "IEDD1BAY/MMXU1.TotW.db[CF],mb,hr:2:u32,,,rw,\n"
                  "IEDD1BAY/MMXU1.TotW.zeroDb[CF],mb,hr:150,,,w,\n")
        self.d = Daemon(config=config(
            m, f'<source name="mb" plugin="modbus"><param name="host" value="127.0.0.1"/>'
               f'<param name="port" value="{self.mbport}"/>'
               f'<param name="timeout_ms" value="300"/>'
               f'<param name="backoff_min_ms" value="100"/>'
               f'<param name="backoff_max_ms" value="200"/></source>'))
        self.wait_value("IEDD1WTG/WTUR1.TurSt.stVal[ST]", lambda v: v == "1234")
        self.assertTrue(self.read("IEDD1WTG/WTUR1.TurSt.q[ST]").startswith("00"))
        # a client's write reaches the server's registers 2-3 (u32, abcd)
        r = iedc("write", self.d.addr, "IEDD1BAY/MMXU1.TotW.db[CF]", "70000")
        self.assertEqual(r.returncode, 0, r.stderr)
        deadline = time.time() + 10
        while time.time() < deadline and self.registers()[2:4] != [1, 70000 - 65536]:
            time.sleep(0.1)
        self.assertEqual(self.registers()[2:4], [1, 70000 - 65536])
        # the server answers a write beyond its 100 registers with exception
        # 2 (illegal data address): the client gets hardware-fault and the
        # model keeps the old value
        before = self.read("IEDD1BAY/MMXU1.TotW.zeroDb[CF]")
        r = iedc("write", self.d.addr, "IEDD1BAY/MMXU1.TotW.zeroDb[CF]", "7")
        self.assertEqual(r.returncode, 7, r.stdout + r.stderr)
        self.assertIn("hardware-fault", r.stderr)
        self.assertEqual(self.read("IEDD1BAY/MMXU1.TotW.zeroDb[CF]"), before)
        # peer down: invalid through MMS
        srv.send_signal(signal.SIGTERM)
        srv.wait()
        self.wait_value("IEDD1WTG/WTUR1.TurSt.q[ST]", lambda v: v.startswith("01"))
        # a write while the peer is down: temporarily-unavailable
        r = iedc("write", self.d.addr, "IEDD1BAY/MMXU1.TotW.db[CF]", "5")
        self.assertEqual(r.returncode, 7, r.stdout + r.stderr)
        self.assertIn("temporarily-unavailable", r.stderr)
        self.assertEqual(self.read("IEDD1BAY/MMXU1.TotW.db[CF]"), "70000")
        # and back: good again
        srv = self.start_server()
        self.addCleanup(lambda: srv.poll() is None and (srv.kill(), srv.wait()))
        self.wait_value("IEDD1WTG/WTUR1.TurSt.q[ST]", lambda v: v.startswith("00"), 15)


if __name__ == "__main__":
    main()
