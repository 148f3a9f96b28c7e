#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""TLS benchmark (issue 15, first step): Read of one FLOAT32 over TLS and over
plain TCP against the same iedd in the same run, at 1 and 16 associations
(closed loop, ctl-bench --mode read), and associations per second with and
without TLS (ctl-bench --mode connect: TCP, TLS handshake with a client
certificate, COTP to MMS Initiate, then dropped), i.e. the full-handshake
rate on one server core.

    tests/bench/tls_bench.py BUILDDIR

iedd pinned to CPU 0, ctl-bench to CPU 1; RSA 2048 test PKI from
scripts/make-test-pki.sh. Loopback only."""
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
REF = "IEDD1BAY/MMXU1$MX$TotW$mag$f"
COUNT = int(os.environ.get("BENCH_COUNT", "20000"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build")
    iedd = os.path.join(build, "daemon", "iedd")
    bench = os.path.join(build, "tools", "bench", "ctl-bench")
    pki = tempfile.mkdtemp(prefix="iedd-bench-pki-")
    subprocess.run([os.path.join(SRC, "scripts", "make-test-pki.sh"), pki], check=True,
                   capture_output=True)
    plain, tls = free_port(), free_port()
    d = subprocess.Popen(["taskset", "-c", "0", iedd, "--listen", f"127.0.0.1:{plain}",
                          "--tls-listen", f"127.0.0.1:{tls}", "--tls-dir", pki],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        tls_args = ["--tls", "--ca", f"{pki}/ca.pem", "--cert", f"{pki}/client.pem",
                    "--key", f"{pki}/client.key"]
        rows = []

        def run(port, mode, clients, count, extra=()):
            cmd = ["taskset", "-c", "1", bench, "-c", f"127.0.0.1:{port}", "--mode", mode,
                   "--ref", REF, "--clients", str(clients), "--count", str(count), *extra]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            f = dict(kv.split("=") for kv in out.split() if "=" in kv)
            return float(f["p50_us"]), float(f["p99_us"]), float(f["rate_per_s"])

        for clients in (1, 16):
            n = COUNT // clients
            p = run(plain, "read", clients, n)
            t = run(tls, "read", clients, n, tls_args)
            rows.append(f"read FLOAT32, {clients:2} assoc: plain p50 {p[0]:.1f} us p99 {p[1]:.1f} us "
                        f"{p[2]:.0f}/s | TLS p50 {t[0]:.1f} us p99 {t[1]:.1f} us {t[2]:.0f}/s | "
                        f"TLS/plain throughput {t[2] / p[2]:.2f}")
        p = run(plain, "connect", 1, 2000)
        t = run(tls, "connect", 1, 500, tls_args)
        rows.append(f"associations/s, 1 client: plain {p[2]:.0f}/s (p50 {p[0]:.0f} us) | "
                    f"TLS 1.3 full handshake, RSA 2048 {t[2]:.0f}/s (p50 {t[0]:.0f} us)")
        print("\n".join(rows))
    finally:
        d.terminate()
        d.wait()


if __name__ == "__main__":
    main()
