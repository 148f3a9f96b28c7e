# SPDX-License-Identifier: Apache-2.0
"""TLS (IEC 62351-3) against the real iedd, with a test PKI made here by
certtool (scripts/make-test-pki.sh) and two TLS stacks nobody here wrote as
referees: GnuTLS's gnutls-cli and OpenSSL's s_client. iedc --tls speaks MMS
over it end to end."""
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

from harness import IEDC, IEDD, Daemon, free_port, iedc, main, write_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKI = None
REF = "IEDD1BAY/LLN0.Mod.stVal[ST]"
NS = "urn:iedd:config:1"


def setUpModule():
    global PKI
    missing = [t for t in ("certtool", "gnutls-cli", "openssl") if not shutil.which(t)]
    if missing:
        raise unittest.SkipTest(f"{', '.join(missing)} not installed (scripts/setup.sh)")
    PKI = tempfile.mkdtemp(prefix="iedd-pki-")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-pki.sh"), PKI], check=True,
                   capture_output=True)


def pki(name):
    return os.path.join(PKI, name)


def fingerprint(pem):
    with open(pem) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


def tls_iedc(addr, *args, client="client"):
    cert = ["--cert", pki(client + ".pem"), "--key", pki(client + ".key")] if client else []
    return iedc("--tls", "--ca", pki("ca.pem"), *cert, *args[:1], addr, *args[1:])


def gnutls_cli(port, client="client", priority=None, data=b""):
    cmd = ["gnutls-cli", "--x509cafile", pki("ca.pem"), "-p", str(port), "127.0.0.1"]
    if client:
        cmd += ["--x509certfile", pki(client + ".pem"), "--x509keyfile", pki(client + ".key")]
    if priority:
        cmd += ["--priority", priority]
    return subprocess.run(cmd, input=data, capture_output=True, timeout=20)


def s_client(port, client="client", *extra):
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", pki("ca.pem"),
           *extra]
    if client:
        cmd += ["-cert", pki(client + ".pem"), "-key", pki(client + ".key")]
    return subprocess.run(cmd, input=b"", capture_output=True, timeout=20)


TLS12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2"


def send_until_closed(port, data, wait=5):
    """Connects, sends data and reads until iedd closes (at most `wait` s;
    0: closes at once)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(data)
    if wait:
        s.settimeout(wait)
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
    s.close()


def tls_config(body="", tls_attrs="", limits=""):
    return f"""<?xml version="1.0"?>
<iedd xmlns="{NS}">
  <server>{limits}</server>
  <tls {tls_attrs}>
    <certificate file="{pki('server.pem')}" key="{pki('server.key')}"/>
    <ca file="{pki('ca.pem')}"/>
    <crl file="{pki('crl.pem')}"/>
    {body}
  </tls>
