#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""CPU limit benchmark (issue 17): a read flood from 16 associations
(iedd-load, closed loop, one request in flight each) against iedd with and
without --cpu-limit, and one light client beside it (an Identify every
10 ms on its own association). For each case: iedd's CPU from
/proc/PID/stat over the measurement window (utime + stime, all threads), the
flood's rate, and the light client's p50/p99/max latency.

    tests/bench/cpu_limit_bench.py BUILDDIR [LIMIT]

LIMIT is the per cent of one core (default 20). Cases: no limit, --cpu-limit
LIMIT, and --cpu-limit 100 (the budget is not reached by this load, so the
cost of measuring shows alone). iedd pinned to CPU 0, the load and the light
client to CPU 1; medians of BENCH_RUNS (default 3) runs of BENCH_SECONDS
(default 10) s. Loopback only, bounded in time (about 2 minutes). Not part
of pass/fail CI: on a shared machine the figures are indicative. The table
is printed and written to BUILDDIR/bench-cpu-limit-results.txt."""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import harness  # noqa: E402  (raw association bytes for the light client)

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = 16
LIGHT_PERIOD = 0.010
WARMUP = 1.0
VAR = "IEDD1BAY/MMXU1$MX$TotW$mag$f"
TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def proc_cpu(pid):
    """utime + stime of the whole process in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TCK


class Light(threading.Thread):
    """One association, one Identify every LIGHT_PERIOD; latencies kept
    while `measuring` is set."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.p = harness.Raw(port, timeout=10)
        self.p.associate()
        self.lat = []
        self.measuring = threading.Event()
        self.stop = threading.Event()
        self.error = None

    def run(self):
        invoke = 1
        nxt = time.monotonic()
        try:
            while not self.stop.is_set():
                t0 = time.monotonic()
                r = self.p.identify(invoke)
                t1 = time.monotonic()
                if not r:
                    raise RuntimeError("light client: connection closed")
                if self.measuring.is_set():
                    self.lat.append(t1 - t0)
                invoke = invoke % 1000000 + 1
                nxt += LIGHT_PERIOD
                d = nxt - time.monotonic()
                if d > 0:
                    time.sleep(d)
                else:
                    nxt = time.monotonic()
        except Exception as e:  # noqa: BLE001  (reported by the main thread)
            self.error = e


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def one_run(build, limit):
    port = free_port()
    argv = ["taskset", "-c", "0", os.path.join(build, "daemon/iedd"), "--listen",
            f"127.0.0.1:{port}", "--max-associations", "100"]
    if limit:
        argv += ["--cpu-limit", str(limit)]
    log = tempfile.TemporaryFile()
    srv = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    load = light = None
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if srv.poll() is not None or time.time() > deadline:
                    log.seek(0)
                    sys.exit("bench: iedd did not start: " + log.read().decode()[-2000:])
                time.sleep(0.02)
        light = Light(port)
        os.sched_setaffinity(0, {1})  # this thread and the light client on CPU 1
        light.start()
        load = subprocess.Popen(
            ["taskset", "-c", "1", os.path.join(build, "tools/bench/iedd-load"), "identify",
             "-c", f"127.0.0.1:{port}", "-n", str(CLIENTS), "-d", "1", "-t", str(SECS),
             "--warmup", str(WARMUP), "--tpdu-code", "11", "--read", VAR],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # the load's own window starts after set-up and its warm-up; ours
        # starts after the warm-up too and lasts SECS
        time.sleep(WARMUP + 0.3)
        light.measuring.set()
        c0, t0 = proc_cpu(srv.pid), time.monotonic()
        time.sleep(SECS - 0.6)
        c1, t1 = proc_cpu(srv.pid), time.monotonic()
        light.measuring.clear()
        out, err = load.communicate(timeout=60)
        if load.returncode:
            sys.exit("bench: iedd-load failed: " + err)
        res = json.loads(out.strip().splitlines()[-1])
        light.stop.set()
        light.join(5)
        if light.error:
            sys.exit(f"bench: {light.error}")
        lat = [x * 1e6 for x in light.lat]
        return {"cpu": (c1 - c0) / (t1 - t0) * 100, "rate": res["rate"],
                "flood_p99": res["p99_us"], "p50": pct(lat, 0.50), "p99": pct(lat, 0.99),
                "max": max(lat) if lat else float("nan"), "n_light": len(lat)}
    finally:
        if load and load.poll() is None:
            load.kill()
            load.wait()
        if light:
            light.stop.set()
            light.p.close()
        srv.terminate()
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    limit = int(sys.argv[2]) if len(sys.argv) == 3 else 20
    if os.cpu_count() < 2:
        print("bench: needs CPUs 0 and 1; skipped", file=sys.stderr)
        sys.exit(77)
    cases = [("no limit", 0), (f"--cpu-limit {limit}", limit), ("--cpu-limit 100", 100)]
    res = {label: [] for label, _ in cases}
    for _ in range(RUNS):  # interleaved, so machine noise hits every case alike
        for label, lim in cases:
            res[label].append(one_run(build, lim))
    out = [f"iedd CPU limit benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
           f"{CLIENTS} flooding associations + 1 light (Identify every "
           f"{LIGHT_PERIOD * 1000:g} ms); iedd CPU 0, clients CPU 1; median of {RUNS} runs x "
           f"{SECS:g} s",
           f"{'case':18} {'iedd CPU %':>10} {'flood req/s':>11} {'flood p99 us':>12} "
           f"{'light p50 us':>12} {'light p99 us':>12} {'light max us':>12} {'CPU % of runs':>20}"]
    for label, _ in cases:
        r = res[label]
        med = {k: statistics.median(x[k] for x in r) for k in r[0]}
        runs = "/".join(f"{x['cpu']:.1f}" for x in r)
        out.append(f"{label:18} {med['cpu']:10.1f} {med['rate']:11.0f} {med['flood_p99']:12.0f} "
                   f"{med['p50']:12.0f} {med['p99']:12.0f} {med['max']:12.0f} {runs:>20}")
    text = "\n".join(out)
    print(text)
    with open(os.path.join(build, "bench-cpu-limit-results.txt"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
