#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Records the seeds of fuzz_tls (tests/fuzz/corpus/tls): what real TLS
clients send to iedd, read by read, in fuzz_tls's input format
([2-octet big-endian length][octets]...).

    tests/fuzz/tls_seeds.py BUILDDIR tests/fuzz/corpus/tls

iedd (BUILDDIR/daemon/iedd) serves TLS with a fresh test PKI
(scripts/make-test-pki.sh); a recording proxy on 127.0.0.1 sits between
it and gnutls-cli / openssl s_client. Each client's handshake is one seed:
TLS 1.3 and 1.2 with a client certificate (RSA, ECDSA), without one, a
revoked one, a TLS 1.1-only client, a NULL-cipher offer, a client that
renegotiates. Run again when a new case is wanted; the seeds differ from
run to run (keys and randoms) and any recording will do."""
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import free_port  # noqa: E402


def proxy_once(listener, upstream, reads):
    """Accepts one client, relays both ways, records the client's reads."""
    c, _ = listener.accept()
    u = socket.create_connection(("127.0.0.1", upstream))
    socks = [c, u]
    try:
        while True:
            r, _, _ = select.select(socks, [], [], 5)
            if not r:
                break
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                if s is c:
                    reads.append(data)
                    u.sendall(data)
                else:
                    c.sendall(data)
    except OSError:
        pass
    finally:
        c.close()
        u.close()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    build, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    pki = tempfile.mkdtemp(prefix="iedd-seeds-pki-")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-pki.sh"), pki], check=True,
                   capture_output=True)
    tls_port = free_port()
    d = subprocess.Popen([os.path.join(build, "daemon", "iedd"), "--listen",
                          f"127.0.0.1:{free_port()}", "--tls-listen", f"127.0.0.1:{tls_port}",
                          "--tls-dir", pki], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    p = lambda n: os.path.join(pki, n)

    def gnutls(prio, client="client", data=b""):
        cert = ["--x509certfile", p(client + ".pem"), "--x509keyfile", p(client + ".key")] \
            if client else []
        return ["gnutls-cli", "--x509cafile", p("ca.pem"), *cert, "--priority", prio,
                "-p", "{port}", "127.0.0.1"], data

    def openssl(*extra, client="client", data=b""):
        cert = ["-cert", p(client + ".pem"), "-key", p(client + ".key")] if client else []
        return ["openssl", "s_client", "-connect", "127.0.0.1:{port}", "-CAfile", p("ca.pem"),
                *cert, *extra], data

    cr = bytes.fromhex("0300001611e00000000100c0010ac1020001c2020001")
    cases = {
        "tls13-rsa": gnutls("NORMAL:-VERS-ALL:+VERS-TLS1.3", data=cr),
        "tls12-rsa": gnutls("NORMAL:-VERS-ALL:+VERS-TLS1.2", data=cr),
        "tls12-ecdsa": gnutls("NORMAL:-VERS-ALL:+VERS-TLS1.2", client="client-ecdsa", data=cr),
        "tls12-nocert": gnutls("NORMAL:-VERS-ALL:+VERS-TLS1.2", client=None),
        "tls12-revoked": gnutls("NORMAL:-VERS-ALL:+VERS-TLS1.2", client="client-revoked"),
        "tls12-unsafe-reneg": gnutls("NORMAL:-VERS-ALL:+VERS-TLS1.2:%DISABLE_SAFE_RENEGOTIATION"),
        "tls11-only": gnutls("NORMAL:-VERS-ALL:+VERS-TLS1.1"),
        "tls12-null": gnutls("NONE:+VERS-TLS1.2:+NULL:+SHA256:+RSA:+COMP-NULL:+SIGN-ALL:"
                             "+GROUP-ALL:+CTYPE-X509"),
        "openssl-tls12-reneg": openssl("-tls1_2", data=b"R\n"),
        "openssl-tls13-keyupdate": openssl("-tls1_3", data=b"K\n"),
    }
    for name, (cmd, data) in cases.items():
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        reads = []
        t = threading.Thread(target=proxy_once, args=(lst, tls_port, reads))
        t.start()
        port = str(lst.getsockname()[1])
        cmd = [x.replace("{port}", port) for x in cmd]
        try:
            subprocess.run(cmd, input=data, capture_output=True, timeout=10)
        except subprocess.TimeoutExpired:
            pass
        t.join(10)
        lst.close()
        seed = b"".join(len(r).to_bytes(2, "big") + r for r in reads if len(r) < 65536)
        with open(os.path.join(out, name), "wb") as f:
            f.write(seed)
        print(f"{name}: {len(reads)} reads, {len(seed)} octets")
    d.terminate()
    d.wait()


if __name__ == "__main__":
    main()
