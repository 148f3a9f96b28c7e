# SPDX-License-Identifier: Apache-2.0
"""Expected clients and their rights (<clients>, IEC 62351-8 roles;
doc/security.md) through the real iedd --simulate and iedc: a client known
by its ACSE password (hashed by iedd --hash-password), one by its calling
AP-title and AE-qualifier, one by its TLS certificate's fingerprint, one by
its address; what each role may do and what it is refused, with the error a
client sees (access denied, No-access-authority in the LastApplError, a
hidden logical device that does not exist, AARE diagnostic 13), and the
audit records that name the client."""
import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import IEDD, Daemon, DaemonCase, Raw, cotp_cr, free_port, iedc, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NS = "urn:iedd:config:1"
CF = "IEDD1BAY/MMXU1.TotW.db[CF]"
MX = "IEDD1BAY/MMXU1.TotW.mag.f[MX]"
SW = "IEDD1BAY/XSWI1.Pos"
TUR = "IEDD1WTG/WTUR1.SetTurOp"
ENG = ("--ap-title", "1.3.9999.13", "--ae-qualifier", "12")
REFUSED = "association rejected (ACSE result 1, diagnostic 13)"


def hash_password(pw):
    r = subprocess.run([IEDD, "--hash-password"], input=pw + "\n", capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def records(path, want, timeout=5.0):
    deadline = time.time() + timeout
    while True:
        recs = []
        if os.path.exists(path):
            with open(path) as f:
                recs = [json.loads(line) for line in f]
        if any(r["event"] == want for r in recs) or time.time() > deadline:
            return recs
        time.sleep(0.05)


def cotp_from_other_address(test, port):
    """A COTP CR from 127.0.0.2 gets its CC; returns None, or why 127.0.0.2
    cannot be bound here."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5,
                                     source_address=("127.0.0.2", 0))
    except OSError as e:
        return str(e)
    raw = Raw.__new__(Raw)
    raw.s, raw.buf = s, b""
    raw.send(cotp_cr())
    cc = raw.recv_tpkt()
    test.assertTrue(cc and cc[5] == 0xD0, cc)
    raw.close()
    return None


class Roles(DaemonCase):
    """OPERATOR by password, ENGINEER by AP-title + AE-qualifier, VIEWER by
    password; a rule takes CONTROL from OPERATOR in IEDD1WTG, one hides
    IEDD1WTG from VIEWER altogether."""
    prefix = "iedd-rbac-"

    @classmethod
    def setUpClass(cls):
        cls.op_hash = hash_password("op-pass")
        cls.view_hash = hash_password("look only")

    def start(self):
        self.audit = os.path.join(self.dir, "audit.jsonl")
        cfg = f"""<iedd xmlns="{NS}">
  <clients>
    <rule roles="OPERATOR" ld="IEDD1WTG" deny="CONTROL"/>
    <rule roles="VIEWER" ld="IEDD1WTG" deny="ALL"/>
    <client name="op" roles="OPERATOR" password="{self.op_hash}"/>
    <client name="eng" roles="ENGINEER" apTitle="1.3.9999.13" aeQualifier="12"/>
    <client name="view" roles="VIEWER" password="{self.view_hash}"/>
  </clients>
</iedd>"""
        self.d = Daemon("--simulate", "--audit-file", self.audit, config=cfg)

    def test_hash_is_salted_and_not_the_password(self):
        self.assertRegex(self.op_hash, r"^\$pbkdf2-sha256\$\d+\$[0-9a-f]{32}\$[0-9a-f]{64}$")
        self.assertNotEqual(self.op_hash, hash_password("op-pass"))
        self.assertNotIn("op-pass", self.op_hash)

    def test_unknown_clients_refused_with_one_answer(self):
        self.start()
        for args in ((), ("-p", "wrong"), ("-p", "op-pas"), ("--ap-title", "1.3.9999.13"),
                     ("--ap-title", "1.3.9999.13", "--ae-qualifier", "13")):
            r = iedc(*args, "identify", self.d.addr)
            self.assertEqual(r.returncode, 4, (args, r.stdout, r.stderr))
            self.assertIn(REFUSED, r.stderr)
        self.assertTrue(self.d.wait_log("wrong password"), self.d.log())
        # the audit trail is written by its own thread: wait for all five
        deadline = time.time() + 10
        while True:
            recs = [r for r in records(self.audit, "association-refused")
                    if r["event"] == "association-refused"]
            if len(recs) >= 5 or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(recs), 5, recs)
        self.assertIn("authentication required: no ACSE password", recs[0]["result"])
        self.assertIn("wrong password", recs[1]["result"])

    def test_operator(self):
        self.start()
        op = ("-p", "op-pass")
        r = iedc(*op, "read", self.d.addr, MX)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = iedc(*op, "control", self.d.addr, SW, "on")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok", r.stdout)
        # the rule: no CONTROL in IEDD1WTG; the client learns why
        r = iedc(*op, "control", self.d.addr, TUR, "true")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn("No-access-authority (AddCause 20)", r.stderr)
        # CONFIG and DATASET are not OPERATOR's
        r = iedc(*op, "write", self.d.addr, CF, "5")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("object-access-denied", r.stderr)
        r = iedc(*op, "dataset", "create", self.d.addr, "IEDD1BAY/LLN0.dsOp",
                 "IEDD1BAY/MMXU1.TotW[MX]")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("object-access-denied", r.stderr)
        self.assertEqual(self.read(CF), "1000")
        recs = records(self.audit, "authorization-failure")
        by = {}
        for x in recs:
            by.setdefault(x["event"], []).append(x)
        roles = {x["client"]: x["roles"] for x in by["association-accepted"]}
        self.assertEqual(roles, {"op": "OPERATOR", "eng": "ENGINEER"})
        self.assertEqual([(x["ref"], x["client"], x["ok"], x["result"]) for x in by["control"]],
                         [(SW, "op", True, "ok"), (TUR, "op", False, "No-access-authority")])
        self.assertEqual([(x["client"], x["ok"], x["result"]) for x in by["write"]],
                         [("op", False, "object-access-denied")])
        self.assertEqual([(x["client"], x["action"]) for x in by["authorization-failure"]],
                         [("op", "DefineNamedVariableList")])

    def read(self, ref):
        r = iedc(*ENG, "read", self.d.addr, ref)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_engineer(self):
        self.start()
        r = iedc(*ENG, "write", self.d.addr, CF, "5000")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(CF), "5000")
        r = iedc(*ENG, "dataset", "create", self.d.addr, "IEDD1BAY/LLN0.dsEng",
                 "IEDD1BAY/MMXU1.TotW[MX]")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = iedc(*ENG, "control", self.d.addr, SW, "off")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn("No-access-authority", r.stderr)
        recs = records(self.audit, "write")
        w = [x for x in recs if x["event"] == "write"]
        self.assertEqual((w[0]["client"], w[0]["old"], w[0]["new"], w[0]["ok"]),
                         ("eng", 1000, 5000, True))

    def test_viewer_browses_but_reads_nothing(self):
        self.start()
        v = ("-p", "look only")
        r = iedc(*v, "browse", self.d.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("IEDD1BAY", r.stdout)
        # denied ALL in IEDD1WTG: not even VIEW, so it is not there
        self.assertNotIn("IEDD1WTG", r.stdout)
        full = iedc(*ENG, "browse", self.d.addr)
        self.assertIn("IEDD1WTG", full.stdout)
        r = iedc(*v, "read", self.d.addr, MX)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("object-access-denied", r.stderr)
        r = iedc(*v, "read", self.d.addr, "IEDD1WTG/LLN0.Mod.stVal[ST]")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("object-non-existent", r.stderr)
        r = iedc(*v, "control", self.d.addr, SW, "on")
        self.assertNotEqual(r.returncode, 0)


class ByAddress(unittest.TestCase):
    """A client known by its address: refused at accept from anywhere else,
    before a byte of OSI is read."""

    def test_refused_at_accept(self):
        tmp = tempfile.mkdtemp(prefix="iedd-rbac-")
        audit = os.path.join(tmp, "audit.jsonl")
        cfg = f"""<iedd xmlns="{NS}"><clients>
  <client name="plc" roles="OPERATOR" address="127.0.0.2, 10.0.0.0/8"/>
</clients></iedd>"""
        d = Daemon("--audit-file", audit, config=cfg)
        try:
            r = iedc("identify", d.addr)
            # closed (or reset) before any answer
            self.assertEqual(r.returncode, 5, r.stderr)
            self.assertRegex(r.stderr, "server closed the connection|reset by peer")
            self.assertTrue(d.wait_log("refused at accept: no expected client"), d.log())
            # from 127.0.0.2 (loopback too), the same server associates
            try:
                s = socket.create_connection(("127.0.0.1", d.port), timeout=5,
                                             source_address=("127.0.0.2", 0))
            except OSError as e:
                self.skipTest(f"cannot bind 127.0.0.2: {e}")
            raw = Raw.__new__(Raw)
            raw.s, raw.buf = s, b""
            raw.associate()
            self.assertIsNotNone(raw.identify())
            raw.close()
            self.assertTrue(d.wait_log("as client 'plc' (OPERATOR)"), d.log())
        finally:
            self.assertEqual(d.stop(), 0)
        recs = records(audit, "association-refused")
        self.assertTrue(any(x["event"] == "association-refused" and x["action"] == "connect"
                            for x in recs), recs)


class Backoff(unittest.TestCase):
    """After authFailures failures in a row from one address its connections
    are refused at accept for authBackoff; other addresses are not; once it
    is over, the right password associates and the count starts again."""

    def test_backoff_after_failures(self):
        h = hash_password("op-pass")
        cfg = f"""<iedd xmlns="{NS}">
  <server><limits authFailures="2" authBackoff="5000" authBackoffMax="5000"/></server>
  <clients><client name="op" roles="OPERATOR" password="{h}"/></clients>
</iedd>"""
        d = Daemon(config=cfg)
        try:
            for _ in range(2):
                r = iedc("-p", "guess", "identify", d.addr)
                self.assertEqual(r.returncode, 4, r.stderr)
                self.assertIn(REFUSED, r.stderr)
            self.assertTrue(d.wait_log("2 authentication failures in a row from this address"),
                            d.log())
            # the right password now, from the same address: closed at accept
            r = iedc("-p", "op-pass", "identify", d.addr)
            self.assertEqual(r.returncode, 5, r.stderr)
            self.assertTrue(d.wait_log("refused at accept: authentication failures from this "
                                       "address"), d.log())
            # another address is not held up
            why = cotp_from_other_address(self, d.port)
            if why:
                self.skipTest(f"cannot bind 127.0.0.2: {why}")
            # over after the backoff (polled: no assumption on how fast this machine is)
            deadline = time.time() + 30
            while True:
                r = iedc("-p", "op-pass", "identify", d.addr)
                if r.returncode == 0 or time.time() > deadline:
                    break
                time.sleep(0.5)
            self.assertEqual(r.returncode, 0, r.stderr)
            # a success started the count again: one mistake is not a backoff
            self.assertEqual(iedc("-p", "guess", "identify", d.addr).returncode, 4)
            self.assertEqual(iedc("-p", "op-pass", "identify", d.addr).returncode, 0)
        finally:
            self.assertEqual(d.stop(), 0)


class ReloadClientList(unittest.TestCase):
    """SIGHUP reads the client list again: new associations meet the new
    one, an established association keeps the rights it associated with,
    and a broken list leaves the running one."""

    def test_sighup_new_list(self):
        op, eng = hash_password("op-pass"), hash_password("eng-pass")
        first = f"""<iedd xmlns="{NS}"><clients>
  <client name="op" roles="OPERATOR" password="{op}"/>
</clients></iedd>"""
        d = Daemon(config=first)
        path = os.path.join(d.dir, "iedd.xml")
        try:
            self.assertEqual(iedc("-p", "op-pass", "read", d.addr, MX).returncode, 0)
            self.assertNotEqual(iedc("-p", "eng-pass", "identify", d.addr).returncode, 0)
            rep = subprocess.Popen([os.environ["IEDC"], "-p", "op-pass", "--json", "report",
                                    d.addr, "IEDD1BAY/LLN0.RP.urcbMeas01", "--trgops", "period",
                                    "--intgpd", "200", "--count", "15"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertTrue(d.wait_log("as client 'op' (OPERATOR)"), d.log())
            time.sleep(0.5)
            with open(path, "w") as f:
                f.write(f"""<iedd xmlns="{NS}"><clients>
  <client name="eng" roles="ENGINEER" password="{eng}"/>
</clients></iedd>""")
            d.proc.send_signal(signal.SIGHUP)
            self.assertTrue(d.wait_log("reload: the client list has 1 client(s)"), d.log())
            self.assertTrue(d.wait_log("1 established association(s) keep the rights"), d.log())
            # op is no longer expected; eng is
            r = iedc("-p", "op-pass", "identify", d.addr)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn(REFUSED, r.stderr)
            r = iedc("-p", "eng-pass", "write", d.addr, CF, "4321")
            self.assertEqual(r.returncode, 0, r.stderr)
            # op's report session goes on to its end
            out, err = rep.communicate(timeout=30)
            self.assertEqual(rep.returncode, 0, err)
            self.assertEqual(len(out.splitlines()), 15)
            # a broken list: refused with its line, the running one stays
            with open(path, "w") as f:
                f.write(f"""<iedd xmlns="{NS}"><clients>
  <client name="eng" roles="ENGINEER" password="{eng}"/>
  <client name="x" roles="NOSUCHROLE" password="{op}"/>
</clients></iedd>""")
            d.proc.send_signal(signal.SIGHUP)
            self.assertTrue(d.wait_log("reload refused"), d.log())
            self.assertIn("iedd.xml:3:", d.log())
            self.assertEqual(iedc("-p", "eng-pass", "identify", d.addr).returncode, 0)
            self.assertEqual(iedc("-p", "op-pass", "identify", d.addr).returncode, 4)
        finally:
            self.assertEqual(d.stop(), 0)


class PendingCap(unittest.TestCase):
    """<limits pendingPerAddress="3">: three connections from one address
    that never associate hold its quota; the fourth is refused at accept
    (audited), another address is not, and a slot that frees lets the
    address in again."""

    def test_cap_on_connections_not_associated(self):
        d = Daemon(config=f"""<iedd xmlns="{NS}">
  <server><limits pendingPerAddress="3" associationTimeout="60000"/></server>
</iedd>""")
        held = []
        try:
            for _ in range(3):
                held.append(socket.create_connection(("127.0.0.1", d.port), timeout=5))
            # wait until iedd has accepted all three
            deadline = time.time() + 5
            while d.log().count(" connected") < 3 and time.time() < deadline:
                time.sleep(0.05)
            r = iedc("identify", d.addr)
            self.assertNotEqual(r.returncode, 0)
            self.assertTrue(d.wait_log("refused at accept: 3 connections from this address are "
                                       "not associated yet"), d.log())
            why = cotp_from_other_address(self, d.port)
            if why:
                print(f"127.0.0.2 not usable here ({why}); the other-address case is skipped")
            held.pop().close()
            deadline = time.time() + 10
            while True:
                r = iedc("identify", d.addr)
                if r.returncode == 0 or time.time() > deadline:
                    break
                time.sleep(0.1)
            self.assertEqual(r.returncode, 0, r.stderr)
            # an association that completed no longer counts: many in a row
            for _ in range(5):
                self.assertEqual(iedc("identify", d.addr).returncode, 0)
        finally:
            for s in held:
                s.close()
            self.assertEqual(d.stop(), 0)


class ByCertificate(unittest.TestCase):
    """A client known by its certificate's SHA-256 fingerprint: another
    certificate of the same CA is a valid chain but no expected client."""

    @classmethod
    def setUpClass(cls):
        missing = [t for t in ("certtool",) if not shutil.which(t)]
        if missing:
            raise unittest.SkipTest("certtool not installed (scripts/setup.sh)")
        cls.pki = tempfile.mkdtemp(prefix="iedd-pki-")
        subprocess.run([os.path.join(ROOT, "scripts", "make-test-pki.sh"), cls.pki],
                       check=True, capture_output=True)

    def tls(self, port, client, *args):
        p = os.path.join(self.pki, client)
        return iedc("--tls", "--ca", os.path.join(self.pki, "ca.pem"), "--cert", p + ".pem",
                    "--key", p + ".key", args[0], f"127.0.0.1:{port}", *args[1:])

    def test_fingerprint(self):
        with open(os.path.join(self.pki, "client.pem")) as f:
            fp = hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()
        cfg = f"""<iedd xmlns="{NS}"><clients>
  <client name="eng-laptop" roles="ENGINEER" fingerprint="{fp}"/>
</clients></iedd>"""
        port = free_port()
        d = Daemon("--tls-listen", f"127.0.0.1:{port}", "--tls-dir", self.pki, config=cfg)
        try:
            r = self.tls(port, "client", "write", CF, "4000")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = self.tls(port, "client-ecdsa", "identify")
            self.assertNotEqual(r.returncode, 0)
            self.assertTrue(d.wait_log("unknown client"), d.log())
            # plain TCP cannot be the certificate's client
            r = iedc("identify", d.addr)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn(REFUSED, r.stderr)
            self.assertTrue(d.wait_log("as client 'eng-laptop' (ENGINEER)"), d.log())
        finally:
            self.assertEqual(d.stop(), 0)

    def test_roles_from_certificate(self):
        # IEC 62351-8 access token in the certificate (make-test-pki.sh):
        # client-roles holds OPERATOR for "iedd-test"; client-noroles only
        # an expired role, one for another area and an unknown role ID
        cfg = f"""<iedd xmlns="{NS}"><clients areaOfResponsibility="iedd-test">
  <client name="pki-user" certificateRoles="true"/>
</clients></iedd>"""
        port = free_port()
        d = Daemon("--tls-listen", f"127.0.0.1:{port}", "--tls-dir", self.pki, config=cfg)
        try:
            r = self.tls(port, "client-roles", "read", MX)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(d.wait_log("as client 'pki-user' (OPERATOR)"), d.log())
            self.assertTrue(d.wait_log("1 IEC 62351-8 role(s) in the certificate, 0 ignored"),
                            d.log())
            r = self.tls(port, "client-roles", "write", CF, "5")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("object-access-denied", r.stderr)
            # no usable role: no VIEW, so the model is not there for it
            r = self.tls(port, "client-noroles", "read", MX)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("object-non-existent", r.stderr)
            self.assertTrue(d.wait_log("3 IEC 62351-8 role(s) in the certificate, 3 ignored"),
                            d.log())
            # a client without the extension gets no roles either
            r = self.tls(port, "client", "read", MX)
            self.assertIn("object-non-existent", r.stderr)
            # roles from a certificate need TLS
            r = iedc("identify", d.addr)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn(REFUSED, r.stderr)
        finally:
            self.assertEqual(d.stop(), 0)

        # another area of responsibility: the OPERATOR role is not this IED's
        cfg = cfg.replace('"iedd-test"', '"other-plant"')
        d = Daemon("--tls-listen", f"127.0.0.1:{port}", "--tls-dir", self.pki, config=cfg)
        try:
            r = self.tls(port, "client-roles", "read", MX)
            self.assertIn("object-non-existent", r.stderr)
            self.assertTrue(d.wait_log("1 IEC 62351-8 role(s) in the certificate, 1 ignored"),
                            d.log())
        finally:
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    main()