</iedd>
"""


class TlsDaemon(Daemon):
    """iedd with its plain listener (the harness's) and a TLS listener."""

    def __init__(self, *args, config=None):
        self.tls_port = free_port()
        extra = ["--tls-listen", f"127.0.0.1:{self.tls_port}"]
        if config is None:
            extra += ["--tls-dir", PKI]
        super().__init__(*extra, *args, config=config)

    @property
    def tls_addr(self):
        return f"127.0.0.1:{self.tls_port}"


class ChainMode(unittest.TestCase):
    """clientAuth chain (the default), through --tls-dir: ca.pem, crl.pem."""

    @classmethod
    def setUpClass(cls):
        cls.d = TlsDaemon()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def refused(self, client, event, priority=TLS12):
        r = gnutls_cli(self.d.tls_port, client=client, priority=priority)
        self.assertNotEqual(r.returncode, 0, r.stdout.decode())
        self.assertTrue(self.d.wait_log(event), self.d.log()[-3000:])

    def test_iedc_identify_and_read_over_tls(self):
        r = tls_iedc(self.d.tls_addr, "identify")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vendor:      iedd", r.stdout)
        self.assertRegex(r.stdout, r"tls: +\(TLS1\.3")
        r = tls_iedc(self.d.tls_addr, "read", REF)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), iedc("read", self.d.addr, REF).stdout.strip())
        r = tls_iedc(self.d.tls_addr, "browse")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("IEDD1BAY", r.stdout)

    def test_plain_beside_tls(self):
        self.assertEqual(iedc("identify", self.d.addr).returncode, 0)
        self.assertEqual(tls_iedc(self.d.tls_addr, "identify").returncode, 0)
        # plain MMS on the TLS port is not a ClientHello: dropped
        self.assertNotEqual(iedc("identify", self.d.tls_addr, timeout=20).returncode, 0)

    def test_ecdsa_p256_client(self):
        r = tls_iedc(self.d.tls_addr, "identify", client="client-ecdsa")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_gnutls_cli_good_client_tls12_and_13(self):
        for prio in (TLS12, "NORMAL:-VERS-ALL:+VERS-TLS1.3"):
            r = gnutls_cli(self.d.tls_port, priority=prio)
            self.assertEqual(r.returncode, 0, r.stderr.decode() + r.stdout.decode())
            self.assertIn(b"Handshake was completed", r.stdout)

    def test_openssl_good_client(self):
        r = s_client(self.d.tls_port, "client", "-tls1_2")
        self.assertEqual(r.returncode, 0, r.stdout.decode())
        self.assertRegex(r.stdout.decode(), r"Cipher is ECDHE-RSA-AES(128|256)-GCM-SHA(256|384)")

    def test_no_client_certificate(self):
        self.refused(None, "certificate unavailable")
        r = s_client(self.d.tls_port, None, "-tls1_2")
        self.assertNotEqual(r.returncode, 0)
        # TLS 1.3: the refusal arrives after the client's Finished; iedc sees the alert
        r = tls_iedc(self.d.tls_addr, "identify", client=None)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("TLS alert", r.stderr)

    def test_other_ca(self):
        self.refused("client-other", "certificate not trusted")
        r = s_client(self.d.tls_port, "client-other", "-tls1_2")
        self.assertNotEqual(r.returncode, 0)

    def test_expired(self):
        self.refused("client-expired", "certificate expired")

    def test_revoked(self):
        self.refused("client-revoked", "certificate revoked")

    def test_rsa1024_refused_without_permission(self):
        self.refused("client-rsa1024", "certificate key too weak: RSA key of 1024 bits")
        r = tls_iedc(self.d.tls_addr, "identify", client="client-rsa1024")
        self.assertNotEqual(r.returncode, 0)

    def test_oversize(self):
        self.refused("client-oversize", "certificate size exceeded")

    def test_tls11_only_client_refused(self):
        r = gnutls_cli(self.d.tls_port, priority="NORMAL:-VERS-ALL:+VERS-TLS1.1")
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn(b"Handshake was completed", r.stdout)
        self.assertTrue(self.d.wait_log("insecure TLS version"), self.d.log()[-2000:])
        r = gnutls_cli(self.d.tls_port, priority="NORMAL:-VERS-ALL:+VERS-TLS1.0")
        self.assertNotEqual(r.returncode, 0)
        # OpenSSL's own security level refuses TLS 1.1 on most systems; at
        # level 0 it offers it, and iedd must still refuse
        r = s_client(self.d.tls_port, "client", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn(b"Cipher is ECDHE", r.stdout)

    def test_null_cipher_never(self):
        r = gnutls_cli(self.d.tls_port, priority="NONE:+VERS-TLS1.2:+NULL:+SHA256:+SHA1:+RSA:"
                       "+ECDHE-RSA:+COMP-NULL:+SIGN-ALL:+GROUP-ALL:+CTYPE-X509")
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(self.d.wait_log("no matching cipher suites"), self.d.log()[-2000:])
        r = s_client(self.d.tls_port, "client", "-tls1_2", "-cipher", "NULL@SECLEVEL=0")
        self.assertNotEqual(r.returncode, 0)

    def test_only_62351_suites_in_tls12(self):
        for suite, ok in (("ECDHE-RSA-AES128-GCM-SHA256", True), ("AES128-SHA256", True),
                          ("DHE-RSA-AES256-GCM-SHA384", True), ("ECDHE-RSA-AES128-SHA", False),
                          ("AES128-SHA", False), ("ECDHE-RSA-CHACHA20-POLY1305", False)):
            r = s_client(self.d.tls_port, "client", "-tls1_2", "-cipher", suite)
            self.assertEqual(r.returncode == 0, ok, f"{suite}: {r.stdout.decode()[-800:]}")

    def test_server_suite_order(self):
        # the client prefers static RSA and CBC; iedd's order picks ECDHE-GCM
        r = s_client(self.d.tls_port, "client", "-tls1_2", "-cipher",
                     "AES128-SHA256:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
        self.assertEqual(r.returncode, 0, r.stdout.decode()[-800:])
        self.assertIn(b"Cipher is ECDHE-RSA-AES128-GCM-SHA256", r.stdout)

    def test_rfc5746_required_in_tls12_only(self):
        # a TLS 1.2 client without RFC 5746 is refused before any data ...
        n = self.d.log().count("insecure renegotiation")
        r = gnutls_cli(self.d.tls_port, priority="NORMAL:-VERS-ALL:+VERS-TLS1.2:"
                       "%DISABLE_SAFE_RENEGOTIATION", data=b"\x03\x00\x00\x16")
        self.assertNotEqual(r.returncode, 0)
        deadline = time.time() + 5
        while self.d.log().count("insecure renegotiation") == n and time.time() < deadline:
            time.sleep(0.05)
        self.assertGreater(self.d.log().count("insecure renegotiation"), n, self.d.log()[-2000:])
        # ... a TLS 1.3 client that sends no renegotiation_info is not
        r = gnutls_cli(self.d.tls_port, priority="NORMAL:-VERS-ALL:+VERS-TLS1.3:"
                       "%DISABLE_SAFE_RENEGOTIATION")
        self.assertEqual(r.returncode, 0, r.stderr.decode() + r.stdout.decode())
        self.assertIn(b"Handshake was completed", r.stdout)

    def test_server_writes_no_key_log(self):
        keylog = os.path.join(tempfile.mkdtemp(prefix="iedd-keylog-"), "keys.log")
        os.environ["SSLKEYLOGFILE"] = keylog
        try:
            d = TlsDaemon()
        finally:
            del os.environ["SSLKEYLOGFILE"]
        try:
            self.assertEqual(tls_iedc(d.tls_addr, "identify").returncode, 0)
            self.assertTrue(d.wait_log("SSLKEYLOGFILE is set: ignored"), d.log())
        finally:
            d.stop()
        self.assertFalse(os.path.exists(keylog))

    def test_garbage_instead_of_client_hello(self):
        send_until_closed(self.d.tls_port, b"GET / HTTP/1.0\r\n\r\n" + os.urandom(300))
        self.assertEqual(tls_iedc(self.d.tls_addr, "identify").returncode, 0)
        self.assertEqual(iedc("identify", self.d.addr).returncode, 0)


    def test_malformed_records_leave_others_served(self):
        # a report session runs while other clients send broken records
        n_log = len(self.d.log())
        cert = ["--cert", pki("client.pem"), "--key", pki("client.key")]
        rep = subprocess.Popen([IEDC, "--tls", "--ca", pki("ca.pem"), *cert, "--json", "report",
                                self.d.tls_addr, "IEDD1BAY/LLN0.RP.urcbMeas04", "--trgops",
                                "period", "--intgpd", "200", "--count", "12"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.8)

        def poke(data, close_early=False):
            send_until_closed(self.d.tls_port, data, wait=0 if close_early else 3)

        hello = bytes.fromhex("16030100") + bytes([0x80]) + b"\x01\x00\x00\x7c\x03\x03"
        poke(hello[:9], close_early=True)                       # truncated, then gone
        poke(b"\x16\x03\x03\x48\x01" + os.urandom(200))        # record longer than 2^14+2048
        poke(b"\x15\x03\x03\x00\x02\x02\x28")                   # a fatal alert first
        poke(b"\x17\x03\x03\x00\x05hello")                     # application data first
        poke(b"\x16\x03\x03\x00\x00" * 3)                        # empty handshake records
        # an established session that then sends garbage and an alert
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(pki("ca.pem"))
        ctx.load_cert_chain(pki("client.pem"), pki("client.key"))
        ctx.check_hostname = False
        for junk in (os.urandom(64), b"\x15\x03\x03\x00\x02\x02\x28",
                     b"\x17\x03\x03\xff\xff" + os.urandom(100)):
            t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.d.tls_port)))
            raw = socket.socket(fileno=os.dup(t.fileno()))
            raw.sendall(junk)
            raw.settimeout(3)
            try:
                while raw.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout, OSError):
                pass
            raw.close()
            t.close()
        out, err = rep.communicate(timeout=30)
        self.assertEqual(rep.returncode, 0, err)
        sq = [json.loads(x)["sqNum"] for x in out.splitlines() if x.strip()]
        self.assertEqual(sq, list(range(sq[0], sq[0] + 12)))
        # each broken connection but the truncated one (which only closes)
        # was ended with a TLS event, logged
        log = self.d.log()[n_log:]
        self.assertGreaterEqual(log.count(" warning tls: ") + log.count(" notice tls: "), 7, log)
        self.assertEqual(tls_iedc(self.d.tls_addr, "identify").returncode, 0)
        self.assertEqual(iedc("identify", self.d.addr).returncode, 0)


