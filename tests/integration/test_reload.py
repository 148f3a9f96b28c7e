# SPDX-License-Identifier: Apache-2.0
"""SIGHUP reloads the map and the sources without dropping anyone: 16
associations keep reading, an enabled URCB keeps its sequence, a GOOSE
publisher keeps its retransmissions (on a veth pair this test makes, when
it may), while the map changes, a source's parameters change, and a broken
configuration and one that needs a restart are refused with one log line
each. The values follow the new map; an unchanged source stays open."""
import json
import os
import signal
import subprocess
import threading
import time
import unittest

from harness import (IEDC, Daemon, Raw, ber_int, data_pdu, iedc, main, mms_of, tlv,
                     write_file)

URCB = "IEDD1BAY/LLN0.RP.urcbMeas01"
TURST = "IEDD1WTG/WTUR1.TurSt.stVal[ST]"

CONFIG = """<iedd xmlns="urn:iedd:config:1">
  <map file="map.csv" period="{period}"/>
  <sources>
    <source name="sim" plugin="sim"/>
    <source name="sim2" plugin="sim"><param name="speed" value="{speed}"/></source>
  </sources>
</iedd>
"""

MAP1 = """reference,source,address
IEDD1WTG/WTUR1.TurSt.stVal[ST],sim,const:3
IEDD1BAY/MMXU1.Hz.mag.f[MX],sim,clock
IEDD1BAY/MMXU1.TotW.mag.f[MX],sim2,clock
"""

MAP2 = """reference,source,address
IEDD1WTG/WTUR1.TurSt.stVal[ST],sim,const:5
IEDD1BAY/MMXU1.Hz.mag.f[MX],sim,clock
"""


def read_req(invoke, domain, item):
    name = tlv(0xA1, tlv(0x1A, domain.encode()) + tlv(0x1A, item.encode()))
    spec = tlv(0xA1, tlv(0xA0, tlv(0x30, tlv(0xA0, name))))
    return tlv(0xA0, ber_int(0x02, invoke) + tlv(0xA4, spec))


