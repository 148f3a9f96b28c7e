#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""testssl.sh (Debian's testssl.sh package), a TLS referee nobody here
wrote, against iedd's TLS listener with the test PKI: no finding of
severity MEDIUM or higher beyond the ones doc/tls.md lists and explains,
the protocols it sees are TLS 1.2 and 1.3 only, and iedd serves on
afterwards (testssl's hundreds of odd handshakes leave it well)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import Daemon, free_port, iedc, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# doc/tls.md, "testssl.sh": id -> why it stays
ACCEPTED = {
    # iedd checks CRL files the operator places (IEC 62351-3 file-based PKI);
    # whether certificates name a CRL distribution point or an OCSP
    # responder is the PKI's choice, and the test PKI's name none
    "cert_revocation": "Neither CRL nor OCSP URI provided",
}


class Testssl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tool = shutil.which("testssl") or shutil.which("testssl.sh")
        if not cls.tool or not shutil.which("certtool"):
            raise unittest.SkipTest("testssl.sh or certtool not installed (scripts/setup.sh --tests)")
        cls.tmp = tempfile.mkdtemp(prefix="iedd-testssl-")
        cls.pki = os.path.join(cls.tmp, "pki")
        subprocess.run([os.path.join(ROOT, "scripts", "make-test-pki.sh"), cls.pki], check=True,
                       capture_output=True)
        cls.tls_port = free_port()
        cls.d = Daemon("--tls-listen", f"127.0.0.1:{cls.tls_port}", "--tls-dir", cls.pki)
        cls.json = os.path.join(cls.tmp, "testssl.json")
        # every check testssl runs by default (protocols, suites, server
        # preferences, certificate, vulnerabilities, client simulation);
        # --add-ca: the test CA is a trust anchor like the system's
        r = subprocess.run([cls.tool, "--quiet", "--color", "0", "--warnings", "off",
                            "--openssl-timeout", "10", "--add-ca", os.path.join(cls.pki, "ca.pem"),
                            "--jsonfile", cls.json, f"127.0.0.1:{cls.tls_port}"],
                           capture_output=True, text=True, timeout=900)
        cls.out = r.stdout + r.stderr
        with open(cls.json) as f:
            cls.findings = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def finding(self, fid):
        for f in self.findings:
            if f["id"] == fid:
                return f
        self.fail(f"testssl said nothing about {fid}:\n{self.out[-3000:]}")

    def test_no_medium_or_worse_beyond_documented(self):
        bad = [f for f in self.findings if f["severity"] in ("MEDIUM", "HIGH", "CRITICAL")
               and not (f["id"] in ACCEPTED and ACCEPTED[f["id"]] in f["finding"])]
        self.assertEqual(bad, [], self.out[-4000:])
        # WARN: a check testssl could not make (iedd requires a client
        # certificate, which testssl does not present); FATAL: testssl broke
        cant = ("client authentication", "client x509-based authentication")
        self.assertFalse([f for f in self.findings if f["severity"] == "FATAL" or
                          (f["severity"] == "WARN" and f["id"] != "service" and
                           not any(c in f["finding"] for c in cant))], self.out[-4000:])

    def test_protocols(self):
        for p in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
            self.assertEqual(self.finding(p)["finding"], "not offered")
        self.assertIn("offered", self.finding("TLS1_2")["finding"])
        self.assertIn("offered", self.finding("TLS1_3")["finding"])
        self.assertNotIn("not offered", self.finding("TLS1_3")["finding"])

    def test_server_order_and_chain(self):
        self.assertEqual(self.finding("cipher_order")["severity"], "OK")
        self.assertEqual(self.finding("cert_chain_of_trust")["severity"], "OK")

    def test_iedd_serves_on(self):
        r = iedc("identify", self.d.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = iedc("--tls", "--ca", os.path.join(self.pki, "ca.pem"),
                 "--cert", os.path.join(self.pki, "client.pem"),
                 "--key", os.path.join(self.pki, "client.key"), "identify",
                 f"127.0.0.1:{self.tls_port}")
        self.assertEqual(r.returncode, 0, r.stderr)
        # the refusals it provoked are logged as TLS events
        self.assertIn("insecure TLS version", self.d.log())


if __name__ == "__main__":
    main()
