# SPDX-License-Identifier: Apache-2.0
"""daemon/net/goose_eth.c in a network-namespace pair, through
tests/net/net_goose_probe: GOOSE frames sent on veth end a arrive on b
(untagged and 802.1Q-tagged, the tag in the frame), a non-GOOSE frame does
not, frames sent through net_goose_send are not delivered back to their own
receive path but reach the peer, a missing interface is -ENODEV and a
process without CAP_NET_RAW gets -EPERM with the message that says what to
do. Skipped (77) where namespaces are impossible."""
import os
import struct
import tempfile
import unittest

import netns
from harness import main, skip_all

PROBE = os.environ.get("NET_GOOSE_PROBE")
BLAST = os.environ.get("GOOSE_BLAST")
N = None


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)


def rx_frames(out):
    return [bytes.fromhex(l.split()[2]) for l in out.splitlines() if l.startswith("rx ")]


class NetGoose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="net-goose-")

    def recv(self, side, *args):
        ifn = N.ifa if side == "a" else N.ifb
        p = N.spawn(side, [PROBE, "recv", ifn, *args])
        netns.wait_line(p, "ready", stream=p.stdout)
        return p

    def blast(self, *args):
        r = N.run("a", [BLAST, *args])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_untagged_and_tagged_delivered_other_ethertypes_not(self):
        other = os.path.join(self.dir, "other.pcap")
        # an IPv4-typed frame and an LLDP frame to the same multicast MAC
        write_pcap(other, [bytes.fromhex("010ccd010001020000000099") + b"\x08\x00" + bytes(50),
                           bytes.fromhex("0180c200000e020000000099") + b"\x88\xcc" + bytes(50)])
        p = self.recv("b", "--idle-ms", "700")
        self.blast("replay", N.ifa, other)
        self.blast("send", N.ifa, "--count", "1")
        self.blast("send", N.ifa, "--count", "1", "--vid", "5")
        out, err = p.communicate(timeout=10)
        fr = rx_frames(out)
        self.assertEqual(len(fr), 2, out + err)
        self.assertEqual(fr[0][12:14], b"\x88\xb8")
        # 802.1Q: TPID 0x8100, PCP 4, VID 5, then 0x88B8 (libpcap puts the
        # tag the kernel took off back into the frame)
        self.assertEqual(fr[1][12:18], bytes.fromhex("8100800588b8"))
        self.assertEqual(len(fr[1]), len(fr[0]) + 4)
        self.assertIn('"drops": 0', out)

    def test_own_frames_not_delivered_back_but_sent(self):
        frame = bytes.fromhex("010ccd010001020000000001") + b"\x88\xb8"
        pdu = bytes.fromhex("1000") + b"\x00\x08" + bytes(4)     # header only: rx sees it raw
        one = os.path.join(self.dir, "one.pcap")
        write_pcap(one, [frame + pdu + bytes(46)])
        peer = self.recv("b", "--idle-ms", "700")
        own = self.recv("a", "--idle-ms", "700", "--send", one)
        out, err = own.communicate(timeout=10)
        self.assertEqual(rx_frames(out), [], out)
        self.assertIn('"tx": 1', out)
        pout, _ = peer.communicate(timeout=10)
        self.assertEqual(rx_frames(pout), [frame + pdu + bytes(46)])

    def test_no_such_interface(self):
        r = N.run("a", [PROBE, "open", "nosuch0"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.strip(), "error -19 GOOSE on nosuch0: no such interface")

    def test_mac_of_the_interface(self):
        r = N.run("a", [PROBE, "open", N.ifa])
        mac = N.run("a", ["cat", f"/sys/class/net/{N.ifa}/address"]).stdout.strip()
        lines = r.stdout.strip().splitlines()
        self.assertEqual(lines[0], f"ok {mac}")
        # on a loop with two priorities the capture event is the highest (0),
        # so GOOSE runs ahead of MMS
        self.assertEqual(lines[1:], ["read-event priority 0"])

    def test_without_cap_net_raw(self):
        r = N.run("a", ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-net_raw", PROBE, "open", N.ifa])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(r.stdout.strip(), "error -1 GOOSE on veth0: iedd needs CAP_NET_RAW for "
                         "GOOSE: run as root or grant AmbientCapabilities=CAP_NET_RAW in the unit")

    def test_interface_down_warns_opens_and_receives_once_up(self):
        N.link("b", False)
        try:
            p = N.spawn("b", [PROBE, "recv", N.ifb, "--count", "1", "--idle-ms", "5000"])
            netns.wait_line(p, "ready", stream=p.stdout)
        finally:
            N.link("b", True)
        # the capture starts at the next retry (1 s): send until it arrives
        for _ in range(40):
            self.blast("send", N.ifa, "--count", "1")
            try:
                out, err = p.communicate(timeout=0.1)
                break
            except Exception:
                continue
        self.assertEqual(len(rx_frames(out)), 1, out + err)
        self.assertIn("interface is down", err)
        self.assertIn("interface is up, receiving", err)

    def test_send_reaches_the_bare_receiver(self):
        p = N.spawn("b", [BLAST, "recv", N.ifb, "--count", "1000", "--idle-ms", "1000"])
        netns.wait_line(p, "receiving")
        r = N.run("a", [PROBE, "sendbench", N.ifa, "1000"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"errors": 0', r.stdout)
        out, _ = p.communicate(timeout=10)
        self.assertIn('"frames": 1000', out)


if __name__ == "__main__":
    if not (PROBE and BLAST):
        skip_all("NET_GOOSE_PROBE, GOOSE_BLAST not set (meson sets them)")
    N = netns.NetnsPair(prefix="net-goose").open()
    main("NET_GOOSE_PROBE", "GOOSE_BLAST")
