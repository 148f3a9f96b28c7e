#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""GetFile benchmark of the file-services issue: iedc file get of a 100 MB
file from iedd over loopback (FileOpen, FileRead per 65,000-octet PDU,
FileClose), against the request/response ceiling with the same request and
response sizes (tools/bench/filepong: the same TPKT/COTP trains, no
protocol work) measured in the same run, interleaved; plus FileDirectory of
100,000 entries.

    tests/bench/file_bench.py BUILDDIR

Servers pinned to CPU 0, clients to CPU 1; medians of BENCH_RUNS (default
3). Server CPU per MB from /proc/PID/stat (utime + stime). The table is
printed and written to BUILDDIR/bench-files-results.txt."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SIZE = int(os.environ.get("BENCH_FILE_MB", "100")) * 1000 * 1000
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start(argv, port):
    proc = subprocess.Popen(["taskset", "-c", "0", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            time.sleep(0.1)
            return proc
        except OSError:
            time.sleep(0.01)
    proc.kill()
    sys.exit("bench: server did not start: " + " ".join(argv))


def client(*argv, stderr_json=False):
    r = subprocess.run(["taskset", "-c", "1", *argv], stdout=subprocess.DEVNULL if stderr_json
                       else subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    if r.returncode:
        sys.exit("bench: " + argv[0] + " failed: " + r.stderr)
    return json.loads((r.stderr if stderr_json else r.stdout).strip().splitlines()[-1])


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    iedd, iedc = os.path.join(build, "daemon/iedd"), os.path.join(build, "tools/iedc")
    pong = os.path.join(build, "tools/bench/filepong")
    tmp = tempfile.mkdtemp(prefix="iedd-filebench-")
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "huge"))
    with open(os.path.join(root, "big.dat"), "wb") as f:
        for _ in range(SIZE // 1000000):
            f.write(os.urandom(1000000))
    port, pport = free_port(), free_port()
    d = start([iedd, "--listen", f"127.0.0.1:{port}", "--files", root], port)
    # the FileRead response: 65,000-octet PDU less the chunk overhead, plus
    # the session and presentation headers in front (iedd's own figures)
    p = start([pong, "--listen", str(pport), "--response-size", "65010", "--tpdu", "2048",
               "--max-time", "600"], pport)
    res = {"iedd": [], "ceil": [], "iedd_cpu": [], "ceil_cpu": []}
    try:
        for _ in range(RUNS):
            c0 = cpu_s(p.pid)
            c = client(pong, "--connect", str(pport), "--request-size", "29",
                       "--response-size", "65010", "--tpdu", "2048", "--bytes", str(SIZE))
            res["ceil"].append(c["mbPerSecond"])
            res["ceil_cpu"].append((cpu_s(p.pid) - c0) * 1000 / (c["bytes"] / 1e6))
            c0 = cpu_s(d.pid)
            # to standard output, thrown away: the client's own file writes
            # are not the server's work (the ceiling's client writes nothing)
            i = client(iedc, "file", "get", f"127.0.0.1:{port}", "big.dat", "-", "--json",
                       stderr_json=True)
            res["iedd"].append(i["mbPerSecond"])
            res["iedd_cpu"].append((cpu_s(d.pid) - c0) * 1000 / (i["size"] / 1e6))
        for k in range(100000):
            os.close(os.open(os.path.join(root, "huge", f"r{k:06d}.dat"),
                             os.O_CREAT | os.O_WRONLY))
        ls = []
        for _ in range(RUNS):
            t0 = time.monotonic()
            r = subprocess.run(["taskset", "-c", "1", iedc, "file", "ls", f"127.0.0.1:{port}",
                                "huge", "--json"], capture_output=True, text=True, timeout=300)
            ls.append(time.monotonic() - t0)
            assert json.loads(r.stdout)["count"] == 100000
    finally:
        d.terminate()
        p.terminate()
        d.wait(10)
        p.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in res.items()}
    out = [f"iedd GetFile benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
           f"server CPU 0, client CPU 1; median of {RUNS} runs; {SIZE / 1e6:.0f} MB file, "
           f"65,000-octet PDUs, 2048-octet TPDUs",
           f"{'':28} {'MB/s':>8} {'server ms CPU/MB':>17}",
           f"{'iedd + iedc file get':28} {med['iedd']:8.1f} {med['iedd_cpu']:17.2f}",
           f"{'ceiling (filepong)':28} {med['ceil']:8.1f} {med['ceil_cpu']:17.2f}",
           f"ratio to the ceiling: {med['iedd'] / med['ceil']:.2f}",
           f"FileDirectory of 100,000 entries (iedc file ls, all pages): "
           f"{statistics.median(ls):.2f} s"]
    text = "\n".join(out)
    print(text)
    with open(os.path.join(build, "bench-files-results.txt"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
