# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for iedd integration tests: start the real daemon on a free
loopback port, run the real iedc, and speak raw TPKT/COTP/session/
presentation/ACSE/MMS for malformed-input tests. The byte-level encoders here
are written independently of daemon/proto, from ISO 8073/8327/8823/8650 and
ISO 9506-2, so they also cross-check iedd's decoders."""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

IEDD = os.environ.get("IEDD")
IEDC = os.environ.get("IEDC")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bits_of(v):
    """iedc prints a Quality or Dbpos as 'words (bits)' ('good (0000000000000)',
    'on (10)'); the raw bits, for comparing."""
    m = re.fullmatch(r"[A-Za-z|]+ \(([01]+)\)", v)
    return m.group(1) if m else v


def write_file(path, text):
    """Writes text to path; returns path."""
    with open(path, "w") as f:
        f.write(text)
    return path


class Daemon:
    """iedd on 127.0.0.1:<free port>, stderr captured to a file. `wrap` is
    an argv prefix the daemon runs under (["ip", "netns", "exec", NS] for a
    network namespace: then readiness is the "listening on" log line, since
    this process cannot reach the namespace's loopback)."""

    def __init__(self, *args, config=None, port=None, wrap=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="iedd-test-")
        self.logpath = os.path.join(self.dir, "iedd.log")
        cmd = [IEDD, "--listen", f"127.0.0.1:{self.port}", "-v"]
        if config is not None:
            path = os.path.join(self.dir, "iedd.xml")
            with open(path, "w") as f:
                f.write(config)
            cmd += ["--config", path]
        cmd = list(wrap or []) + cmd + list(args)
        self.logf = open(self.logpath, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=self.logf)
        deadline = time.time() + 10
        if wrap:
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError("iedd exited early:\n" + self.log())
                if "listening on" in self.log():
                    return
                time.sleep(0.02)
            raise RuntimeError("iedd did not listen:\n" + self.log())
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("iedd exited early:\n" + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                # the probe counts as a connection until iedd sees it close
                self.wait_log("#1 closed", 3)
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("iedd did not listen:\n" + self.log())

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def log(self):
        with open(self.logpath) as f:
            return f.read()

    def wait_log(self, text, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.log():
                return True
            time.sleep(0.02)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        # under -Db_sanitize=address,undefined the daemon's own findings
        # (errors, leaks at exit, undefined behaviour) fail the test
        log = self.log()
        for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if mark in log:
                raise AssertionError(f"iedd reported '{mark}':\n" + log[-6000:])
        return self.proc.returncode


class Proxy:
    """A TCP relay in front of iedd that records what each side sent, so the
    exchange can be written as a pcap and given to tshark (capturing on lo
    needs privileges this test does not assume)."""

    def __init__(self, target):
        self.target = target
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(8)
        self.port = self.ls.getsockname()[1]
        self.conns = []     # per connection: [(from_client, bytes)]
        self.stopped = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def _run(self):
        import select
        while not self.stopped:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.target))
            rec = []
            self.conns.append(rec)
            open_ = {c: u, u: c}
            while open_:
                r, _, _ = select.select(list(open_), [], [], 5)
                if not r:
                    break
                for s in r:
                    try:
                        data = s.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        peer = open_.pop(s)
                        open_.pop(peer, None)
                        peer.close()
                        s.close()
                        break
                    rec.append((s is c, data))
                    open_[s].sendall(data)

    def close(self):
        self.stopped = True
        self.ls.close()

    def pcap(self, path, server_port):
        import struct

        def csum(b):
            if len(b) % 2:
                b += b"\0"
            s = sum(struct.unpack(f"!{len(b) // 2}H", b))
            while s >> 16:
                s = (s & 0xFFFF) + (s >> 16)
            return ~s & 0xFFFF

        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)]
        t = [1000000]

        def pkt(src, dst, seq, ack, flags, payload=b""):
            tcp = struct.pack("!HHIIBBHHH", src, dst, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                              5 << 4, flags, 65535, 0, 0)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000,
                             64, 6, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            frame = b"\0" * 12 + b"\x08\x00" + ip + tcp + payload
            t[0] += 100
            out.append(struct.pack("<IIII", t[0] // 1000000, t[0] % 1000000, len(frame),
                                   len(frame)) + frame)

        for i, rec in enumerate(self.conns):
            cp = 40000 + i
            cs, ss = 1000, 5000
            pkt(cp, server_port, cs - 1, 0, 0x02)
            pkt(server_port, cp, ss - 1, cs, 0x12)
            pkt(cp, server_port, cs, ss, 0x10)
            for from_client, data in rec:
                for k in range(0, len(data), 16000):
                    part = data[k:k + 16000]
                    if from_client:
                        pkt(cp, server_port, cs, ss, 0x18, part)
                        cs += len(part)
                    else:
                        pkt(server_port, cp, ss, cs, 0x18, part)
                        ss += len(part)
        with open(path, "wb") as f:
            f.write(b"".join(out))

    def tshark(self, path, server_port):
        """Writes the exchange to `path` and decodes it with tshark: returns
        (frames, bad, expert, detail): the one-line summary, the expert
        warnings and errors outside TCP, the whole expert table, and the
        verbose decode."""
        self.pcap(path, server_port)
        dec = ["tshark", "-r", path, "-d", f"tcp.port=={server_port},tpkt"]
        frames = subprocess.run(dec, capture_output=True, text=True).stdout
        expert = subprocess.run(dec + ["-q", "-z", "expert,warn"], capture_output=True,
                                text=True).stdout
        bad = [l for l in expert.splitlines()
               if l.strip() and ("Warning" in l or "Error" in l) and "Protocol" not in l
               and " TCP " not in l]
        detail = subprocess.run(dec + ["-V"], capture_output=True, text=True).stdout
        return frames, bad, expert, detail