class Reader(threading.Thread):
    """One association reading TurSt over and over until stopped; counts
    the responses and notes a dropped connection."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.reads, self.error = port, 0, None
        self.halt = threading.Event()

    def run(self):
        try:
            r = Raw(self.port, timeout=10)
            r.associate()
            invoke = 1
            while not self.halt.is_set():
                r.send(data_pdu(read_req(invoke, "IEDD1WTG", "WTUR1$ST$TurSt$stVal")))
                pkt = r.recv_response()
                mms = mms_of(pkt) if pkt else None
                if not mms or mms[0] != 0xA1:
                    self.error = f"read {invoke}: {'connection closed' if not pkt else mms!r}"
                    return
                self.reads += 1
                invoke += 1
                time.sleep(0.005)
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            self.error = repr(e)


class Veth:
    """A veth pair in this namespace, only its two ends (no address):
    GOOSE frames go from one end to the other and nowhere else."""

    def __init__(self):
        tag = f"{os.getpid() % 100000}"
        self.a, self.b = f"iedrl{tag}a", f"iedrl{tag}b"
        self.ok = False
        if os.geteuid() != 0:
            self.why = "not root: no veth pair for GOOSE"
            return
        r = subprocess.run(["ip", "link", "add", self.a, "type", "veth", "peer", "name", self.b],
                           capture_output=True, text=True)
        if r.returncode:
            self.why = "cannot make a veth pair: " + r.stderr.strip()
            return
        for end in (self.a, self.b):
            subprocess.run(["ip", "link", "set", end, "up"], check=True)
        self.ok = True

    def close(self):
        if self.ok:
            subprocess.run(["ip", "link", "del", self.a], capture_output=True)


class Reload(unittest.TestCase):
    def test_reload_keeps_everyone(self):
        veth = Veth()
        self.addCleanup(veth.close)
        d0 = Daemon()      # only for a scratch directory and a free port
        d0.stop()
        cfg_path = os.path.join(d0.dir, "iedd.xml")
        map_path = os.path.join(d0.dir, "map.csv")
        write_file(cfg_path, CONFIG.format(period=100, speed=1))
        write_file(map_path, MAP1)
        args = ["--config", cfg_path] + (["--goose-interface", veth.a] if veth.ok else [])
        d = Daemon(*args)
        self.addCleanup(d.stop)
        goose = None
        if veth.ok:
            goose = subprocess.Popen([IEDC, "--json", "goose", "listen", veth.b],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        else:
            print(f"GOOSE part skipped: {veth.why}")
        rep = subprocess.Popen([IEDC, "--json", "report", d.addr, URCB, "--trgops", "dchg,period",
                                "--intgpd", "200"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        readers = [Reader(d.port) for _ in range(16)]
        for t in readers:
            t.start()
        time.sleep(1.0)
        self.assertEqual(iedc("read", d.addr, TURST).stdout.strip(), "3")

        # the map changes, and sim2's parameters: sim stays open
        write_file(map_path, MAP2)
        write_file(cfg_path, CONFIG.format(period=100, speed=2))
        d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(d.wait_log("reloaded"), d.log())
        self.assertIn("2 attribute(s) mapped to 2 source(s) (1 kept open)", d.log())
        deadline = time.time() + 5
        while iedc("read", d.addr, TURST).stdout.strip() != "5" and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(iedc("read", d.addr, TURST).stdout.strip(), "5")

        # a broken file: refused, nothing changes
        write_file(cfg_path, "<iedd xmlns=\"urn:iedd:config:1\">\n  <map file=\n")
        d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(d.wait_log("reload refused: " + cfg_path + ":"), d.log())
        # a row that names nothing: refused with the map's file:line
        write_file(cfg_path, CONFIG.format(period=100, speed=2))
        write_file(map_path, MAP2 + "IEDD1BAY/MMXU1.Nope.mag.f[MX],sim,clock\n")
        d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(d.wait_log("map.csv:4:1: reference 'IEDD1BAY/MMXU1.Nope.mag.f[MX]'"),
                        d.log())
        # another SCL file takes a restart: refused as such
        write_file(map_path, MAP2)
        write_file(cfg_path, CONFIG.format(period=100, speed=2).replace(
            "<map", "<scl file=\"other.icd\"/>\n  <map"))
        d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(d.wait_log("<scl file> changed in"), d.log())
        write_file(cfg_path, CONFIG.format(period=100, speed=2))
        time.sleep(1.0)
        self.assertEqual(iedc("read", d.addr, TURST).stdout.strip(), "5")
        self.assertEqual(d.log().count("reload refused"), 3, d.log())

        for t in readers:
            t.halt.set()
        for t in readers:
            t.join(15)
        for i, t in enumerate(readers):
            self.assertIsNone(t.error, f"association {i}")
            self.assertGreater(t.reads, 10, f"association {i}")
        rep.send_signal(signal.SIGINT)
        out, err = rep.communicate(timeout=15)
        reports = [json.loads(x) for x in out.splitlines() if x.strip()]
        print(f"{len(reports)} reports; reads per association {min(t.reads for t in readers)}"
              f"..{max(t.reads for t in readers)}")
        self.assertGreater(len(reports), 10, err)
        for a, b in zip(reports, reports[1:]):
            self.assertEqual((b["sqNum"] - a["sqNum"]) % 256, 1, f"report gap: {a} then {b}")
        self.assertNotIn("closed", err)
        if goose:
            goose.send_signal(signal.SIGINT)
            gout, _ = goose.communicate(timeout=15)
            frames = [json.loads(x) for x in gout.splitlines() if x.strip()]
            frames = [f for f in frames if f.get("gocbRef") == "IEDD1BAY/LLN0$GO$gcbPos"]
            print(f"{len(frames)} GOOSE frames")
            self.assertGreater(len(frames), 3, gout[-2000:])
            for a, b in zip(frames, frames[1:]):
                self.assertEqual(b["stNum"], a["stNum"], "a reload is no GOOSE event")
                self.assertEqual(b["sqNum"], a["sqNum"] + 1, f"GOOSE gap: {a} then {b}")
                # MaxTime is 1000 ms: twice that is a lost frame, whatever the load
                self.assertLess(b["time"] - a["time"], 2.0, "GOOSE silent")
        d.stop()
        self.assertIn("reloaded", d.log())


if __name__ == "__main__":
    main()