class StalledHandshake(unittest.TestCase):
    def test_stalled_handshake_does_not_block_others(self):
        cfg = tls_config(limits='<limits associationTimeout="1500"/>')
        d = TlsDaemon(config=cfg)
        try:
            # the first five octets of a TLS record header, then nothing
            s = socket.create_connection(("127.0.0.1", d.tls_port))
            s.sendall(b"\x16\x03\x01\x02\x00")
            for _ in range(3):
                self.assertEqual(tls_iedc(d.tls_addr, "identify").returncode, 0)
            self.assertEqual(iedc("identify", d.addr).returncode, 0)
            s.settimeout(5)
            t0 = time.time()
            try:
                self.assertEqual(s.recv(100), b"")  # closed by the association timeout
            except ConnectionResetError:
                pass
            self.assertLess(time.time() - t0, 4.5)
            self.assertTrue(d.wait_log("association not completed in time"))
            s.close()
        finally:
            d.stop()


class Rsa1024Allowed(unittest.TestCase):
    def test_accepted_with_a_warning_at_every_handshake(self):
        d = TlsDaemon(config=tls_config(tls_attrs='allowRsa1024="true"'))
        try:
            for _ in range(2):
                r = tls_iedc(d.tls_addr, "identify", client="client-rsa1024")
                self.assertEqual(r.returncode, 0, r.stderr)
            r = gnutls_cli(d.tls_port, client="client-rsa1024", priority=TLS12)
            self.assertEqual(r.returncode, 0)
            time.sleep(0.2)
            self.assertEqual(d.log().count("weak key: client certificate"), 3, d.log())
            # 2048-bit clients: no warning
            self.assertEqual(tls_iedc(d.tls_addr, "identify").returncode, 0)
            self.assertEqual(d.log().count("weak key"), 3)
        finally:
            d.stop()


