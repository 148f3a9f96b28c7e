#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# GOOSE raw-Ethernet figures in a namespace pair (tests/integration/netns.py),
# sender pinned to CPU 1, receiver to CPU 0:
#   - the sender's maximum rate (goose_blast, sendmmsg; send(); pcap_inject)
#   - net_goose_send frames/s (tests/net/net_goose_probe sendbench)
#   - the bare recvmsg loop's frames/s and drops (goose_blast recv) and the
#     net_goose rx path's (net_goose_probe recv --quiet: libevent loop, rx
#     callback counting) against the same sender, and their ratio
#   tests/bench/goose_net_bench.sh [BUILDDIR] [FRAMES] [RATE]
# RATE (frames/s, default 0 = as fast as possible) paces the sender for the
# receive runs. Needs root; exits 77 otherwise.
set -eu
B=$(cd "${1:-build}" && pwd)
N=${2:-1000000}
RATE=${3:-0}
cd "$(dirname "$0")/../integration"
exec python3 - "$B" "$N" "$RATE" <<'PY'
import json, sys, time
import netns
B, N, RATE = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
BLAST, PROBE = B + "/tests/net/goose_blast", B + "/tests/net/net_goose_probe"
rate = ["--rate", str(RATE)] if RATE else []
with netns.NetnsPair(prefix="gbench") as n:
    def tx(*a):
        r = n.run("a", ["taskset", "-c", "1", *a], timeout=300)
        return json.loads(r.stdout)
    for how in ("mmsg", "send", "inject"):
        print(f"sender {how}:", tx(BLAST, "send", n.ifa, "--count", str(N), "--how", how))
    print("net_goose_send:", tx(PROBE, "sendbench", n.ifa, str(N)))
    for name, argv, ready, stream in (
            ("bare recvmsg", [BLAST, "recv", n.ifb, "--count", str(N)], "receiving", "err"),
            ("net_goose rx", [PROBE, "recv", n.ifb, "--quiet", "--count", str(N)], "ready", "out")):
        res = {}
        for k in range(2):
            p = n.spawn("b", ["taskset", "-c", "0", *argv])
            netns.wait_line(p, ready, stream=p.stdout if stream == "out" else None)
            s = tx(BLAST, "send", n.ifa, "--count", str(N), *rate)
            out, _ = p.communicate(timeout=60)
            r = json.loads(out.strip().splitlines()[-1])
            print(f"{name} run {k}: received {r['frames']}/{N} at {r['fps']} frames/s, "
                  f"drops {r['drops']}; sender {s['fps']} frames/s")
PY
