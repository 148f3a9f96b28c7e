# SPDX-License-Identifier: Apache-2.0
"""Paths in iedd.xml, run through the real iedd: a relative plugin path is
taken from the directory of iedd.xml (as <scl file> and <map file> are), not
from the current directory; an SCL file that cannot be opened is reported
with the iedd.xml line that named it and the path it resolved to, or as
coming from --scl. Every iedd here runs in a directory of its own that is
not the one of iedd.xml, so a path resolved from the current directory
would miss."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import free_port, main  # noqa: E402

IEDD = os.environ.get("IEDD")
SIM = os.environ.get("IEDD_SIM_PLUGIN")

MAP = ("reference,source,address,scale,offset,direction,scanClass\n"
       "BAY/MMXU1.TotW.mag.f[MX],s,\"sine:period=60,amplitude=10,offset=20\",,,r,\n")


def config(body):
    return f'<?xml version="1.0"?>\n<iedd xmlns="urn:iedd:config:1">\n{body}</iedd>\n'


class Paths(unittest.TestCase):
    def setUp(self):
        self.top = os.path.realpath(tempfile.mkdtemp(prefix="iedd-paths-"))
        self.etc = os.path.join(self.top, "etc")        # where iedd.xml lives
        self.cwd = os.path.join(self.top, "elsewhere")  # where iedd runs
        os.makedirs(self.etc)
        os.makedirs(self.cwd)

    def tearDown(self):
        shutil.rmtree(self.top, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.etc, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_iedd(self, *args, timeout=30):
        return subprocess.run([IEDD, *args], cwd=self.cwd, capture_output=True, text=True,
                              timeout=timeout)

    def serve_until(self, args, text, timeout=20):
        """Runs iedd until its log says `text` (True) or it exits (False);
        returns (found, log)."""
        log = os.path.join(self.top, "iedd.log")
        with open(log, "w") as lf:
            p = subprocess.Popen([IEDD, *args], cwd=self.cwd, stdout=lf, stderr=lf)
        try:
            deadline = time.time() + timeout
            while time.time() < deadline:
                with open(log) as f:
                    got = f.read()
                if text in got:
                    return True, got
                if p.poll() is not None:
                    break
                time.sleep(0.05)
            with open(log) as f:
                return False, f.read()
        finally:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    @unittest.skipUnless(SIM, "IEDD_SIM_PLUGIN not set (meson sets it)")
    def test_relative_plugin_from_config_dir(self):
        os.makedirs(os.path.join(self.etc, "lib"))
        os.symlink(SIM, os.path.join(self.etc, "lib", "iedd-source-sim.so"))
        self.write("m.csv", MAP)
        xml = self.write("iedd.xml", config(
            '  <map file="m.csv" period="100"/>\n'
            '  <sources><source name="s" plugin="lib/iedd-source-sim.so"/></sources>\n'))
        port = free_port()
        ok, log = self.serve_until(["-c", xml, "--listen", f"127.0.0.1:{port}"],
                                   f"listening on 127.0.0.1:{port}")
        self.assertTrue(ok, log)
        self.assertIn("1 attribute(s) mapped to 1 source(s)", log)

        # The same file run from its own directory: the same plugin.
        shutil.rmtree(self.cwd)
        os.symlink(self.etc, self.cwd)
        port = free_port()
        ok, log = self.serve_until(["-c", "iedd.xml", "--listen", f"127.0.0.1:{port}"],
                                   f"listening on 127.0.0.1:{port}")
        self.assertTrue(ok, log)

    @unittest.skipUnless(SIM, "IEDD_SIM_PLUGIN not set (meson sets it)")
    def test_relative_plugin_missing_names_resolved_path(self):
        self.write("m.csv", MAP)
        xml = self.write("iedd.xml", config(
            '  <map file="m.csv"/>\n'
            '  <sources><source name="s" plugin="lib/iedd-source-nope.so"/></sources>\n'))
        r = self.run_iedd("-c", xml, "--listen", f"127.0.0.1:{free_port()}")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(os.path.join(self.etc, "lib", "iedd-source-nope.so"), r.stderr)

    def test_missing_scl_from_config(self):
        xml = self.write("iedd.xml", config('  <scl\n     file="models/nosuch.icd"/>\n'))
        want = (f"{xml}:3: <scl file> names {self.etc}/models/nosuch.icd, which cannot be "
                f"opened: No such file or directory")
        for args in (["-c", xml], ["-c", xml, "--check"]):
            r = self.run_iedd(*args)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(want, r.stderr, args)
            self.assertIn("relative path is taken from the directory of", r.stderr)

    def test_missing_scl_from_command_line(self):
        xml = self.write("iedd.xml", config('  <scl file="models/a.icd"/>\n'))
        r = self.run_iedd("-c", xml, "--scl", "models/nosuch.icd")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"--scl models/nosuch.icd: cannot open {self.cwd}/models/nosuch.icd: "
                      "No such file or directory", r.stderr)
        self.assertNotIn("iedd.xml:", r.stderr)


if __name__ == "__main__":
    main()
