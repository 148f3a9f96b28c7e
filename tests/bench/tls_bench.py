#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""TLS benchmark (issue 15): what TLS costs iedd, measured in one run.

    tests/bench/tls_bench.py BUILDDIR

1. Read of one FLOAT32 over TLS and over plain TCP against the same iedd,
   at 1 and 16 associations (closed loop, ctl-bench --mode read); the
   throughput ratio TLS/plain (target >= 0.7 at 16).
2. Handshakes: associations per second (TCP, TLS handshake with a client
   certificate, COTP to MMS Initiate, close_notify; ctl-bench --mode
   connect, 4 clients so the server core stays busy), full with an RSA 2048
   and with an ECDSA P-256 server certificate, and resumed (TLS 1.3
   tickets, TLS 1.2 session IDs), each in TLS 1.3 and TLS 1.2, beside plain
   TCP. The client certificate is ECDSA P-256 so that the client's own
   signature stays cheap. Besides the rate: iedd's CPU share over the run
   and the rate per second of iedd CPU ("on one server core").
3. Key renewal under load: 4 associations reading in a closed loop for
   BENCH_REKEY_S seconds against iedd with rekeyInterval="1" (every session
   renews its keys every second: TLS 1.3 KeyUpdate, TLS 1.2 renegotiation
   with an RSA 2048 server key) and, in the same run, against the default
   (no renewal within the run) and over plain TCP: p99, p99.9 and the
   slowest Read, and how many renewals iedd logged (target: none > 5 ms).
   The slowest Read of a run is mostly the machine's (plain TCP has one as
   slow): compare the rows, not a row with the target.