def iedc(*args, timeout=30):
    return subprocess.run([IEDC, *args], capture_output=True, text=True, timeout=timeout)


# ---- BER and the OSI upper layers, independently encoded ----

def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content=b""):
    return bytes([tag]) + ber_len(len(content)) + content


def ber_int(tag, v):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(tag, v.to_bytes(n, "big", signed=True))


def tpkt(payload):
    return bytes([3, 0]) + (len(payload) + 4).to_bytes(2, "big") + payload


def cotp_cr(cls=0, tpdu_code=0x0B, li=None):
    body = bytes([0xE0, 0, 0, 0x12, 0x34, cls << 4]) + bytes([0xC0, 1, tpdu_code]) \
        + bytes([0xC1, 2, 0, 1, 0xC2, 2, 0, 1])
    return tpkt(bytes([len(body) if li is None else li]) + body)


def cotp_dt(data, eot=True):
    return tpkt(bytes([2, 0xF0, 0x80 if eot else 0]) + data)


OID_ACSE = bytes([0x52, 0x01, 0x00, 0x01])        # 2.2.1.0.1
OID_MMS_AS = bytes([0x28, 0xCA, 0x22, 0x02, 0x01])  # 1.0.9506.2.1
OID_MMS_CTX = bytes([0x28, 0xCA, 0x22, 0x02, 0x03])  # 1.0.9506.2.3
OID_BER = bytes([0x51, 0x01])                     # 2.1.1


def mms_initiate(local_detail=65000, calling=10, called=10, nesting=10, version=1):
    detail = ber_int(0x80, version) + tlv(0x81, bytes([5, 0xF1, 0x00])) \
        + tlv(0x82, bytes([3]) + b"\xff" * 10 + b"\xf8")
    body = b""
    if local_detail is not None:
        body += ber_int(0x80, local_detail)
    body += ber_int(0x81, calling) + ber_int(0x82, called) + ber_int(0x83, nesting)
    body += tlv(0xA4, detail)
    return tlv(0xA8, body)


def aarq(mms, ctx=OID_MMS_CTX):
    ext = tlv(0x06, OID_BER) + tlv(0x02, b"\x03") + tlv(0xA0, mms)
    return tlv(0x60, tlv(0x80, b"\x07\x80") + tlv(0xA1, tlv(0x06, ctx)) + tlv(0xBE, tlv(0x28, ext)))


def pdv(pcid, data):
    return tlv(0x61, tlv(0x30, tlv(0x02, bytes([pcid])) + tlv(0xA0, data)))


