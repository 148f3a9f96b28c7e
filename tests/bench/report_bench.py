#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reporting benchmark (issue 12): change -> InformationReport latency with
1 and 16 subscribed clients (BufTm=0), report throughput (10,000 member
changes/s over a 100-member data set, 16 URCB clients: every SqNum and
every last value must arrive; iedd's CPU share of one core), the resync
of a full BRCB buffer, and GI of a 1,000-member data set on the generated
1,000-LN model; the TCP ping-pong round trip (tools/bench/pingpong)
measured in the same run as the scale the latencies compare with; and
what the BRCB state on disk costs (<reports stateDir>): a BRCB of
100,000 entries filled and resynced with and without a state directory
(iedd's CPU and octets written per entry, syncMs=100), the clean stop
(the last flush), and the restart with that full buffer against one with
no state, to the first accepted connection.

    tests/bench/report_bench.py BUILDDIR [persist]

(`persist`: only the state part.)

iedd pinned to CPU 0, rpt-bench to CPU 1; medians of BENCH_RUNS (default
3) runs. Loopback only. The table is printed and written to
BUILDDIR/bench-report-results.txt."""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def bench_scl(path, n_members=100, clients=16, brcb_entries=None):
    """A small model: GGIO1 with Set1..SetN (ING, setVal INT32 SP, dchg),
    data sets of one and of N members, URCBs with 16 instances each and a
    BRCB on the one-member set."""
    dos = "".join(f'<DO name="Set{i}" type="ING_T"/>' for i in range(1, n_members + 1))
    fcda = lambda i: (f'<FCDA ldInst="LD0" lnClass="GGIO" lnInst="1" doName="Set{i}" '
                      f'daName="setVal" fc="SP"/>')
    many = "".join(fcda(i) for i in range(1, n_members + 1))
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<SCL xmlns="http://www.iec.ch/61850/2003/SCL" version="2007" revision="B">
  <Header id="rptbench"/>
  <IED name="BENCH">
    <AccessPoint name="AP1"><Server><Authentication none="true"/>
      <LDevice inst="LD0">
        <LN0 lnClass="LLN0" inst="" lnType="LLN0_T">
          <DataSet name="dsOne">{fcda(1)}</DataSet>
          <DataSet name="dsMany">{many}</DataSet>
          <ReportControl name="urcbOne" datSet="dsOne" rptID="one" confRev="1" bufTime="0" buffered="false">
            <TrgOps dchg="true"/><OptFields seqNum="true"/><RptEnabled max="{clients}"/>
          </ReportControl>
          <ReportControl name="urcbMany" datSet="dsMany" rptID="many" confRev="1" bufTime="50" buffered="false">
            <TrgOps dchg="true"/><OptFields seqNum="true" reasonCode="true"/><RptEnabled max="{clients}"/>
          </ReportControl>
          <ReportControl name="brcbOne" datSet="dsOne" rptID="b" confRev="1" bufTime="0" buffered="true">
            <TrgOps dchg="true"/><OptFields seqNum="true" entryID="true" timeStamp="true"/><RptEnabled max="1"/>
          </ReportControl>
        </LN0>
        <LN lnClass="GGIO" inst="1" prefix="" lnType="GGIO_T"/>
      </LDevice>
    </Server></AccessPoint>
  </IED>
  <DataTypeTemplates>
    <LNodeType id="LLN0_T" lnClass="LLN0"><DO name="Health" type="INS_T"/></LNodeType>
    <LNodeType id="GGIO_T" lnClass="GGIO">{dos}</LNodeType>
    <DOType id="ING_T" cdc="ING"><DA name="setVal" bType="INT32" fc="SP" dchg="true"/></DOType>
    <DOType id="INS_T" cdc="INS"><DA name="stVal" bType="INT32" fc="ST" dchg="true"/>
      <DA name="q" bType="Quality" fc="ST" qchg="true"/><DA name="t" bType="Timestamp" fc="ST"/></DOType>
  </DataTypeTemplates>
</SCL>
"""
    with open(path, "w") as f:
        f.write(text)


def big_scl(path, n=1000):
    """tools/gen-scl.py N with a data set of one DO of each of the N LNs
    (MMXU TotW[MX], GGIO Ind1[ST], XCBR Pos[ST]) and a URCB on it."""
    out = subprocess.run([sys.executable, os.path.join(SRC, "tools", "gen-scl.py"), str(n)],
                         capture_output=True, text=True, check=True).stdout
    do = {"MMXU": ("TotW", "MX"), "GGIO": ("Ind1", "ST"), "XCBR": ("Pos", "ST")}
    fcdas = []
    for cls, inst in re.findall(r'<LN lnClass="(MMXU|GGIO|XCBR)" inst="(\d+)"', out):
        name, fc = do[cls]
        fcdas.append(f'<FCDA ldInst="LD0" lnClass="{cls}" lnInst="{inst}" doName="{name}" '
                     f'fc="{fc}"/>')
    ds = (f'<DataSet name="Big">{"".join(fcdas)}</DataSet>'
          '<ReportControl name="urcbBig" datSet="Big" rptID="big" confRev="1" bufTime="0" '
          'buffered="false"><TrgOps gi="true"/><OptFields seqNum="true" dataSet="true" '
          'reasonCode="true" dataRef="true"/><RptEnabled max="1"/></ReportControl>')
    out = out.replace("</LN0>", ds + "</LN0>", 1)
    with open(path, "w") as f:
        f.write(out)
    return len(fcdas)


class Iedd:
    def __init__(self, build, scl, extra=()):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(["taskset", "-c", "0", os.path.join(build, "daemon", "iedd"),
                                      "--scl", scl, "--listen", f"127.0.0.1:{self.port}",
                                      *extra], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                self.start_s = time.perf_counter() - t0   # exec to listening
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.002)
        self.log.seek(0)
        raise RuntimeError("iedd did not start: " + self.log.read().decode(errors="replace"))

    def stop(self):
        """SIGTERM; returns the seconds until iedd exited."""
        t0 = time.perf_counter()
        self.proc.terminate()
        self.proc.wait(60)
        return time.perf_counter() - t0

    def text(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def cpu_s(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()
        return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")

    def wchar(self):
        """Octets iedd passed to write(2) and its kin (/proc/PID/io wchar):
        its state files and its log; send(2) on the sockets is not counted."""
        with open(f"/proc/{self.proc.pid}/io") as f:
            return int(dict(l.split(": ") for l in f.read().splitlines())["wchar"])


def bench(build, *args):
    r = subprocess.run(["taskset", "-c", "1", os.path.join(build, "tools", "bench", "rpt-bench"),
                        *args], capture_output=True, text=True, timeout=600)
    if r.returncode:
        raise RuntimeError(f"rpt-bench {' '.join(args)}: {r.stderr}{r.stdout}")
    return dict(kv.split("=", 1) for kv in r.stdout.split())


def ceiling_us(build):
    """The loopback request/response round trip with no protocol work,
    pinned as iedd and ctl-bench are (server CPU 0, client CPU 1):
    tools/bench/pingpong answered by iedd-load raw, p50 and p99."""
    port = free_port()
    pp = subprocess.Popen(["taskset", "-c", "0", os.path.join(build, "tools", "bench", "pingpong"),
                           "--listen", f"127.0.0.1:{port}", "--response-size", "36"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        r = subprocess.run(["taskset", "-c", "1", os.path.join(build, "tools", "bench", "iedd-load"),
                            "raw", "-c", f"127.0.0.1:{port}", "-n", "1", "-t", "3"],
                           capture_output=True, text=True, timeout=60)
        j = json.loads(r.stdout.strip().splitlines()[-1])
        return j["p50_us"], j["p99_us"]
    finally:
        pp.terminate()
        pp.wait()


PERSIST_ENTRIES = 100000


def persist_config(path, state_dir):
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<iedd xmlns="urn:iedd:config:1">\n'
                f'  <reports bufferEntries="{PERSIST_ENTRIES}" bufferKiB="1048576" '
                f'stateDir="{state_dir}" syncMs="100"/>\n</iedd>\n')
    return path


def persist_bench(build, tmp, scl):
    """One run: for a state directory and for none (stateDir=""), fill the
    BRCB with PERSIST_ENTRIES entries and resync them (rpt-bench resync:
    client writes at full speed, 8 in flight), stop, start again. Returns
    a dict of figures."""
    out = {}
    for kind in ("state", "none"):
        state = os.path.join(tmp, f"state-{kind}-{time.time_ns()}")
        cfg = persist_config(os.path.join(tmp, f"persist-{kind}.xml"),
                             state if kind == "state" else "")
        d = Iedd(build, scl, ("--config", cfg))
        try:
            c0, w0 = d.cpu_s(), d.wchar()
            r = bench(build, "-c", f"127.0.0.1:{d.port}", "--mode", "resync", "--rcb",
                      "BENCHLD0/LLN0$BR$brcbOne", "--count", str(PERSIST_ENTRIES),
                      "--item", "BENCHLD0/GGIO1$SP$Set1$setVal")
            # the last sync is at most 100 ms away
            time.sleep(0.3)
            out[kind + "_cpu_us"] = (d.cpu_s() - c0) / PERSIST_ENTRIES * 1e6
            out[kind + "_wchar"] = (d.wchar() - w0) / PERSIST_ENTRIES
            out[kind + "_resync"] = float(r["entries_per_s"])
        finally:
            out[kind + "_stop_ms"] = d.stop() * 1e3
        d = Iedd(build, scl, ("--config", cfg))
        try:
            out[kind + "_start_ms"] = d.start_s * 1e3
        finally:
            d.stop()
        log = d.text()
        if kind == "state":
            if "set aside" in log or "did not stop cleanly" in log or "bad-" in log:
                raise RuntimeError("restart did not take the state back cleanly:\n" + log)
            out["snap"] = os.path.getsize(os.path.join(state, "rpt.snap"))
    return out


def main_persist(build, tmp, scl):
    res = {}
    for _ in range(RUNS):
        for k, v in persist_bench(build, tmp, scl).items():
            res.setdefault(k, []).append(v)
    med = {k: statistics.median(v) for k, v in res.items()}
    n = f"{PERSIST_ENTRIES:,}"
    rows = [
        (f"BRCB of {n} entries filled + resynced: iedd CPU per entry, state / none",
         f"{med['state_cpu_us']:.2f} / {med['none_cpu_us']:.2f} us "
         f"(persistence {med['state_cpu_us'] - med['none_cpu_us']:.2f} us/entry)"),
        ("  octets written per entry (write(2), /proc/PID/io), state / none",
         f"{med['state_wchar']:.0f} / {med['none_wchar']:.0f}"),
        ("  resync rate, state / none",
         f"{med['state_resync']:.0f} / {med['none_resync']:.0f} entries/s"),
        ("clean stop (SIGTERM to exit), full state / none",
         f"{med['state_stop_ms']:.1f} / {med['none_stop_ms']:.1f} ms"),
        (f"start to listening, {n} entries on disk / no state",
         f"{med['state_start_ms']:.1f} / {med['none_start_ms']:.1f} ms "
         f"(snapshot {med['snap'] / 1e6:.1f} MB)"),
    ]
    text = f"report state benchmark, medians of {RUNS} runs\n" + "\n".join(
        f"  {k:<70} {v}" for k, v in rows) + "\n"
    print(text, end="")
    with open(os.path.join(build, "bench-report-persist-results.txt"), "w") as f:
        f.write(text)


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "persist"):
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="iedd-rptbench-")
    if len(sys.argv) == 3:
        scl = os.path.join(tmp, "bench.icd")
        bench_scl(scl)
        main_persist(build, tmp, scl)
        return 0
    scl = os.path.join(tmp, "bench.icd")
    bench_scl(scl)
    big = os.path.join(tmp, "big.icd")
    n_big = big_scl(big)
    rows = []
    res = {k: [] for k in ("l1_50", "l1_99", "l16_50", "l16_99", "fl_cpu", "fl_rate", "rs", "gi",
                           "rtt")}
    for _ in range(RUNS):
        try:
            res["rtt"].append(ceiling_us(build)[0])
        except (OSError, ValueError, KeyError, subprocess.SubprocessError):
            pass
        d = Iedd(build, scl)
        try:
            a = f"127.0.0.1:{d.port}"
            one = "BENCH" + "LD0/LLN0$RP$urcbOne"
            item = "BENCHLD0/GGIO1$SP$Set1$setVal"
            r = bench(build, "-c", a, "--mode", "latency", "--rcb", one, "--clients", "1",
                      "--count", "2000", "--item", item)
            res["l1_50"].append(float(r["p50_us"]))
            res["l1_99"].append(float(r["p99_us"]))
            r = bench(build, "-c", a, "--mode", "latency", "--rcb", one, "--clients", "16",
                      "--count", "1000", "--item", item)
            res["l16_50"].append(float(r["p50_us"]))
            res["l16_99"].append(float(r["p99_us"]))
            r = bench(build, "-c", a, "--mode", "flood", "--rcb", "BENCHLD0/LLN0$RP$urcbMany",
                      "--clients", "16", "--members", "100", "--rate", "10000",
                      "--seconds", "5", "--item", "BENCHLD0/GGIO1$SP$Set%d$setVal",
                      "--server-pid", str(d.proc.pid))
            res["fl_cpu"].append(float(r["server_cpu"]))
            res["fl_rate"].append(float(r["rate"]))
            r = bench(build, "-c", a, "--mode", "resync", "--rcb", "BENCHLD0/LLN0$BR$brcbOne",
                      "--count", "9000", "--item", item)
            res["rs"].append(float(r["entries_per_s"]))
        finally:
            d.stop()
        d = Iedd(build, big)
        try:
            r = bench(build, "-c", f"127.0.0.1:{d.port}", "--mode", "gi", "--rcb",
                      "GENLD0/LLN0$RP$urcbBig", "--count", "20")
            res["gi"].append(float(r["median_ms"]))
            segs = r["segments"]
        finally:
            d.stop()
    med = {k: statistics.median(v) if v else float("nan") for k, v in res.items()}
    rows = [
        ("TCP ping-pong round trip, same pinning, p50 (ceiling)", f"{med['rtt']:.1f} us"),
        ("change -> report, 1 client, p50 / p99",
         f"{med['l1_50']:.1f} / {med['l1_99']:.1f} us"),
        ("change -> report, 16 clients, p50 / p99",
         f"{med['l16_50']:.1f} / {med['l16_99']:.1f} us (target p99 <= 1000)"),
        ("10,000 changes/s, 100 members, 16 URCBs (BufTm 50 ms): iedd CPU",
         f"{med['fl_cpu'] * 100:.1f} % of one core at {med['fl_rate']:.0f}/s "
         "(no SqNum gap, every last value; target <= 25 %)"),
        ("BRCB resync of 9,000 entries", f"{med['rs']:.0f} entries/s"),
        (f"GI of {n_big} members (1,000-LN model), to the last segment",
         f"{med['gi']:.1f} ms ({segs} segments)"),
    ]
    text = f"reporting benchmark, medians of {RUNS} runs\n" + "\n".join(
        f"  {k:<62} {v}" for k, v in rows) + "\n"
    print(text, end="")
    with open(os.path.join(build, "bench-report-results.txt"), "w") as f:
        f.write(text)
    main_persist(build, tmp, scl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
