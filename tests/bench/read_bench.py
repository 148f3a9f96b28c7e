#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Read benchmark of the data-model issue: MMS Read of one FLOAT32 and of a
whole LN$MX, at 1, 16 and 64 associations (closed loop) and 16 x 5 in
flight, against the TCP ping-pong ceiling with the same request and response
sizes, on the sample model, a generated 100-LN and a generated 1,000-LN model
(1,000 LNs x about 20 DOs); start-up to the first association and RSS for
100 and 1,000 LNs.

    tests/bench/read_bench.py BUILDDIR

Server (iedd or pingpong) pinned to CPU 0, load generator to CPU 1; medians
of BENCH_RUNS (default 3) runs of BENCH_SECONDS (default 3) s. Loopback only.
The table is printed and written to BUILDDIR/bench-read-results.txt."""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import harness  # noqa: E402  (raw association bytes for the start-up probe)

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECS = float(os.environ.get("BENCH_SECONDS", "3"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    def __init__(self, argv, port):
        self.port = port
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(["taskset", "-c", "0", *argv], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                time.sleep(0.1)
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.01)
        self.log.seek(0)
        sys.exit("bench: server did not start: " + self.log.read().decode()[-2000:])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def load(build, *args):
    r = subprocess.run(["taskset", "-c", "1", os.path.join(build, "tools/bench/iedd-load"), *args],
                       capture_output=True, text=True, timeout=120)
    if r.returncode:
        sys.exit("bench: iedd-load failed: " + r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def measure(build, scl, var, label, rows):
    port, pport = free_port(), free_port()
    iedd = Server([os.path.join(build, "daemon/iedd"), "--scl", scl, "--listen",
                   f"127.0.0.1:{port}", "--max-associations", "1000"], port)
    probe = load(build, "identify", "-c", f"127.0.0.1:{port}", "-n", "1", "-t", "0.3",
                 "--tpdu-code", "11", "--read", var)
    pp = Server([os.path.join(build, "tools/bench/pingpong"), "--listen", f"127.0.0.1:{pport}",
                 "--response-size", str(probe["resp_bytes"])], pport)
    try:
        for conns, depth in ((1, 1), (16, 1), (64, 1), (16, 5)):
            res = {"iedd": [], "ceil": [], "p50": [], "p99": [], "us": []}
            for _ in range(RUNS):
                common = ["-n", str(conns), "-d", str(depth), "-t", str(SECS),
                          "--tpdu-code", "11", "--read", var]
                c = load(build, "raw", "-c", f"127.0.0.1:{pport}", *common)
                i = load(build, "identify", "-c", f"127.0.0.1:{port}",
                         "--server-pid", str(iedd.proc.pid), *common)
                res["iedd"].append(i["rate"])
                res["ceil"].append(c["rate"])
                res["p50"].append(i["p50_us"])
                res["p99"].append(i["p99_us"])
                res["us"].append(i["server_us_per_op"])
            med = {k: statistics.median(v) for k, v in res.items()}
            rows.append((label, f"{conns} x {depth}", med["iedd"], med["ceil"],
                         med["iedd"] / med["ceil"], med["p50"], med["p99"], med["us"],
                         probe["req_bytes"], probe["resp_bytes"]))
    finally:
        iedd.stop()
        pp.stop()


def startup(build, scl):
    """ms from exec to the first accepted association, and VmRSS then."""
    port = free_port()
    t0 = time.monotonic()
    proc = subprocess.Popen(["taskset", "-c", "0", os.path.join(build, "daemon/iedd"), "--scl",
                             scl, "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                p = harness.Raw(port, timeout=5)
                break
            except OSError:
                if time.monotonic() - t0 > 30:
                    sys.exit("bench: iedd did not start")
                time.sleep(0.0005)
        p.associate()
        ms = (time.monotonic() - t0) * 1000
        with open(f"/proc/{proc.pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        p.close()
        return ms, rss
    finally:
        proc.terminate()
        proc.wait(10)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="iedd-readbench-")
    gen = {}
    for n in (100, 1000):
        gen[n] = os.path.join(tmp, f"gen{n}.icd")
        subprocess.run([sys.executable, os.path.join(SRC, "tools", "gen-scl.py"), str(n), "-o",
                        gen[n]], check=True)
    sample = os.path.join(SRC, "etc", "sample.icd")
    # the last MMXU of each generated model (the LNs cycle MMXU, GGIO, XCBR)
    last = {100: 34, 1000: 334}
    rows = []
    measure(build, sample, "IEDD1BAY/MMXU1$MX$TotW$mag$f", "sample, FLOAT32", rows)
    measure(build, sample, "IEDD1BAY/MMXU1$MX", "sample, LN$MX", rows)
    for n in (100, 1000):
        measure(build, gen[n], f"GENLD0/MMXU{last[n]}$MX$TotW$mag$f", f"{n} LNs, FLOAT32", rows)
    measure(build, gen[1000], f"GENLD0/MMXU{last[1000]}$MX", "1000 LNs, LN$MX", rows)
    starts = {n: [startup(build, gen[n]) for _ in range(5)] for n in (100, 1000)}

    out = []
    out.append(f"iedd Read benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
               f"server CPU 0, load CPU 1; median of {RUNS} runs x {SECS:g} s")
    out.append(f"{'model, variable':22} {'assoc x depth':>13} {'iedd/s':>9} {'ceiling/s':>10} "
               f"{'ratio':>6} {'p50 us':>7} {'p99 us':>7} {'srv us/req':>10} {'req/resp B':>11}")
    for label, cd, i, c, ratio, p50, p99, us, rq, rs in rows:
        out.append(f"{label:22} {cd:>13} {i:9.0f} {c:10.0f} {ratio:6.2f} {p50:7.1f} {p99:7.1f} "
                   f"{us:10.2f} {rq:5d}/{rs:<5d}")
    r100 = [r for r in rows if r[0] == "100 LNs, FLOAT32"]
    r1000 = [r for r in rows if r[0] == "1000 LNs, FLOAT32"]
    for a, b in zip(r100, r1000):
        out.append(f"1000-LN vs 100-LN model, FLOAT32 {a[1]}: {b[2] / a[2]:.2f} of the rate")
    for n, v in starts.items():
        ms = statistics.median(x[0] for x in v)
        rss = statistics.median(x[1] for x in v)
        out.append(f"start-up to first association, {n} LNs x ~20 DOs: {ms:.1f} ms "
                   f"(median of 5), VmRSS {rss / 1024:.1f} MB")
    text = "\n".join(out)
    print(text)
    with open(os.path.join(build, "bench-read-results.txt"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