def pres_cp(user, contexts=((1, OID_ACSE), (3, OID_MMS_AS))):
    items = b"".join(tlv(0x30, tlv(0x02, bytes([i])) + tlv(0x06, oid) + tlv(0x30, tlv(0x06, OID_BER)))
                     for i, oid in contexts)
    normal = tlv(0x81, b"\0\0\0\1") + tlv(0x82, b"\0\0\0\1") + tlv(0xA4, items) + pdv(1, user)
    return tlv(0x31, tlv(0xA0, tlv(0x80, b"\x01")) + tlv(0xA2, normal))


def ses_cn(user):
    params = bytes([5, 6, 19, 1, 0, 22, 1, 2, 20, 2, 0, 2])
    ud = bytes([193]) + (bytes([len(user)]) if len(user) < 255 else b"\xff" + len(user).to_bytes(2, "big")) + user
    body = params + ud
    li = bytes([len(body)]) if len(body) < 255 else b"\xff" + len(body).to_bytes(2, "big")
    return bytes([13]) + li + body


def connect_pdus(mms=None, ctx=OID_MMS_CTX, contexts=None):
    """The CN TPKT(s) of a whole association request."""
    cp = pres_cp(aarq(mms if mms is not None else mms_initiate(), ctx),
                 contexts or ((1, OID_ACSE), (3, OID_MMS_AS)))
    return cotp_dt(ses_cn(cp))


def data_pdu(mms):
    return cotp_dt(b"\x01\x00\x01\x00" + pdv(3, mms))


def identify_req(invoke=1):
    return tlv(0xA0, ber_int(0x02, invoke) + tlv(0x82))


def write_req(invoke, domain, item, data):
    """MMS Write of one domain-specific variable; data is one Data TLV."""
    name = tlv(0xA1, tlv(0x1A, domain.encode()) + tlv(0x1A, item.encode()))
    spec = tlv(0xA0, tlv(0x30, tlv(0xA0, name)))
    return tlv(0xA0, ber_int(0x02, invoke) + tlv(0xA5, spec + tlv(0xA0, data)))


CONCLUDE_REQ = b"\x8b\x00"


def release_req():
    fn_user = tlv(0x61, tlv(0x30, tlv(0x02, b"\x01") + tlv(0xA0, tlv(0x62, ber_int(0x80, 0)))))
    return cotp_dt(bytes([9, len(fn_user) + 2, 193, len(fn_user)]) + fn_user)