class PinnedMode(unittest.TestCase):
    def test_pinned_fingerprint_and_certificate_file(self):
        fp = fingerprint(pki("client.pem"))
        fp_colons = ":".join(fp[i:i + 2] for i in range(0, 64, 2)).upper()
        body = (f'<client name="scada-A" fingerprint="{fp_colons}"/>'
                f'<client name="ecdsa" cert="{pki("client-ecdsa.pem")}"/>')
        d = TlsDaemon(config=tls_config(body, 'clientAuth="pinned"'))
        try:
            self.assertEqual(tls_iedc(d.tls_addr, "identify").returncode, 0)
            self.assertTrue(d.wait_log("client 'scada-A'"))
            self.assertEqual(tls_iedc(d.tls_addr, "identify", client="client-ecdsa").returncode,
                             0)
            # signed by the same CA, but not one of the expected clients
            r = gnutls_cli(d.tls_port, client="client2", priority=TLS12)
            self.assertNotEqual(r.returncode, 0)
            self.assertTrue(d.wait_log("unknown client"), d.log())
            self.assertNotEqual(tls_iedc(d.tls_addr, "identify", client="client2").returncode, 0)
        finally:
            d.stop()


class Reload(unittest.TestCase):
    def test_sighup_new_pins_for_new_handshakes_running_one_goes_on(self):
        fp = fingerprint(pki("client.pem"))
        one = f'<client name="scada-A" fingerprint="{fp}"/>'
        two = one + f'<client name="scada-B" cert="{pki("client2.pem")}"/>'
        d = TlsDaemon(config=tls_config(one, 'clientAuth="pinned"'))
        try:
            self.assertNotEqual(tls_iedc(d.tls_addr, "identify", client="client2").returncode, 0)
            cert = ["--cert", pki("client.pem"), "--key", pki("client.key")]
            rep = subprocess.Popen([IEDC, "--tls", "--ca", pki("ca.pem"), *cert, "--json",
                                    "report", d.tls_addr, "IEDD1BAY/LLN0.RP.urcbMeas01",
                                    "--trgops", "period", "--intgpd", "200", "--count", "12"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(0.8)
            with open(os.path.join(d.dir, "iedd.xml"), "w") as f:
                f.write(tls_config(two, 'clientAuth="pinned"'))
            d.proc.send_signal(signal.SIGHUP)
            self.assertTrue(d.wait_log("new TLS handshakes use the files read now"), d.log())
            r = tls_iedc(d.tls_addr, "identify", client="client2")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(d.wait_log("client 'scada-B'"), d.log())
            out, err = rep.communicate(timeout=30)
            self.assertEqual(rep.returncode, 0, err)
            sq = [json.loads(x)["sqNum"] for x in out.splitlines() if x.strip()]
            self.assertEqual(len(sq), 12)
            self.assertEqual(sq, list(range(sq[0], sq[0] + 12)))
            # a broken certificate path: refused, the pins read before stay
            with open(os.path.join(d.dir, "iedd.xml"), "w") as f:
                f.write(tls_config(two, 'clientAuth="pinned"').replace("server.pem", "nope.pem"))
            d.proc.send_signal(signal.SIGHUP)
            self.assertTrue(d.wait_log("reload refused: the TLS files"), d.log())
            self.assertEqual(tls_iedc(d.tls_addr, "identify", client="client2").returncode, 0)
        finally:
            d.stop()

SESSION = 'rekeyInterval="2" renegotiationGrace="2" resumption="1"'
RESUME_S = 4
TLS12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2:%SAFE_RENEGOTIATION"
TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
CTL_BENCH = os.environ.get("CTL_BENCH")


def s_client_script(port, steps, *extra, client="client"):
    """openssl s_client -msg fed `steps` ((delay s, bytes), ...) on stdin:
    the handshake messages it saw and sent, in its words."""
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", pki("ca.pem"),
           "-cert", pki(client + ".pem"), "-key", pki(client + ".key"), "-msg", *extra]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        for delay, data in steps:
            time.sleep(delay)
            p.stdin.write(data)
            p.stdin.flush()
        time.sleep(1)
        p.stdin.close()
    except BrokenPipeError:
        pass  # s_client ended early: its output says why, the caller checks it
    out = p.stdout.read().decode(errors="replace")
    p.wait(timeout=20)
    return out


class SessionRenewal(unittest.TestCase):
    """Key renewal every 2 s, a 2 s grace for TLS 1.2 renegotiation,
    resumption for 1 s (tests only: the defaults are 1 h, 30 s, 30 min)."""

    @classmethod
    def setUpClass(cls):
        cls.d = TlsDaemon(config=tls_config(tls_attrs=SESSION))

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_tls13_key_update_reports_go_on(self):
        cert = ["--cert", pki("client.pem"), "--key", pki("client.key")]
        r = subprocess.run([IEDC, "--tls", "--ca", pki("ca.pem"), *cert, "--json", "report",
                            self.d.tls_addr, "IEDD1BAY/LLN0.RP.urcbMeas01", "--trgops", "period",
                            "--intgpd", "500", "--count", "10"],
                           capture_output=True, text=True, timeout=40)
        self.assertEqual(r.returncode, 0, r.stderr)
        sq = [json.loads(x)["sqNum"] for x in r.stdout.splitlines() if x.strip()]
        self.assertEqual(sq, list(range(sq[0], sq[0] + 10)))
        self.assertIn("TLS 1.3 key update (after 2 s)", self.d.log())
        self.assertNotIn("Decryption has failed", self.d.log())

    def test_tls13_client_key_update_with_request_answered(self):
        # OpenSSL's "K": the client updates and asks iedd to update too,
        # which it does before its next record (the CC to this CR)
        cr = bytes.fromhex("0300001611e00000000100c0010ac1020001c2020001")
        n = self.d.log().count("tpkt: version 104")
        out = s_client_script(self.d.tls_port, [(0.5, b"K\n"), (0.5, cr), (0.5, b"hello")],
                              "-tls1_3")
        self.assertIn(">>> TLS 1.3, Handshake [length 0005], KeyUpdate", out)
        self.assertIn("<<< TLS 1.3, Handshake [length 0005], KeyUpdate", out)
        # "hello" after the update decrypts: it is refused as a TPKT, not as TLS
        deadline = time.time() + 5
        while self.d.log().count("tpkt: version 104") == n and time.time() < deadline:
            time.sleep(0.05)
        self.assertGreater(self.d.log().count("tpkt: version 104"), n, self.d.log()[-2000:])
        self.assertNotIn("Decryption has failed", self.d.log())

    def test_tls12_server_initiated_renegotiation(self):
        n = len(self.d.log())
        out = s_client_script(self.d.tls_port, [(0.5, b"\x03"), (3.0, b"hello")], "-tls1_2")
        log = self.d.log()[n:]
        self.assertIn("<<< TLS 1.2, Handshake [length 0004], HelloRequest", out, log)
        self.assertGreaterEqual(len([x for x in out.splitlines() if "ClientHello" in x]), 2,
                                out[-3000:] + log)
        self.assertTrue(self.d.wait_log("TLS renegotiated (TLS1.2)"), self.d.log()[-2000:])
        self.assertTrue(self.d.wait_log("tpkt: length 25964"), self.d.log()[-2000:])

    def test_tls12_renegotiation_reports_go_on(self):
        # iedd holds the session's output from its HelloRequest to the end
        # of the renegotiation: reports generated meanwhile come after it
        cert = ["--cert", pki("client.pem"), "--key", pki("client.key")]
        n = self.d.log().count("TLS renegotiated")
        r = subprocess.run([IEDC, "--tls", "--ca", pki("ca.pem"), *cert, "--tls-priority", TLS12,
                            "--json", "report", self.d.tls_addr, "IEDD1BAY/LLN0.RP.urcbMeas02",
                            "--trgops", "period", "--intgpd", "300", "--count", "20"],
                           capture_output=True, text=True, timeout=40)
        self.assertEqual(r.returncode, 0, r.stderr)
        sq = [json.loads(x)["sqNum"] for x in r.stdout.splitlines() if x.strip()]
        self.assertEqual(sq, list(range(sq[0], sq[0] + 20)))
        self.assertGreaterEqual(self.d.log().count("TLS renegotiated") - n, 2, self.d.log()[-3000:])

    def test_renewal_under_read_load(self):
        # closed-loop reads from 4 associations while their keys are
        # renewed: none fails (TLS 1.2 renegotiation, TLS 1.3 KeyUpdate)
        for prio, what in ((TLS12, "TLS renegotiated"), (TLS13, "TLS 1.3 key update")):
            n = self.d.log().count(what)
            r = subprocess.run([CTL_BENCH, "-c", self.d.tls_addr, "--mode", "read",
                                "--ref", "IEDD1BAY/MMXU1$MX$TotW$mag$f", "--clients", "4",
                                "--count", "1000000", "--seconds", "4.5", "--tls",
                                "--ca", pki("ca.pem"), "--cert", pki("client-ecdsa.pem"),
                                "--key", pki("client-ecdsa.key"), "--tls-priority", prio],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr + self.d.log()[-3000:])
            self.assertIn("mode=read clients=4", r.stdout)
            self.assertGreaterEqual(self.d.log().count(what) - n, 4, self.d.log()[-3000:])

    def test_close_notify_before_iedd_closes(self):
        out = s_client_script(self.d.tls_port, [(0.5, b"hello")], "-tls1_3")
        self.assertTrue(self.d.wait_log("tpkt: version 104"), self.d.log()[-2000:])
        self.assertIn("<<< TLS 1.3, Alert [length 0002], warning close_notify", out)

    def test_client_that_does_not_renegotiate_is_disconnected(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(pki("ca.pem"))
        ctx.load_cert_chain(pki("client.pem"), pki("client.key"))
        ctx.check_hostname = False
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.d.tls_port))) as s:
            port = s.getsockname()[1]
            s.send(b"\x03")
            # reads nothing: the HelloRequest is never answered
            self.assertTrue(self.d.wait_log(f"127.0.0.1:{port}: renegotiation interval expired",
                                            timeout=15), self.d.log()[-2000:])
            s.settimeout(5)
            self.assertEqual(s.recv(100), b"")
        self.assertTrue(self.d.wait_log(f"127.0.0.1:{port} #"), self.d.log()[-2000:])


