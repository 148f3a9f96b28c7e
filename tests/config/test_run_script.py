# SPDX-License-Identifier: Apache-2.0
"""scripts/run.sh (the README's first command) says where iedd really
listens: the address of iedd's own "listening on" line, also with --listen;
Ctrl-C stops iedd cleanly and run.sh exits with iedd's status; a listener
that cannot be opened prints no address and fails. The set-up step is
skipped here (IEDD_RUN_SETUP=0): the build exists, and a test must not
rebuild the tree it runs from."""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import free_port, iedc, main  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ["IEDD_BUILD_DIR"]


def run_sh(*args):
    env = dict(os.environ, IEDD_RUN_SETUP="0", IEDD_BUILD=BUILD)
    # its own process group: the SIGINT below is the terminal's Ctrl-C
    return subprocess.Popen(["sh", os.path.join(SRC, "scripts", "run.sh"), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def wait_line(p, needle, seconds=30):
    lines = []
    end = time.time() + seconds
    while time.time() < end:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return line, lines
    return None, lines


class RunScript(unittest.TestCase):
    def test_prints_the_address_given_with_listen(self):
        port = free_port()
        p = run_sh("--listen", "127.0.0.1:%d" % port)
        try:
            line, lines = wait_line(p, "iedd listens on")
            self.assertIsNotNone(line, "".join(lines))
            self.assertIn("iedd listens on 127.0.0.1:%d." % port, line)
            line, lines = wait_line(p, "Try, from another terminal")
            self.assertIn("iedc identify 127.0.0.1:%d" % port, line)
            r = iedc("identify", "127.0.0.1:%d" % port)
            self.assertEqual(r.returncode, 0, r.stderr)
            os.killpg(p.pid, signal.SIGINT)
            self.assertEqual(p.wait(timeout=30), 0)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.stdout.close()

    def test_wildcard_suggests_loopback(self):
        port = free_port()
        p = run_sh("--listen", "*:%d" % port)
        try:
            line, lines = wait_line(p, "Try, from another terminal")
            self.assertIsNotNone(line, "".join(lines))
            self.assertIn("iedc identify 127.0.0.1:%d" % port, line)
            os.killpg(p.pid, signal.SIGINT)
            self.assertEqual(p.wait(timeout=30), 0)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.stdout.close()

    def test_port_in_use_prints_no_address(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        try:
            p = run_sh("--listen", "127.0.0.1:%d" % port)
            out = p.communicate(timeout=30)[0]
            self.assertNotEqual(p.returncode, 0, out)
            self.assertNotIn("iedd listens on", out)
        finally:
            s.close()


if __name__ == "__main__":
    main()
