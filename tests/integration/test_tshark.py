# SPDX-License-Identifier: Apache-2.0
"""Independent referee: Wireshark's dissectors decode a captured iedd<->iedc
exchange (TPKT, COTP, session, presentation, ACSE, MMS) with no malformed
packet and no expert item of warning or error severity; over TLS too, with
the session keys iedc logs (SSLKEYLOGFILE, which GnuTLS honours)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import socket

from harness import (CONCLUDE_REQ, skip_all, IEDC, IEDD, Daemon, Raw, data_pdu, free_port, iedc,
                     main, tlv, ber_int, write_req)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))



def capture_possible():
    if not shutil.which("tshark"):
        return "tshark is not installed (apt-get install tshark)"
    r = subprocess.run(["tshark", "-D"], capture_output=True, text=True)
    if "lo" not in r.stdout:
        return "tshark cannot list the loopback interface (needs root or the wireshark group)"
    return None


def modbus_plugin():
    """The build tree's modbus plugin (iedd finds it beside daemon/iedd)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(IEDD))), "plugins",
                        "iedd-source-modbus.so")
    return path if os.path.exists(path) else None


class Referee(unittest.TestCase):
    def test_exchange_decodes_cleanly(self):
        sample = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "etc", "sample.icd")
        d = Daemon("--scl", sample)
        tmp = tempfile.mkdtemp(prefix="iedd-cap-")
        # A second iedd whose Write goes to a Modbus peer that never answers
        # (a listener that does not read): the Write response waits for the
        # plugin's timeout, and a Conclude meanwhile gets a Conclude-Error.
        d2 = hole = None
        ports = f"tcp port {d.port}"
        if modbus_plugin():
            hole = socket.socket()
            hole.bind(("127.0.0.1", 0))
            hole.listen(4)
            mpath = os.path.join(tmp, "m.csv")
            with open(mpath, "w") as f:
                f.write("reference,source,address,scale,offset,direction,scanClass\n"
                        "IEDD1BAY/MMXU1.TotW.db[CF],mb,hr:2:u32,,,w,\n")
            d2 = Daemon(config=f"""<iedd xmlns="urn:iedd:config:1">
  <map file="{mpath}"/>
  <sources><source name="mb" plugin="modbus"><param name="host" value="127.0.0.1"/>
    <param name="port" value="{hole.getsockname()[1]}"/>
    <param name="timeout_ms" value="700"/></source></sources>
</iedd>
""")
            ports += f" or tcp port {d2.port}"
        pcap = os.path.join(tmp, "cap.pcapng")
        cap = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", ports,
                                "-w", pcap], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        try:
            # wait until the capture runs (tshark prints "Capturing on")
            deadline = time.time() + 15
            ok = False
            while time.time() < deadline:
                if os.path.exists(pcap) and os.path.getsize(pcap) > 0:
                    ok = True
                    break
                time.sleep(0.1)
            if not ok:
                cap.kill()
                self.skipTest("tshark's capture did not start: " + cap.stderr.read())
            time.sleep(0.5)
            for _ in range(3):
                r = iedc("identify", d.addr)
                self.assertEqual(r.returncode, 0, r.stderr)
            # data access: browse (GetNameList with paging, GetVariableAccess-
            # Attributes), read, write (accepted and refused), data sets
            for args in (("browse", d.addr), ("read", d.addr, "IEDD1BAY/MMXU1.TotW[MX]"),
                         ("write", d.addr, "IEDD1BAY/MMXU1.TotW.db[CF]", "2500"),
                         ("datasets", d.addr)):
                r = iedc(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
            r = iedc("write", d.addr, "IEDD1BAY/XCBR1.Pos.stVal[ST]", "01")
            self.assertEqual(r.returncode, 7)
            # the error paths a client can meet: Reject and confirmed-error
            p = Raw(d.port)
            p.associate()
            # a well-formed Status request, which iedd does not offer
            p.send(data_pdu(tlv(0xA0, ber_int(0x02, 9) + tlv(0x80, b"\x00"))))
            self.assertIsNotNone(p.recv_tpkt())
            self.assertIsNotNone(p.identify(10))
            p.close()
            if d2:
                p = Raw(d2.port)
                p.associate()
                p.send(data_pdu(write_req(1, "IEDD1BAY", "MMXU1$CF$TotW$db", ber_int(0x86, 7))))
                p.send(data_pdu(CONCLUDE_REQ))
                self.assertIn(b"\xad\x05\xa0\x03\x89\x01\x01", p.recv_tpkt())
                self.assertIsNotNone(p.identify(2))
                # the Write's answer: temporarily-unavailable, after the timeout
                self.assertTrue(p.recv_tpkt().endswith(b"\xa5\x03\x80\x01\x02"))
                p.close()
            time.sleep(1.0)
        finally:
            cap.terminate()
            cap.wait(10)
            d.stop()
            if d2:
                d2.stop()
            if hole:
                hole.close()
        dec = ["tshark", "-r", pcap, "-d", f"tcp.port=={d.port},tpkt"]
        if d2:
            dec += ["-d", f"tcp.port=={d2.port},tpkt"]
        frames = subprocess.run(dec, capture_output=True, text=True).stdout
        self.assertIn("initiate-RequestPDU", frames)
        self.assertIn("initiate-ResponsePDU", frames)
        self.assertIn("confirmed-ResponsePDU", frames)
        self.assertIn("confirmed-ErrorPDU", frames)
        self.assertIn("Release-Response", frames)
        if d2:
            self.assertIn("conclude-ErrorPDU", frames)
        self.assertNotIn("Malformed", frames)
        expert = subprocess.run(dec + ["-q", "-z", "expert,warn"], capture_output=True,
                                text=True).stdout
        bad = [l for l in expert.splitlines()
               if l.strip() and ("Warning" in l or "Error" in l) and "Protocol" not in l]
        # TCP-level notes are about the capture, not about iedd
        bad = [l for l in bad if " TCP " not in l]
        self.assertEqual(bad, [], expert)
        detail = subprocess.run(dec + ["-V"], capture_output=True, text=True).stdout
        self.assertIn("vendorName: iedd", detail)
        for service in ("getNameList", "getVariableAccessAttributes", "read", "write",
                        "getNamedVariableListAttributes"):
            self.assertIn(f"confirmedServiceRequest: {service} ", detail, service)
        self.assertIn("identify: True", detail)


def start_capture(test, pcap, bpf):
    cap = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", bpf, "-w", pcap],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 15
    while time.time() < deadline:
        if os.path.exists(pcap) and os.path.getsize(pcap) > 0:
            time.sleep(0.5)
            return cap
        time.sleep(0.1)
    cap.kill()
    test.skipTest("tshark's capture did not start: " + cap.stderr.read())


def expert_problems(dec):
    expert = subprocess.run(dec + ["-q", "-z", "expert,warn"], capture_output=True,
                            text=True).stdout
    bad = [l for l in expert.splitlines()
           if l.strip() and ("Warning" in l or "Error" in l) and "Protocol" not in l]
    # TCP-level notes are about the capture, not about iedd
    return [l for l in bad if " TCP " not in l], expert


class TlsReferee(unittest.TestCase):
    """MMS inside TLS 1.3 and TLS 1.2 sessions, decrypted by tshark with
    iedc's key log, decodes as cleanly as over plain TCP."""

    def test_mms_in_tls_decodes_cleanly(self):
        if not shutil.which("certtool"):
            self.skipTest("certtool not installed (scripts/setup.sh)")
        tmp = tempfile.mkdtemp(prefix="iedd-cap-tls-")
        pki = os.path.join(tmp, "pki")
        subprocess.run([os.path.join(ROOT, "scripts", "make-test-pki.sh"), pki], check=True,
                       capture_output=True)
        port = free_port()
        d = Daemon("--tls-listen", f"127.0.0.1:{port}", "--tls-dir", pki)
        keylog = os.path.join(tmp, "keys.log")
        pcap = os.path.join(tmp, "cap.pcapng")
        env = dict(os.environ, SSLKEYLOGFILE=keylog)
        addr = f"127.0.0.1:{port}"
        tls = ["--tls", "--ca", os.path.join(pki, "ca.pem"), "--cert",
               os.path.join(pki, "client.pem"), "--key", os.path.join(pki, "client.key")]
        cap = start_capture(self, pcap, f"tcp port {port}")
        try:
            for prio in ([], ["--tls-priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2"]):
                for args in (("identify", addr), ("browse", addr),
                             ("read", addr, "IEDD1BAY/MMXU1.TotW[MX]"),
                             ("report", addr, "IEDD1BAY/LLN0.RP.urcbMeas03", "--trgops",
                              "period", "--intgpd", "200", "--count", "3")):
                    r = subprocess.run([IEDC, *tls, *prio, *args], capture_output=True,
                                       text=True, timeout=30, env=env)
                    self.assertEqual(r.returncode, 0, r.stderr)
            time.sleep(1.0)
        finally:
            cap.terminate()
            cap.wait(10)
            d.stop()
        dec = ["tshark", "-r", pcap, "-o", f"tls.keylog_file:{keylog}",
               "-d", f"tls.port=={port},tpkt"]
        frames = subprocess.run(dec, capture_output=True, text=True).stdout
        for what in ("initiate-RequestPDU", "initiate-ResponsePDU", "confirmed-RequestPDU",
                     "confirmed-ResponsePDU", "unconfirmed-PDU", "conclude-ResponsePDU",
                     "Release-Response", "Close Notify"):
            self.assertIn(what, frames, frames[-1500:])
        self.assertIn("TLSv1.2", frames)
        self.assertNotIn("Malformed", frames)
        self.assertNotIn("Ignored Unknown Record", frames)
        bad, expert = expert_problems(dec)
        self.assertEqual(bad, [], expert)
        # every session decrypted: as many MMS Initiate-Responses as sessions
        self.assertEqual(frames.count("initiate-ResponsePDU"), 8, frames[-1500:])


if __name__ == "__main__":
    why = capture_possible()
    if why:
        skip_all(why)
    main()