class Resumption(unittest.TestCase):
    """Resumption for RESUME_S seconds: long enough that two s_client runs
    in a row fit into it on a loaded machine, short enough to wait out."""
    @classmethod
    def setUpClass(cls):
        cls.d = TlsDaemon(config=tls_config(
            tls_attrs=f'rekeyInterval="600" resumption="{RESUME_S}"'))

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_resumption_tickets_and_session_ids(self):
        for prio in (None, TLS12):
            cmd = ["gnutls-cli", "--x509cafile", pki("ca.pem"), "--x509certfile",
                   pki("client.pem"), "--x509keyfile", pki("client.key"), "--resume",
                   "-p", str(self.d.tls_port), "127.0.0.1"]
            if prio:
                cmd += ["--priority", prio]
            r = subprocess.run(cmd, input=b"", capture_output=True, timeout=20)
            self.assertIn(b"This is a resumed session", r.stdout, (prio, r.stdout[-1500:]))
        sess = os.path.join(tempfile.mkdtemp(prefix="iedd-sess-"), "s.pem")
        o = ["-tls1_2", "-no_ticket"]
        self.assertIn("\nNew, TLSv1.2", s_client_script(self.d.tls_port, [], *o, "-sess_out", sess))
        self.assertIn("\nReused, TLSv1.2", s_client_script(self.d.tls_port, [], *o, "-sess_in", sess))
        self.assertIn("TLS resumed", self.d.log())
        time.sleep(RESUME_S + 1.5)  # the resumption lifetime is over
        self.assertIn("\nNew, TLSv1.2", s_client_script(self.d.tls_port, [], *o, "-sess_in", sess))


