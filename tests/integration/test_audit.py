# SPDX-License-Identifier: Apache-2.0
"""The audit trail through the real iedd: what a security officer checks in
the JSON-lines file, in RFC 5424 syslog on a local socket and in journald's
native protocol (both sockets are this test's own, bound in a scratch
directory), and the file's rotation."""
import json
import os
import re
import signal
import socket
import tempfile
import time
import unittest

from harness import Daemon, iedc, main, write_file

NS = "urn:iedd:config:1"
DB = "IEDD1BAY/MMXU1.TotW.db[CF]"


def records(path, want=None, timeout=5.0):
    """The JSON records of path (every line must parse); with `want`, waits
    until a record with that event is there."""
    deadline = time.time() + timeout
    while True:
        recs = []
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    recs.append(json.loads(line))
        if not want or any(r["event"] == want for r in recs) or time.time() > deadline:
            return recs
        time.sleep(0.05)


class AuditFile(unittest.TestCase):
    def test_records_of_a_session(self):
        tmp = tempfile.mkdtemp(prefix="iedd-audit-")
        path = os.path.join(tmp, "audit.jsonl")
        d = Daemon("--audit-file", path, "--max-associations", "1")
        try:
            self.assertEqual(iedc("write", d.addr, DB, "5000").returncode, 0)
            self.assertNotEqual(iedc("write", d.addr, "IEDD1BAY/MMXU1.TotW.mag.f[MX]", "1")
                                .returncode, 0)
            self.assertNotEqual(iedc("control", d.addr, "IEDD1BAY/XCBR1.Pos", "on",
                                     "--select").returncode, 99)
            self.assertEqual(iedc("dataset", "create", d.addr, "IEDD1BAY/LLN0.dsAudit",
                                  "IEDD1BAY/MMXU1.TotW[MX]").returncode, 0)
            self.assertEqual(iedc("dataset", "delete", d.addr, "IEDD1BAY/LLN0.dsAudit")
                             .returncode, 0)
            self.assertNotEqual(iedc("file", "get", d.addr, "nope.txt",
                                     os.path.join(tmp, "x")).returncode, 0)
            # one association at most: a second one at the same time is refused
            held = socket.create_connection(("127.0.0.1", d.port))
            time.sleep(0.2)
            self.assertNotEqual(iedc("identify", d.addr).returncode, 0)
            held.close()
            d.proc.send_signal(signal.SIGHUP)
            self.assertTrue(d.wait_log("reloaded"), d.log())
        finally:
            self.assertEqual(d.stop(), 0)
        recs = records(path)
        by = {}
        for r in recs:
            by.setdefault(r["event"], []).append(r)
            self.assertRegex(r["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
            self.assertIn(r["clockSynchronized"], (True, False))
        self.assertEqual([r["action"] for r in by["service"]], ["start", "stop"])
        w = by["write"]
        self.assertEqual((w[0]["ref"], w[0]["old"], w[0]["new"], w[0]["ok"], w[0]["result"]),
                         ("IEDD1BAY/MMXU1$CF$TotW$db", 1000, 5000, True, "success"))
        self.assertEqual((w[1]["ok"], w[1]["result"], w[1]["new"]),
                         (False, "object-access-denied", 1))
        self.assertTrue(all(x["peer"].startswith("127.0.0.1") for x in w))
        c = by["control"][0]
        self.assertEqual((c["ref"], c["action"]), ("IEDD1BAY/XCBR1.Pos", "select-with-value"))
        self.assertIn("ctlVal true", c["detail"])
        self.assertEqual([(x["action"], x["ref"], x["ok"]) for x in by["dataset"]],
                         [("define", "IEDD1BAY/LLN0$dsAudit", True),
                          ("delete", "IEDD1BAY/LLN0$dsAudit", True)])
        self.assertEqual([(x["action"], x["ref"], x["ok"]) for x in by["file"]],
                         [("open", "nope.txt", False)])
        acc, end = by["association-accepted"], by["association-ended"]
        self.assertGreaterEqual(len(acc), 6)
        self.assertEqual(len(acc), len(end))
        self.assertTrue(all(x["result"] == "released" and x["durationMs"] >= 0 for x in end))
        self.assertTrue(any("association limit" in x["result"]
                            for x in by["association-refused"]), by.get("association-refused"))
        self.assertEqual(by["configuration"][0]["result"], "applied")

    def test_rotation_and_bad_directory(self):
        tmp = tempfile.mkdtemp(prefix="iedd-audit-")
        path = os.path.join(tmp, "a.jsonl")
        cfg = (f'<iedd xmlns="{NS}"><audit file="{path}" maxKiB="1" keep="2"/></iedd>')
        d = Daemon(config=cfg)
        try:
            for v in range(12):
                self.assertEqual(iedc("write", d.addr, DB, str(1000 + v)).returncode, 0)
        finally:
            d.stop()
        self.assertTrue(os.path.exists(path + ".1"))
        self.assertTrue(os.path.exists(path + ".2"))
        self.assertFalse(os.path.exists(path + ".3"))
        for p in (path, path + ".1", path + ".2"):
            self.assertLess(os.path.getsize(p), 2048, p)
            records(p)  # every line parses
        # the newest write is in the current file
        self.assertEqual([r for r in records(path) if r["event"] == "write"][-1]["new"], 1011)
        # a file in a directory that does not exist: refused at start, clearly
        bad = os.path.join(tmp, "no", "a.jsonl")
        import subprocess
        from harness import IEDD, free_port
        r = subprocess.run([IEDD, "--listen", f"127.0.0.1:{free_port()}", "--audit-file", bad],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"audit file {bad}: No such file or directory", r.stderr)


class AuditSockets(unittest.TestCase):
    def test_syslog_and_journal(self):
        tmp = tempfile.mkdtemp(prefix="iedd-audit-")
        sys_path, jrn_path = os.path.join(tmp, "log.sock"), os.path.join(tmp, "journal.sock")
        socks = []
        for p in (sys_path, jrn_path):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(p)
            s.settimeout(5)
            socks.append(s)
        cfg = f'<iedd xmlns="{NS}"><audit syslog="unix:{sys_path}" journal="true"/></iedd>'
        os.environ["IEDD_TEST_JOURNAL_SOCKET"] = jrn_path
        try:
            d = Daemon(config=cfg)
        finally:
            del os.environ["IEDD_TEST_JOURNAL_SOCKET"]
        try:
            self.assertEqual(iedc("write", d.addr, DB, "4321").returncode, 0)
        finally:
            d.stop()

        def until(s, pred):
            while True:
                m = s.recv(65536).decode()
                if pred(m):
                    return m

        m = until(socks[0], lambda m: " write [" in m)
        g = re.match(r"^<(\d+)>1 (\S+) (\S+) iedd (\d+) write \[iedd@32473 (.*?)\] (.*)$", m)
        self.assertIsNotNone(g, m)
        self.assertEqual(int(g.group(1)), 10 * 8 + 5)  # authpriv, notice
        self.assertRegex(g.group(2), r"Z$")
        self.assertIn('ref="IEDD1BAY/MMXU1$CF$TotW$db"', g.group(5))
        self.assertIn('new="4321"', g.group(5))
        self.assertIn("1000 -> 4321", g.group(6))
        j = until(socks[1], lambda m: "IEDD_EVENT=write" in m)
        f = dict(line.split("=", 1) for line in j.strip().split("\n"))
        self.assertEqual(f["SYSLOG_IDENTIFIER"], "iedd")
        self.assertEqual(f["IEDD_REF"], "IEDD1BAY/MMXU1$CF$TotW$db")
        self.assertEqual((f["IEDD_OLD"], f["IEDD_NEW"], f["IEDD_OK"]), ("1000", "4321", "1"))
        self.assertRegex(f["MESSAGE_ID"], r"^[0-9a-f]{32}$")
        self.assertIn("write", f["MESSAGE"])
        for s in socks:
            s.close()


if __name__ == "__main__":
    main()