iedd pinned to CPU 0, ctl-bench to CPU 1; test PKI from
scripts/make-test-pki.sh. Loopback only. Environment: BENCH_COUNT (reads
per row, default 20000), BENCH_HS_S (seconds per handshake row, default 3),
BENCH_REKEY_S (default 5)."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
REF = "IEDD1BAY/MMXU1$MX$TotW$mag$f"
COUNT = int(os.environ.get("BENCH_COUNT", "20000"))
HS_S = float(os.environ.get("BENCH_HS_S", "3"))
REKEY_S = float(os.environ.get("BENCH_REKEY_S", "5"))
RENEW_ASSOC = 4
TLS12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2:%SAFE_RENEGOTIATION"
TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
NS = "urn:iedd:config:1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, proc):
    for _ in range(100):
        if proc.poll() is not None:
            sys.exit(f"tls_bench: iedd exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("tls_bench: iedd does not listen")


class Iedd:
    def __init__(self, iedd, tls_dir, log, config=None):
        self.plain, self.tls = free_port(), free_port()
        args = ["taskset", "-c", "0", iedd, "-v", "--listen", f"127.0.0.1:{self.plain}",
                "--tls-listen", f"127.0.0.1:{self.tls}"]
        if tls_dir:
            args += ["--tls-dir", tls_dir]
        if config:
            args += ["--config", config]
        self.logf = open(log, "w+")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.logf)
        wait_port(self.tls, self.proc)

    def cpu_s(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()
        return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")

    def log_count(self, text):
        self.logf.flush()
        self.logf.seek(0)
        return sum(text in line for line in self.logf)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.logf.close()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build")
    iedd = os.path.join(build, "daemon", "iedd")
    bench = os.path.join(build, "tools", "bench", "ctl-bench")
    for x in (iedd, bench):
        if not os.access(x, os.X_OK):
            sys.exit(f"tls_bench: {x} is missing; build first (ninja -C {build})")
    if os.cpu_count() < 2:
        print("tls_bench: needs CPUs 0 and 1 to pin server and load apart; skipped")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="iedd-bench-tls-")
    pki = os.path.join(tmp, "pki")
    subprocess.run([os.path.join(SRC, "scripts", "make-test-pki.sh"), pki], check=True,
                   capture_output=True)
    # the same PKI with the ECDSA server certificate under --tls-dir's names
    pki_ec = os.path.join(tmp, "pki-ecdsa")
    os.mkdir(pki_ec)
    for n in ("ca.pem", "crl.pem"):
        shutil.copy(os.path.join(pki, n), pki_ec)
    shutil.copy(os.path.join(pki, "server-ecdsa.pem"), os.path.join(pki_ec, "server.pem"))
    shutil.copy(os.path.join(pki, "server-ecdsa.key"), os.path.join(pki_ec, "server.key"))
    tls_args = ["--tls", "--ca", f"{pki}/ca.pem", "--cert", f"{pki}/client-ecdsa.pem",
                "--key", f"{pki}/client-ecdsa.key"]
    daemons = []

    def run(d, port, mode, clients, count=0, seconds=0, extra=()):
        cmd = ["taskset", "-c", "1", bench, "-c", f"127.0.0.1:{port}", "--mode", mode,
               "--ref", REF, "--clients", str(clients),
               "--count", str(count or 1000000), *extra]
        if seconds:
            cmd += ["--seconds", str(seconds)]
        c0 = d.cpu_s()
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"tls_bench: {' '.join(cmd)}: {out.stderr.strip()}")
        f = dict(kv.split("=") for kv in out.stdout.split() if "=" in kv)
        r = {k: float(f[k]) for k in ("p50_us", "p99_us", "p999_us", "max_us", "rate_per_s",
                                      "resumed", "samples")}
        wall = r["samples"] / r["rate_per_s"] if r["rate_per_s"] else 0
        r["server_cpu"] = (d.cpu_s() - c0) / wall if wall else 0
        return r

    rows = []
    try:
        d = Iedd(iedd, pki, os.path.join(tmp, "iedd.log"))
        daemons.append(d)
        for clients in (1, 16):
            n = COUNT // clients
            p = run(d, d.plain, "read", clients, n)
            t = run(d, d.tls, "read", clients, n, extra=tls_args)
            rows.append(f"read FLOAT32, {clients:2} assoc: plain {p['rate_per_s']:.0f}/s "
                        f"(p50 {p['p50_us']:.1f} us, p99 {p['p99_us']:.1f} us) | TLS 1.3 "
                        f"{t['rate_per_s']:.0f}/s (p50 {t['p50_us']:.1f} us, p99 "
                        f"{t['p99_us']:.1f} us) | TLS/plain {t['rate_per_s'] / p['rate_per_s']:.2f}")

        def hs_row(label, d, port, extra=()):
            r = run(d, port, "connect", 4, seconds=HS_S, extra=extra)
            per_core = r["rate_per_s"] / r["server_cpu"] if r["server_cpu"] else 0
            rows.append(f"{label:34} {r['rate_per_s']:7.0f}/s  iedd CPU {r['server_cpu']:.2f}  "
                        f"per iedd core-second {per_core:7.0f}  p50 {r['p50_us']:.0f} us  "
                        f"resumed {r['resumed']:.0f}/{r['samples']:.0f}")

        hs_row("associations, plain TCP", d, d.plain)
        for v, prio in (("1.3", TLS13), ("1.2", TLS12)):
            hs_row(f"TLS {v} full, RSA 2048 server", d, d.tls, tls_args + ["--tls-priority", prio])
            hs_row(f"TLS {v} resumed, RSA 2048 server", d, d.tls,
                   tls_args + ["--tls-priority", prio, "--resume"])
        e = Iedd(iedd, pki_ec, os.path.join(tmp, "iedd-ecdsa.log"))
        daemons.append(e)
        for v, prio in (("1.3", TLS13), ("1.2", TLS12)):
            hs_row(f"TLS {v} full, ECDSA P-256 server", e, e.tls,
                   tls_args + ["--tls-priority", prio])
        e.stop()
        daemons.remove(e)

        cfg = os.path.join(tmp, "iedd.xml")
        with open(cfg, "w") as f:
            f.write(f'<?xml version="1.0"?>\n<iedd xmlns="{NS}">\n'
                    f'  <tls rekeyInterval="1" rekeyBytes="0" resumption="0">\n'
                    f'    <certificate file="{pki}/server.pem" key="{pki}/server.key"/>\n'
                    f'    <ca file="{pki}/ca.pem"/>\n  </tls>\n</iedd>\n')
        k = Iedd(iedd, None, os.path.join(tmp, "iedd-rekey.log"), config=cfg)
        daemons.append(k)

        def tail_row(label, d, port, extra=(), what=None):
            before = d.log_count(what) if what else 0
            r = run(d, port, "read", RENEW_ASSOC, seconds=REKEY_S, extra=extra)
            n = f" ({d.log_count(what) - before} renewals)" if what else ""
            rows.append(f"{label + n:60} {r['rate_per_s']:6.0f}/s p50 {r['p50_us']:5.1f} us "
                        f"p99 {r['p99_us']:6.1f} us p99.9 {r['p999_us']:7.1f} us max "
                        f"{r['max_us'] / 1000:5.2f} ms")

        rows.append(f"closed-loop Read, {RENEW_ASSOC} associations, {REKEY_S:.0f} s each:")
        tail_row("  plain TCP", d, d.plain)
        for v, prio, what in (("1.3", TLS13, "TLS 1.3 key update"),
                              ("1.2", TLS12, "TLS renegotiated")):
            tail_row(f"  TLS {v}, keys kept (rekeyInterval 3600)", d, d.tls,
                     tls_args + ["--tls-priority", prio])
            tail_row(f"  TLS {v}, keys renewed every 1 s", k, k.tls,
                     tls_args + ["--tls-priority", prio], what)
        print("\n".join(rows))
    finally:
        for d in daemons:
            d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
