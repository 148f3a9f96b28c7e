# SPDX-License-Identifier: Apache-2.0
"""iedc identify against the real iedd: the association end to end, the
command line, exit codes and a clean stop."""
import json
import signal
import subprocess
import sys
import time

from harness import IEDC, IEDD, Daemon, Raw, iedc, main, free_port
import unittest


class Identify(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_text(self):
        r = iedc("identify", self.d.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vendor:      iedd", r.stdout)
        self.assertIn("model:       software IED", r.stdout)
        self.assertRegex(r.stdout, r"revision:    \d+\.\d+")
        self.assertIn("max PDU 65000 octets", r.stdout)
        self.assertIn("identify", r.stdout.split("services:")[1])

    def test_json(self):
        r = iedc("--json", "identify", self.d.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(j["vendor"], "iedd")
        self.assertEqual(j["maxPduSize"], 65000)
        self.assertEqual(j["version"], 1)
        self.assertIn("identify", j["servicesSupported"])
        self.assertIn("conclude", j["servicesSupported"])
        for svc in ("getNameList", "read", "write", "getVariableAccessAttributes",
                    "getNamedVariableListAttributes"):
            self.assertIn(svc, j["servicesSupported"])
        # nothing announced that is not served: the embedded default serves
        # its sample record read-only (test_files.py), nothing to delete
        self.assertNotIn("status", j["servicesSupported"])
        self.assertIn("fileOpen", j["servicesSupported"])
        self.assertNotIn("fileDelete", j["servicesSupported"])

    def test_verbose_log_lines(self):
        iedc("identify", self.d.addr)
        self.assertTrue(self.d.wait_log("associated (max PDU 65000"))
        self.assertTrue(self.d.wait_log("released"))

    def test_many_sequential(self):
        for _ in range(20):
            self.assertEqual(iedc("identify", self.d.addr).returncode, 0)


class ExitCodes(unittest.TestCase):
    def test_connection_refused(self):
        r = iedc("identify", f"127.0.0.1:{free_port()}")
        self.assertEqual(r.returncode, 3)
        self.assertIn("Connection refused", r.stderr)

    def test_usage(self):
        self.assertEqual(iedc("identify").returncode, 2)
        self.assertEqual(iedc("frobnicate", "127.0.0.1").returncode, 2)
        r = iedc("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("identify HOST[:PORT]", r.stdout)

    def test_association_limit(self):
        d = Daemon("--max-associations", "2")
        try:
            held = [Raw(d.port), Raw(d.port)]
            for h in held:
                h.associate()
            r = iedc("identify", d.addr)
            self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
            self.assertIn("COTP DR reason 1", r.stderr)
            self.assertTrue(d.wait_log("refused, 2 associations open"))
            held[0].close()
            self.assertTrue(d.wait_log("closed"))
            r = iedc("identify", d.addr)
            self.assertEqual(r.returncode, 0, r.stderr)
            # the remaining held association still works
            resp = held[1].identify(7)
            self.assertIsNotNone(resp)
            self.assertIn(b"iedd", resp)
        finally:
            d.stop()


class Daemon_CLI(unittest.TestCase):
    def test_help_version(self):
        r = subprocess.run([IEDD, "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        for opt in ("--config", "--listen", "--max-associations", "--check", "--verbose",
                    "--trace", "--foreground", "--version"):
            self.assertIn(opt, r.stdout)
        r = subprocess.run([IEDD, "--version"], capture_output=True, text=True)
        self.assertRegex(r.stdout, r"^iedd \d+\.\d+\.\d+")

    def test_check_embedded(self):
        r = subprocess.run([IEDD, "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration OK", r.stdout)

    def test_bad_listen(self):
        for bad in ("nonsense", "127.0.0.1:0", "127.0.0.1:70000", "host.example:102"):
            r = subprocess.run([IEDD, "--listen", bad, "--check"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--listen", r.stderr)

    def test_port_in_use(self):
        d = Daemon()
        try:
            r = subprocess.run([IEDD, "--listen", d.addr], capture_output=True, text=True,
                               timeout=10)
            self.assertEqual(r.returncode, 1)
            self.assertIn("cannot listen on 127.0.0.1", r.stderr)
            self.assertIn("in use", r.stderr)
        finally:
            d.stop()

    def test_sigterm_aborts_associations_and_exits_0(self):
        d = Daemon()
        peer = Raw(d.port)
        peer.associate()
        self.assertEqual(d.stop(signal.SIGTERM), 0)
        abort = peer.recv_tpkt()
        self.assertIsNotNone(abort, "expected an abort before the close")
        self.assertEqual(abort[7], 25, "session ABORT SPDU")
        self.assertIn("aborted at shutdown", d.log())
        self.assertIn("stopped", d.log())

    def test_service_manager_notifications(self):
        """sd_notify(3) protocol: READY=1 once listening, WATCHDOG=1 at half
        of WATCHDOG_USEC, STOPPING=1 on SIGTERM."""
        import os
        import socket as so
        import tempfile
        path = os.path.join(tempfile.mkdtemp(prefix="iedd-notify-"), "notify")
        s = so.socket(so.AF_UNIX, so.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(5)
        env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="200000")
        p = subprocess.Popen([IEDD, "--listen", f"127.0.0.1:{free_port()}"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            got = [s.recv(256).decode() for _ in range(3)]
            self.assertEqual(got[0], "READY=1")
            self.assertEqual(got[1:], ["WATCHDOG=1", "WATCHDOG=1"])
            p.send_signal(signal.SIGTERM)
            while True:
                m = s.recv(256).decode()
                if m != "WATCHDOG=1":
                    break
            self.assertEqual(m, "STOPPING=1")
            self.assertEqual(p.wait(10), 0)
        finally:
            if p.poll() is None:
                p.kill()
            s.close()

    def test_sighup_reloads_the_embedded_default(self):
        d = Daemon()
        d.proc.send_signal(signal.SIGHUP)
        # the same embedded configuration again: its one source stays open
        self.assertTrue(d.wait_log("reloaded (embedded default)"), d.log())
        self.assertIn("(1 kept open)", d.log())
        r = iedc("identify", d.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(d.stop(), 0)

    def test_socket_activation(self):
        """sd_listen_fds(3): a listening socket passed as fd 3 with
        LISTEN_PID = iedd's pid and LISTEN_FDS=1 is served instead of the
        configured listener (systemd's iedd.socket)."""
        import os
        import socket as so
        ls = so.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(8)
        port = ls.getsockname()[1]
        other = free_port()
        # exec keeps the pid, so the child can name itself in LISTEN_PID
        wrapper = ("import os,sys; os.dup2(int(sys.argv[1]), 3); "
                   "os.environ['LISTEN_PID'] = str(os.getpid()); "
                   "os.environ['LISTEN_FDS'] = '1'; os.execv(sys.argv[2], sys.argv[2:])")
        p = subprocess.Popen([sys.executable, "-c", wrapper, str(ls.fileno()), IEDD,
                              "--listen", f"127.0.0.1:{other}"], pass_fds=[ls.fileno()],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ls.close()
        try:
            ok = None
            for _ in range(100):
                r = iedc("identify", f"127.0.0.1:{port}")
                if r.returncode == 0:
                    ok = r
                    break
                time.sleep(0.05)
            self.assertIsNotNone(ok, "the inherited socket is not served")
            self.assertNotEqual(iedc("identify", f"127.0.0.1:{other}").returncode, 0,
                                "the configured listener was bound as well")
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(10), 0)
            self.assertIn("using 1 socket-activated listener(s)", p.stderr.read())
        finally:
            if p.poll() is None:
                p.kill()
            p.stderr.close()

    def test_sigint_exits_0(self):
        d = Daemon()
        self.assertEqual(d.stop(signal.SIGINT), 0)


if __name__ == "__main__":
    main()