class CrlReload(unittest.TestCase):
    def test_sighup_new_crl_ends_revoked_session_others_go_on(self):
        self.revoke_client2(sighup=True)

    def test_changed_crl_file_is_read_without_sighup(self):
        self.revoke_client2(sighup=False)

    def revoke_client2(self, sighup):
        dirp = tempfile.mkdtemp(prefix="iedd-pki-copy-")
        for f in os.listdir(PKI):
            shutil.copy(os.path.join(PKI, f), dirp)
        port = free_port()
        d = Daemon("--tls-listen", f"127.0.0.1:{port}", "--tls-dir", dirp)
        try:
            addr = f"127.0.0.1:{port}"

            def report(client):
                return subprocess.Popen(
                    [IEDC, "--tls", "--ca", pki("ca.pem"), "--cert", pki(client + ".pem"),
                     "--key", pki(client + ".key"), "--json", "report", addr,
                     "IEDD1BAY/LLN0.RP.urcbMeas0" + ("1" if client == "client" else "2"),
                     "--trgops", "period", "--intgpd", "200", "--count", "40"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            keep, lose = report("client"), report("client2")
            self.assertTrue(d.wait_log("scada-2", timeout=10), d.log())
            time.sleep(0.5)
            # the CA revokes client2 as well
            tmpl = os.path.join(dirp, "crl2.tmpl")
            write_file(tmpl, "crl_next_update = 30\ncrl_number = 2\n")
            both = os.path.join(dirp, "revoke.pem")
            with open(both, "w") as f:
                for n in ("client-revoked.pem", "client2.pem"):
                    f.write(open(os.path.join(dirp, n)).read())
            subprocess.run(["certtool", "--generate-crl", "--load-ca-privkey",
                            os.path.join(dirp, "ca-key.pem"), "--load-ca-certificate",
                            os.path.join(dirp, "ca.pem"), "--load-certificate", both,
                            "--template", tmpl, "--outfile", os.path.join(dirp, "crl.pem")],
                           check=True, capture_output=True)
            if sighup:
                d.proc.send_signal(signal.SIGHUP)
            else:
                # the watch sees the new file, waits one period, reloads
                self.assertTrue(d.wait_log("crl.pem changed: reloading the TLS files",
                                           timeout=10), d.log()[-3000:])
                self.assertTrue(d.wait_log("TLS files reloaded"), d.log()[-3000:])
            self.assertTrue(d.wait_log("1 TLS session(s) end"), d.log()[-3000:])
            self.assertTrue(d.wait_log("certificate revoked: client 'CN=scada-2"), d.log()[-3000:])
            out, err = lose.communicate(timeout=30)
            self.assertNotEqual(lose.returncode, 0, out)
            out, err = keep.communicate(timeout=30)
            self.assertEqual(keep.returncode, 0, err)
            self.assertEqual(len(out.splitlines()), 40)
            # and a new handshake of client2 is refused now
            r = tls_iedc(addr, "identify", client="client2")
            self.assertNotEqual(r.returncode, 0)
        finally:
            d.stop()


def run_iedd(*args, timeout=10):
    return subprocess.run([IEDD, *args], capture_output=True, text=True, timeout=timeout)


class Configuration(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="iedd-tls-cfg-")

    def cfg(self, text):
        return write_file(os.path.join(self.dir, "iedd.xml"), text)

    def test_plain_switched_off(self):
        port = free_port()
        path = self.cfg(f"""<?xml version="1.0"?>
<iedd xmlns="{NS}">
  <server plainTcp="false">
    <listen address="127.0.0.1" port="{port}" transport="tls"/>
  </server>
  <tls>
    <certificate file="{pki('server.pem')}" key="{pki('server.key')}"/>
    <ca file="{pki('ca.pem')}"/>
  </tls>
</iedd>
""")
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("TLS OK", r.stdout)
        r = run_iedd("--config", path, "--listen", "127.0.0.1:1", "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("plainTcp", r.stderr)
        p = subprocess.Popen([IEDD, "--config", path, "-v"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 10
            ok = None
            while time.time() < deadline:
                ok = tls_iedc(f"127.0.0.1:{port}", "identify")
                if ok.returncode == 0:
                    break
                time.sleep(0.1)
            self.assertEqual(ok.returncode, 0, ok.stderr)
        finally:
            p.terminate()
            p.wait(10)
        # a plain listener under plainTcp="false": the file's line
        path = self.cfg(f"""<?xml version="1.0"?>
<iedd xmlns="{NS}">
  <server plainTcp="false">
    <listen address="127.0.0.1" port="{port}" transport="tls"/>
    <listen address="127.0.0.1" port="{port + 1}"/>
  </server>
  <tls>
    <certificate file="{pki('server.pem')}" key="{pki('server.key')}"/>
    <ca file="{pki('ca.pem')}"/>
  </tls>
</iedd>
""")
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{path}:5:", r.stderr)
        self.assertIn("plainTcp", r.stderr)

    def test_missing_and_invalid_files_name_line_and_path(self):
        cases = [
            ("server.pem", "/nonexistent/server.pem", 4, "cannot read"),
            ("server.key", pki("ca.pem"), 4, "no unencrypted PEM private key"),
            ("ca.pem", pki("server.key"), 5, "no PEM certificate"),
            ("server.pem", pki("client.pem"), 4, "does not belong"),
        ]
        for name, bad, line, what in cases:
            text = f"""<?xml version="1.0"?>
<iedd xmlns="{NS}">
  <tls>
    <certificate file="{pki('server.pem')}" key="{pki('server.key')}"/>
    <ca file="{pki('ca.pem')}"/>
  </tls>
</iedd>
"""
            if name == "server.pem" and what == "does not belong":
                text = text.replace(f'file="{pki("server.pem")}"', f'file="{bad}"')
            else:
                text = text.replace(pki(name), bad)
            path = self.cfg(text)
            for extra in (["--check"], ["--listen", f"127.0.0.1:{free_port()}"]):
                r = run_iedd("--config", path, *extra)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(f"{path}:{line}:", r.stderr)
                self.assertIn(what, r.stderr)
                if what != "does not belong":
                    self.assertIn(bad, r.stderr)

    def test_priority_below_tls12_refused(self):
        path = self.cfg(tls_config(tls_attrs='priority="NORMAL:+VERS-TLS1.0"'))
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"enables TLS1\.[01]: IEC 62351-3 allows TLS 1\.2 and 1\.3 only")
        self.assertIn(f"{path}:4:", r.stderr)
        path = self.cfg(tls_config(tls_attrs='priority="NORMAL:-VERS-ALL:+VERS-TLS1.2:+NULL"'))
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("NULL", r.stderr)

    def test_tls_listener_without_tls_section(self):
        path = self.cfg(f"""<?xml version="1.0"?>
<iedd xmlns="{NS}">
  <server>
    <listen address="127.0.0.1" transport="tls"/>
  </server>
</iedd>
""")
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{path}:4:", r.stderr)
        self.assertIn("<tls>", r.stderr)

    def test_session_renewal_settings(self):
        path = self.cfg(tls_config(tls_attrs='rekeyInterval="600" resumption="600"'))
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"iedd\.xml:4: .*resumption=\"600\" is not shorter than "
                         r"rekeyInterval=\"600\"")
        path = self.cfg(tls_config(tls_attrs='renegotiationGrace="0"'))
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("renegotiationGrace", r.stderr)
        path = self.cfg(tls_config(tls_attrs='rekeyInterval="86401"'))
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("rekeyInterval", r.stderr)
        path = self.cfg(tls_config(tls_attrs='rekeyInterval="0" rekeyBytes="0" resumption="0"'))
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_pinned_needs_clients(self):
        path = self.cfg(tls_config(tls_attrs='clientAuth="pinned"'))
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("pinned", r.stderr)
        path = self.cfg(tls_config('<client name="x" fingerprint="abcd"/>', 'clientAuth="pinned"'))
        r = run_iedd("--config", path, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("fingerprint", r.stderr)


if __name__ == "__main__":
    main()