def _tlv_at(b, i):
    """(tag, start of contents, end) of the BER TLV at b[i]."""
    tag = b[i]
    n = b[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    return tag, j, j + n


def mms_of(pkt):
    """The MMS PDU of a data TPKT from iedd (TPKT, COTP DT, session
    give-tokens + data, presentation fully-encoded data), or None."""
    i = 4 + 3 + 4
    if len(pkt) <= i or pkt[i] != 0x61:
        return None
    _, i, _ = _tlv_at(pkt, i)  # User-data
    _, i, _ = _tlv_at(pkt, i)  # PDV-list
    while i < len(pkt) and pkt[i] != 0xA0:  # presentation-context-identifier
        _, _, i = _tlv_at(pkt, i)
    if i >= len(pkt):
        return None
    _, j, end = _tlv_at(pkt, i)
    return pkt[j:end]


class Raw:
    """A raw TCP peer that reads whole TPKTs."""

    def __init__(self, port, timeout=5.0):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def recv_tpkt(self):
        """Next TPKT, or None when the server closed the connection."""
        while True:
            if len(self.buf) >= 4:
                n = int.from_bytes(self.buf[2:4], "big")
                if len(self.buf) >= n:
                    pkt, self.buf = self.buf[:n], self.buf[n:]
                    return pkt
            try:
                chunk = self.s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                return None
            if not chunk:
                return None
            self.buf += chunk

    def closed(self):
        """True when the server closes the connection (after any output)."""
        while True:
            try:
                chunk = self.s.recv(65536)
            except ConnectionResetError:
                return True
            except socket.timeout:
                return False
            if not chunk:
                return True

    def associate(self):
        self.send(cotp_cr())
        cc = self.recv_tpkt()
        assert cc and cc[5] == 0xD0, f"expected CC, got {cc!r}"
        self.send(connect_pdus())
        ac = self.recv_tpkt()
        assert ac and ac[7] == 14, f"expected session ACCEPT, got {ac!r}"
        return ac

    def recv_response(self, unconfirmed=None):
        """Next TPKT that is not an unconfirmed MMS PDU (an
        InformationReport: LastApplError, CommandTermination, a report);
        those are appended to `unconfirmed` (a list) when given."""
        while True:
            pkt = self.recv_tpkt()
            mms = mms_of(pkt) if pkt else None
            if mms is None or mms[0] != 0xA3:
                return pkt
            if unconfirmed is not None:
                unconfirmed.append(mms)

    def identify(self, invoke=1):
        self.send(data_pdu(identify_req(invoke)))
        return self.recv_tpkt()

    def close(self):
        self.s.close()


class _TapResult(unittest.TestResult):
    """Writes one TAP line per test case to `out`, so meson (protocol 'tap')
    counts each case, and a skipped case as skipped with its reason."""

    def __init__(self, out, suite=None):
        super().__init__()
        self.out = out
        self.n = 0
        # a class whose setUpClass skips or fails is reported once, for the
        # class; TAP's plan counted its cases, so each gets its line
        self.cases = {}
        for t in _cases(suite) if suite else ():
            self.cases.setdefault(f"{type(t).__module__}.{type(t).__qualname__}", []).append(t)

    def _class_cases(self, test):
        """The cases a setUpClass/tearDownClass holder ("setUpClass
        (__main__.Large)") stands for, or None for an ordinary case."""
        d = getattr(test, "description", None)
        if not isinstance(test, unittest.TestCase) and d and d.endswith(")") and " (" in d:
            return self.cases.get(d[d.index(" (") + 2:-1])
        return None

    def _line(self, ok, test, extra=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} {test.id()}{extra}", file=self.out,
              flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print(f"skipped {test.id()}: {reason}", file=sys.stderr)
        for t in self._class_cases(test) or [test]:
            self._line(True, t, f" # SKIP {reason}")

    def _fail(self, test, err, what):
        print(f"{what}: {test.id()}\n{self._exc_info_to_string(err, test)}", file=sys.stderr)
        held = self._class_cases(test)
        # a failed tearDownClass comes after its cases' own lines
        if held and test.description.startswith("setUpClass"):
            for t in held:
                self._line(False, t)
        else:
            self._line(False, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err, "FAIL")

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err, "ERROR")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, " # unexpected success")


def _cases(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _cases(t)
        else:
            yield t


def skip_all(why):
    """Reports the whole file as skipped (TAP plan 1..0), with the reason on
    stderr and in the plan line that meson shows."""
    print(f"skipped: {why}", file=sys.stderr)
    print(f"1..0 # SKIP {why}", flush=True)
    sys.exit(0)


class DaemonCase(unittest.TestCase):
    """A test case with a scratch directory (self.dir) and at most one
    daemon (self.d, stopped after the test); read() gives a value as iedc
    prints it, a Quality or Dbpos as its bits."""
    prefix = "iedd-"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self.prefix)
        self.d = None

    def tearDown(self):
        if self.d:
            self.d.stop()

    def read(self, ref):
        r = iedc("read", self.d.addr, ref)
        self.assertEqual(r.returncode, 0, r.stderr)
        return bits_of(r.stdout.strip())


def main(*needs):
    """Runs the calling module's tests and reports them as TAP (meson's
    protocol 'tap'): every case counts on its own, a skipped one as a skip
    with its reason. `needs` are environment variables the tests cannot run
    without (IEDD and IEDC always). Exits 1 when any case failed; when every
    case was skipped, TAP's plan says so and meson counts the file as skipped."""
    missing = [v for v in ("IEDD", "IEDC") + needs if not os.environ.get(v)]
    if missing:
        skip_all(f"{', '.join(missing)} not set (meson sets them)")
    import warnings
    warnings.simplefilter("ignore", ResourceWarning)
    tap = sys.stdout
    sys.stdout = sys.stderr     # what the tests print stays out of the TAP stream
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    print(f"1..{suite.countTestCases()}", file=tap, flush=True)
    result = _TapResult(tap, suite)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        suite.run(result)
    print(f"{result.testsRun} run, {len(result.failures)} failed, {len(result.errors)} errors, "
          f"{len(result.skipped)} skipped", file=sys.stderr)
    sys.exit(0 if result.wasSuccessful() else 1)
