#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Process-variable scan cost: iedd's CPU share of one core and its RSS while
the sim plugin feeds N mapped attributes (default 10,000) at a 100 ms scan.

    tests/bench/pv_bench.py BUILD [--rows N] [--period MS] [--seconds S] [--runs R]

The model is tools/gen-scl.py 1000 (as in the Read benchmark); the map takes
the first N MX FLOAT32 attributes of iedd --print-map-template and gives
each a sine profile, so every scan changes every value (the worst case for
change detection and the deadband: each row is a dchg). iedd runs pinned to
CPU 0 with -v off; CPU is (utime + stime) from /proc/PID/stat over S
seconds after a 2 s warm-up, median of R runs. Issue 4's target: <= 5 %
of one core for 10,000 attributes at 100 ms.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--period", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    iedd = os.path.join(a.build, "daemon", "iedd")
    tmp = tempfile.mkdtemp(prefix="pv-bench-")
    scl = os.path.join(tmp, "gen1000.icd")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen-scl.py"), "1000", "-o", scl],
                   check=True)
    tmpl = subprocess.run([iedd, "--scl", scl, "--print-map-template"], check=True,
                          capture_output=True, text=True).stdout
    rows = []
    for line in tmpl.splitlines():
        if line.startswith("#") or not line.endswith(",FLOAT32") or "[MX]" not in line:
            continue
        ref = line.split(",", 1)[0]
        # periods 5..14 s and phases spread the values
        rows.append(f'{ref},sim,"sine:period={5 + len(rows) % 10},amplitude=100,'
                    f'phase={len(rows) % 360}",,,r,')
        if len(rows) == a.rows:
            break
    if len(rows) < a.rows:
        sys.exit(f"only {len(rows)} MX FLOAT32 attributes in the model")
    mpath = os.path.join(tmp, "map.csv")
    with open(mpath, "w") as f:
        f.write("reference,source,address,scale,offset,direction,scanClass\n")
        f.write("\n".join(rows) + "\n")
    cpath = os.path.join(tmp, "iedd.xml")
    with open(cpath, "w") as f:
        f.write(f"""<iedd xmlns="urn:iedd:config:1">
  <scl file="{scl}"/>
  <map file="{mpath}" period="{a.period}"/>
  <sources><source name="sim" plugin="sim"/></sources>
</iedd>
""")
    hz = os.sysconf("SC_CLK_TCK")
    shares, rss = [], []
    for _ in range(a.runs):
        port = free_port()
        p = subprocess.Popen(["taskset", "-c", "0", iedd, "--config", cpath, "--listen",
                              f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 30
            while time.time() < deadline:
                if p.poll() is not None:
                    sys.exit("iedd exited:\n" + p.stderr.read())
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            time.sleep(2)
            t0, c0 = time.monotonic(), cpu_ticks(p.pid)
            time.sleep(a.seconds)
            t1, c1 = time.monotonic(), cpu_ticks(p.pid)
            shares.append((c1 - c0) / hz / (t1 - t0) * 100)
            rss.append(rss_kb(p.pid))
        finally:
            p.terminate()
            p.wait(10)
    print(f"{a.rows} sim attributes at {a.period} ms, {a.runs} runs of {a.seconds:g} s: "
          f"CPU {statistics.median(shares):.2f} % of one core (runs: "
          + ", ".join(f"{s:.2f}" for s in shares) + f"), VmRSS {statistics.median(rss) / 1024:.1f} MB")


if __name__ == "__main__":
    main()
