# SPDX-License-Identifier: Apache-2.0
"""iedc goose listen in a network-namespace pair: frames sent on one veth
end (the golden frames of tests/unit/goose_frames, frames encoded by
goose_blast, tagged and untagged, a retransmission, a malformed frame) are
printed on the other as they were encoded; tshark on the same interface
decodes the same fields. Skipped (77) where namespaces are impossible."""
import json
import os
import subprocess
import tempfile
import time
import unittest

import netns
from harness import main, skip_all

IEDC = os.environ.get("IEDC")
FRAMES = os.environ.get("GOOSE_FRAMES")
BLAST = os.environ.get("GOOSE_BLAST")
N = None


def write_pcap(path, frames):
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)


def read_pcap(path):
    import struct
    data = open(path, "rb").read()
    out, off = [], 24
    while off < len(data):
        _, _, incl, _ = struct.unpack_from("<IIII", data, off)
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


class Listen(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="iedc-goose-")
        cls.golden = os.path.join(cls.dir, "golden.pcap")
        r = subprocess.run([FRAMES, cls.golden], capture_output=True, text=True, check=True)
        cls.encoded = [json.loads(l) for l in r.stdout.splitlines()]

    def listen(self, *args):
        p = N.spawn("b", [IEDC, "goose", "listen", N.ifb, *args])
        netns.wait_line(p, "listening")
        return p

    def finish(self, p):
        out, err = p.communicate(timeout=15)
        self.assertEqual(p.returncode, 0, err)
        return out, err

    def send(self, *args):
        r = N.run("a", [BLAST, *args])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_golden_frames_json_equal_the_encoded(self):
        n = len(self.encoded)
        p = self.listen("--json", "--count", str(n))
        self.send("replay", N.ifa, self.golden)
        out, _ = self.finish(p)
        got = [json.loads(l) for l in out.splitlines()]
        self.assertEqual(len(got), n)
        for e, g in zip(self.encoded, got):
            self.assertEqual(g["appid"], e["appid"], e["name"])
            self.assertEqual(g["gocbRef"], e["gocbRef"] or "")
            self.assertEqual(g["datSet"], e["datSet"] or "")
            self.assertEqual(g["goID"], e["goID"])
            self.assertEqual(g["timeAllowedtoLive"], e["tal"])
            self.assertEqual((g["stNum"], g["sqNum"]), (e["stNum"], e["sqNum"]))
            self.assertEqual((g["test"], g["simulation"]), (e["test"], e["simbit"]))
            self.assertEqual((g["confRev"], g["ndsCom"]), (e["confRev"], e["ndsCom"]))
            self.assertEqual(len(g["values"]), e["n"])
            if e["vlan"]:
                self.assertEqual(g["vlan"]["vid"], e["vid"])
                self.assertEqual(g["vlan"]["priority"], e["priority"])
            else:
                self.assertIsNone(g["vlan"])
        first = got[0]
        self.assertEqual(first["src"], "02:00:00:00:00:01")
        self.assertEqual(first["dst"], "01:0c:cd:01:00:01")
        self.assertEqual(first["values"][0], True)
        self.assertEqual(first["values"][4], -123456)
        self.assertIn("breaker 1", first["values"])

    def test_text_line_and_compact_retransmission(self):
        p = self.listen("--count", "3")
        self.send("send", N.ifa, "--count", "3", "--vid", "7", "--appid", "0x1234")
        out, err = self.finish(p)
        lines = out.splitlines()
        self.assertEqual(len(lines), 3, out)
        self.assertRegex(lines[0], r"02:00:00:00:00:0b > 01:0c:cd:01:00:01 vlan 7 prio 4 "
                         r"appid 0x1234 BLASTLD0/LLN0\$GO\$gcb1 stNum 1 sqNum 16777216 TAL 2000 "
                         r"confRev 1 goID blast datSet BLASTLD0/LLN0\$DS1 t 2023-11-14T22:13:20")
        self.assertTrue(lines[0].endswith("(10): true; 1000; true; 3000; true; 5000; true; "
                                          "7000; true; 9000"), lines[0])
        self.assertRegex(lines[1], r"^\S+   retransmit sqNum 16777217 TAL 2000$")
        self.assertRegex(lines[2], r"^\S+   retransmit sqNum 16777218 TAL 2000$")
        self.assertIn("3 GOOSE frames, 0 malformed", err)

    def test_a_new_stnum_is_shown_in_full(self):
        p = self.listen("--count", "2")
        self.send("send", N.ifa, "--count", "1", "--stnum", "4")
        self.send("send", N.ifa, "--count", "1", "--stnum", "5")
        out, _ = self.finish(p)
        lines = out.splitlines()
        self.assertIn("stNum 4 sqNum", lines[0])
        self.assertIn("stNum 5 sqNum", lines[1])

    def test_malformed_frame_is_one_line_with_the_reason(self):
        good = read_pcap(self.golden)[1]        # untagged
        cut = good[:40]
        bad = os.path.join(self.dir, "bad.pcap")
        write_pcap(bad, [cut, good])
        p = self.listen("--count", "1")
        self.send("replay", N.ifa, bad)
        out, err = self.finish(p)
        lines = out.splitlines()
        self.assertEqual(len(lines), 2, out)
        self.assertIn("malformed (40 octets): goose:", lines[0])
        self.assertIn("stNum 17 sqNum 4242", lines[1])
        self.assertIn("1 GOOSE frames, 1 malformed", err)
        p = self.listen("--count", "1", "--json")
        self.send("replay", N.ifa, bad)
        out, _ = self.finish(p)
        j = [json.loads(l) for l in out.splitlines()]
        self.assertEqual(j[0]["len"], 40)
        self.assertTrue(j[0]["error"].startswith("goose:"))
        self.assertEqual(j[1]["stNum"], 17)

    def test_appid_and_gocb_filters(self):
        p = self.listen("--count", "1", "--appid", "0x2002", "--json")
        self.send("send", N.ifa, "--count", "2", "--appid", "0x2001")
        self.send("send", N.ifa, "--count", "1", "--appid", "0x2002", "--stnum", "9")
        out, _ = self.finish(p)
        j = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([(x["appid"], x["stNum"]) for x in j], [(0x2002, 9)])
        p = self.listen("--count", "1", "--gocb", "X/LLN0$GO$two", "--json")
        self.send("send", N.ifa, "--count", "2", "--gocb", "X/LLN0$GO$one")
        self.send("send", N.ifa, "--count", "1", "--gocb", "X/LLN0$GO$two")
        out, _ = self.finish(p)
        j = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([x["gocbRef"] for x in j], ["X/LLN0$GO$two"])

    def test_usage_and_missing_interface(self):
        r = N.run("b", [IEDC, "goose", "listen"])
        self.assertEqual(r.returncode, 2)
        r = N.run("b", [IEDC, "goose", "listen", "nosuch0", "--count", "1"])
        self.assertEqual(r.returncode, 3)
        self.assertIn("nosuch0", r.stderr)
        r = N.run("b", [IEDC, "goose", "listen", N.ifb, "--appid", "70000"])
        self.assertEqual(r.returncode, 2)

    @unittest.skipUnless(subprocess.run(["which", "tshark"], capture_output=True).returncode == 0,
                         "no tshark")
    def test_tshark_on_the_same_capture_agrees(self):
        n = len(self.encoded)
        cap = os.path.join(self.dir, "cap.pcap")
        t = N.spawn("b", ["tshark", "-i", N.ifb, "-w", cap, "-c", str(n), "-f",
                          "ether proto 0x88b8 or (vlan and ether proto 0x88b8)"])
        netns.wait_line(t, "Capturing on", timeout=30)
        p = self.listen("--json", "--count", str(n))
        time.sleep(0.2)     # tshark's capture is running once it said so; dumpcap child
        self.send("replay", N.ifa, self.golden)
        out, _ = self.finish(p)
        t.communicate(timeout=30)
        got = [json.loads(l) for l in out.splitlines()]
        r = subprocess.run(["tshark", "-r", cap, "-T", "fields", "-E", "separator=|",
                            "-E", "occurrence=f", "-e", "goose.appid", "-e", "goose.gocbRef",
                            "-e", "goose.stNum", "-e", "goose.sqNum",
                            "-e", "goose.timeAllowedtoLive", "-e", "goose.confRev",
                            "-e", "goose.numDatSetEntries"],
                           capture_output=True, text=True)
        rows = [l.split("|") for l in r.stdout.splitlines()]
        self.assertEqual(len(rows), n, r.stderr)
        for g, row in zip(got, rows):
            self.assertEqual(int(row[0], 0), g["appid"])
            self.assertEqual(row[1], g["gocbRef"])
            # Wireshark keeps timeAllowedtoLive in a signed 32-bit field
            self.assertEqual([int(x) % 2**32 for x in row[2:7]],
                             [g["stNum"], g["sqNum"], g["timeAllowedtoLive"], g["confRev"],
                              g["numDatSetEntries"]])


if __name__ == "__main__":
    if not (FRAMES and BLAST):
        skip_all("GOOSE_FRAMES, GOOSE_BLAST not set (meson sets them)")
    # before the TAP plan: a skip (77) ends the file here; the pair is
    # deleted at exit
    N = netns.NetnsPair(prefix="iedc-goose").open()
    main("GOOSE_FRAMES", "GOOSE_BLAST")
