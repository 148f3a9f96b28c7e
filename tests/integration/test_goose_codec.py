# SPDX-License-Identifier: Apache-2.0
"""Independent referee for the GOOSE frame codec (daemon/proto/goose.c):
tests/unit/goose_frames encodes GOOSE frames (tagged and untagged, Ed.2
simulation, Ed.1 test, the widest values and strings, the smallest frame)
into a pcap and says on stdout what it encoded; Wireshark's GOOSE dissector
must decode every frame with no malformed packet and no expert item of
warning or error severity, and the fields it decodes must equal the encoded
ones. A frame cut short is the control: the same checks must catch it."""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

from harness import main, skip_all

FRAMES = os.environ.get("GOOSE_FRAMES")

FIELDS = ["goose.appid", "goose.length", "goose.gocbRef", "goose.datSet", "goose.goID",
          "goose.timeAllowedtoLive", "goose.stNum", "goose.sqNum", "goose.simulation",
          "goose.confRev", "goose.ndsCom", "goose.numDatSetEntries", "goose.reserve1.s_bit",
          "vlan.priority", "vlan.id", "frame.len"]


def tshark(path, *args):
    r = subprocess.run(["tshark", "-r", path, *args], capture_output=True, text=True)
    return r.stdout


def problems(path):
    """Expert items of warning or error severity and malformed frames."""
    expert = tshark(path, "-q", "-z", "expert,warn")
    bad = [l for l in expert.splitlines()
           if l.strip() and ("Warning" in l or "Error" in l) and "Protocol" not in l]
    detail = tshark(path, "-V")
    bad += [l.strip() for l in detail.splitlines() if "Malformed" in l or "Expert Info" in l]
    return bad


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 24
    while off < len(data):
        _, _, incl, _ = struct.unpack_from("<IIII", data, off)
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return data[:24], out


def write_pcap(path, head, frames):
    with open(path, "wb") as f:
        f.write(head)
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)


class Referee(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="iedd-goose-")
        cls.pcap = os.path.join(cls.dir, "goose.pcap")
        r = subprocess.run([FRAMES, cls.pcap], capture_output=True, text=True, check=True)
        cls.encoded = [json.loads(l) for l in r.stdout.splitlines()]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_every_frame_is_goose_without_complaint(self):
        lines = tshark(self.pcap, "-T", "fields", "-e", "frame.protocols").split()
        self.assertEqual(len(lines), len(self.encoded))
        for name, protos in zip((e["name"] for e in self.encoded), lines):
            self.assertTrue(protos.endswith(":goose"), f"{name}: {protos}")
        self.assertEqual(problems(self.pcap), [])

    def test_decoded_fields_equal_the_encoded(self):
        out = tshark(self.pcap, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f",
                     *sum((["-e", f] for f in FIELDS), []))
        rows = [dict(zip(FIELDS, l.split("|"))) for l in out.splitlines()]
        self.assertEqual(len(rows), len(self.encoded))
        for e, d in zip(self.encoded, rows):
            with self.subTest(frame=e["name"]):
                self.assertEqual(int(d["frame.len"]), e["len"])
                self.assertEqual(int(d["goose.appid"], 16), e["appid"])
                # Length counts from APPID to the end of the goosePdu
                self.assertEqual(int(d["goose.length"]), e["len"] - (18 if e["vlan"] else 14))
                self.assertEqual(d["goose.gocbRef"], e["gocbRef"])
                self.assertEqual(d["goose.datSet"], e["datSet"])
                self.assertEqual(d["goose.goID"], e["goID"] or "")
                # Wireshark declares timeAllowedtoLive and confRev as signed
                # 32-bit fields: compare the octets, not the sign
                self.assertEqual(int(d["goose.timeAllowedtoLive"]) & 0xFFFFFFFF, e["tal"])
                self.assertEqual(int(d["goose.confRev"]) & 0xFFFFFFFF, e["confRev"])
                self.assertEqual(int(d["goose.stNum"]), e["stNum"])
                self.assertEqual(int(d["goose.sqNum"]), e["sqNum"])
                self.assertEqual(int(d["goose.numDatSetEntries"]), e["n"])
                self.assertEqual(d["goose.simulation"] in ("1", "True"), e["test"])
                self.assertEqual(d["goose.ndsCom"] in ("1", "True"), e["ndsCom"])
                self.assertEqual(d["goose.reserve1.s_bit"] in ("1", "True"), e["simbit"])
                if e["vlan"]:
                    self.assertEqual(int(d["vlan.priority"]), e["priority"])
                    self.assertEqual(int(d["vlan.id"]), e["vid"])
                else:
                    self.assertEqual(d["vlan.id"], "")

    def test_control_a_cut_frame_is_caught(self):
        head, frames = read_pcap(self.pcap)
        cut = os.path.join(self.dir, "cut.pcap")
        write_pcap(cut, head, [frames[0][:-9]])
        self.assertNotEqual(problems(cut), [])


if __name__ == "__main__":
    if not shutil.which("tshark"):
        skip_all("tshark is not installed (apt-get install tshark)")
    main("GOOSE_FRAMES")
