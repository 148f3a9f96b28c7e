#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""GOOSE publisher in the daemon (issue 14): the time from a change in the
model to the frame leaving iedd's send call, as iedd measures it itself
(acsi_gpub_stats, logged at stop), idle and with 16 MMS clients reading
closed loop on the same event loop; and what reaches a subscriber iedd on
the other end of a veth pair.

    tests/bench/goose_e2e_bench.py BUILDDIR [SECONDS]

Two network namespaces with a veth pair (tests/integration/netns.py; root
needed). The publisher serves ../shared/scl/simpleIO_direct_control_goose.cid
with --simulate --simulate-speed 100 (its AnalogValues data set changes at
every 10 ms scan: one GOOSE event each), pinned to CPU 0; the MMS load
(tools/bench/iedd-load, 16 associations reading one value closed loop) is
pinned to CPU 1, as is the subscriber. The table is printed."""
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import netns  # noqa: E402

SCL = os.path.join(SRC, "..", "shared", "scl", "simpleIO_direct_control_goose.cid")
LAT = re.compile(r"(\d+) event\(s\); change to send p50 (\d+) us, p99 (\d+) us, max (\d+) us")
RX = re.compile(r"(\d+) frame\(s\) received, (\d+) delivered")


def run(build, n, seconds, clients):
    iedd = os.path.join(build, "daemon", "iedd")
    load = os.path.join(build, "tools", "bench", "iedd-load")
    logp = f"/tmp/goose-bench-pub-{os.getpid()}.log"
    logs = f"/tmp/goose-bench-sub-{os.getpid()}.log"
    with open(logp, "w") as lp, open(logs, "w") as ls:
        pub = n.spawn("a", ["taskset", "-c", "0", iedd, "--scl", SCL, "--simulate",
                            "--simulate-speed", "100", "--goose-interface", n.ifa,
                            "--listen", "127.0.0.1:10102"], stdout=lp, stderr=lp)
        # a subscriber of everything the publisher sends: its own SCL
        # subscribes nothing, so it counts what arrives as unmatched
        sub = n.spawn("b", ["taskset", "-c", "1", iedd, "--scl", SCL, "--goose-interface", n.ifb,
                            "--listen", "127.0.0.1:10103"], stdout=ls, stderr=ls)
        time.sleep(1.5)
        reads = None
        if clients:
            r = n.run("a", ["taskset", "-c", "1", load, "identify", "-c", "127.0.0.1:10102",
                            "-n", str(clients), "--read",
                            "simpleIOGenericIO/GGIO1$MX$AnIn1$mag$f", "-t", str(seconds)],
                      timeout=seconds + 60)
            try:
                reads = json.loads(r.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                reads = {"error": r.stdout + r.stderr}
        else:
            time.sleep(seconds)
        for p in (pub, sub):
            p.send_signal(signal.SIGTERM)
            p.wait(30)
    with open(logp) as f:
        pl = f.read()
    m = LAT.search(pl)
    if not m:
        raise SystemExit("no latency line in the publisher's log:\n" + pl[-2000:])
    return {"events": int(m.group(1)), "p50": int(m.group(2)), "p99": int(m.group(3)),
            "max": int(m.group(4)), "reads": reads}


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    n = netns.NetnsPair(prefix="gbench").open()
    try:
        idle = run(build, n, seconds, 0)
        busy = run(build, n, seconds, 16)
    finally:
        n.close()
    rps = busy["reads"].get("rps") or busy["reads"].get("per_s") or busy["reads"]
    print("| GOOSE change -> send (iedd's own clock) | events | p50 µs | p99 µs | max µs |")
    print("|---|---|---|---|---|")
    print(f"| idle | {idle['events']} | {idle['p50']} | {idle['p99']} | {idle['max']} |")
    print(f"| 16 MMS clients reading closed loop | {busy['events']} | {busy['p50']} | "
          f"{busy['p99']} | {busy['max']} |")
    print(f"MMS load: {json.dumps(rps)}")


if __name__ == "__main__":
    main()
