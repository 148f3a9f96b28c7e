#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Control benchmark (issue 13): direct operate and SBO (SelectWithValue +
operate) round trips, p50/p99, with 1 and 16 associations, as a ratio to
a Read round trip measured in the same run (target: direct operate <= 1.5
x a Read); enhanced security from Oper to CommandTermination with a
source that answers at once (a sim hold cell: the write is the status),
p99 (target <= 1 ms); and the TCP ping-pong round trip (tools/bench/pingpong answered by
iedd-load raw, pinned the same way) as the ceiling.

    tests/bench/control_bench.py BUILDDIR

iedd pinned to CPU 0, ctl-bench to CPU 1; medians of BENCH_RUNS (default
3) runs. Loopback only. The table is printed and written to
BUILDDIR/bench-control-results.txt."""
import os
import statistics
import subprocess
import sys
import tempfile

from report_bench import Iedd, ceiling_us

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
N = 16


def bench_files(d):
    """GGIO1 with N SPCs of each kind: Dir (direct-with-normal-security),
    Sbo (sbo-with-enhanced-security), Enh (direct-with-enhanced-security),
    each Oper.ctlVal mapped to a sim hold cell that its stVal reads."""
    dos, dois, rows = [], [], []
    models = {"Dir": "direct-with-normal-security", "Sbo": "sbo-with-enhanced-security",
              "Enh": "direct-with-enhanced-security"}
    for kind, cm in models.items():
        for i in range(1, N + 1):
            name = f"{kind}{i}"
            dos.append(f'<DO name="{name}" type="SPC_{kind}"/>')
            dois.append(f'<DOI name="{name}"><DAI name="ctlModel"><Val>{cm}</Val></DAI></DOI>')
            rows.append(f"BENCHLD0/GGIO1.{name}.Oper.ctlVal[CO],s,hold:name={name},,,w,\n")
            rows.append(f'BENCHLD0/GGIO1.{name}.stVal[ST],s,"hold:name={name},start=false",,,r,\n')
    spc = lambda kind, sbow: (
        f'<DOType id="SPC_{kind}" cdc="SPC">'
        + ('<DA name="SBOw" bType="Struct" type="SPCOperate" fc="CO"/>' if sbow else "")
        + '<DA name="Oper" bType="Struct" type="SPCOperate" fc="CO"/>'
        '<DA name="stVal" bType="BOOLEAN" fc="ST" dchg="true"/>'
        '<DA name="q" bType="Quality" fc="ST" qchg="true"/>'
        '<DA name="t" bType="Timestamp" fc="ST"/>'
        '<DA name="ctlModel" bType="Enum" type="CtlModelKind" fc="CF"/></DOType>')
    scl = f"""<?xml version="1.0" encoding="UTF-8"?>
<SCL xmlns="http://www.iec.ch/61850/2003/SCL" version="2007" revision="B">
  <Header id="ctlbench"/>
  <IED name="BENCH">
    <AccessPoint name="AP1"><Server><Authentication none="true"/>
      <LDevice inst="LD0">
        <LN0 lnClass="LLN0" inst="" lnType="LLN0_T"/>
        <LN lnClass="GGIO" inst="1" lnType="GGIO_T">{"".join(dois)}</LN>
      </LDevice>
    </Server></AccessPoint>
  </IED>
  <DataTypeTemplates>
    <LNodeType id="LLN0_T" lnClass="LLN0"><DO name="Mod" type="ENC_Mod"/></LNodeType>
    <LNodeType id="GGIO_T" lnClass="GGIO">{"".join(dos)}</LNodeType>
    <DOType id="ENC_Mod" cdc="ENC">
      <DA name="stVal" bType="Enum" type="Beh" fc="ST" dchg="true"/>
      <DA name="q" bType="Quality" fc="ST" qchg="true"/>
      <DA name="t" bType="Timestamp" fc="ST"/>
    </DOType>
    {spc("Dir", False)}{spc("Sbo", True)}{spc("Enh", False)}
    <DAType id="Originator"><BDA name="orCat" bType="Enum" type="OrCat"/>
      <BDA name="orIdent" bType="Octet64"/></DAType>
    <DAType id="SPCOperate"><BDA name="ctlVal" bType="BOOLEAN"/>
      <BDA name="origin" bType="Struct" type="Originator"/><BDA name="ctlNum" bType="INT8U"/>
      <BDA name="T" bType="Timestamp"/><BDA name="Test" bType="BOOLEAN"/>
      <BDA name="Check" bType="Check"/></DAType>
    <EnumType id="Beh"><EnumVal ord="1">on</EnumVal><EnumVal ord="5">off</EnumVal></EnumType>
    <EnumType id="CtlModelKind"><EnumVal ord="0">status-only</EnumVal>
      <EnumVal ord="1">direct-with-normal-security</EnumVal>
      <EnumVal ord="2">sbo-with-normal-security</EnumVal>
      <EnumVal ord="3">direct-with-enhanced-security</EnumVal>
      <EnumVal ord="4">sbo-with-enhanced-security</EnumVal></EnumType>
    <EnumType id="OrCat"><EnumVal ord="0">not-supported</EnumVal>
      <EnumVal ord="3">remote-control</EnumVal></EnumType>
  </DataTypeTemplates>
</SCL>
"""
    scl_path = os.path.join(d, "ctl.icd")
    with open(scl_path, "w") as f:
        f.write(scl)
    map_path = os.path.join(d, "ctl.csv")
    with open(map_path, "w") as f:
        f.write("reference,source,address,scale,offset,direction,scanClass\n" + "".join(rows))
    cfg = os.path.join(d, "iedd.xml")
    with open(cfg, "w") as f:
        f.write(f"""<iedd xmlns="urn:iedd:config:1">
  <scl file="{scl_path}"/>
  <map file="{map_path}" period="1000"/>
  <sources><source name="s" plugin="sim"/></sources>
</iedd>
""")
    return scl_path, cfg


def bench(build, *args):
    r = subprocess.run(["taskset", "-c", "1", os.path.join(build, "tools", "bench", "ctl-bench"),
                        *args], capture_output=True, text=True, timeout=600)
    if r.returncode:
        raise RuntimeError(f"ctl-bench {' '.join(args)}: {r.stderr}{r.stdout}")
    return dict(kv.split("=", 1) for kv in r.stdout.split())


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="iedd-ctlbench-")
    scl, cfg = bench_files(tmp)
    refs = {"read": "BENCHLD0/GGIO1$ST$Dir%d$stVal", "direct": "BENCHLD0/GGIO1$CO$Dir%d",
            "sbo": "BENCHLD0/GGIO1$CO$Sbo%d", "enhanced": "BENCHLD0/GGIO1$CO$Enh%d"}
    res = {}
    rtts = []
    for _ in range(RUNS):
        try:
            rtts.append(ceiling_us(build))
        except (OSError, ValueError, KeyError, subprocess.SubprocessError):
            pass
        d = Iedd(build, scl, ("--config", cfg))
        try:
            a = f"127.0.0.1:{d.port}"
            for clients in (1, N):
                count = "2000" if clients == 1 else "500"
                for mode, ref in refs.items():
                    r = bench(build, "-c", a, "--mode", mode, "--ref", ref, "--clients",
                              str(clients), "--count", count)
                    res.setdefault((mode, clients, 50), []).append(float(r["p50_us"]))
                    res.setdefault((mode, clients, 99), []).append(float(r["p99_us"]))
        finally:
            d.stop()
    med = {k: statistics.median(v) for k, v in res.items()}
    rows = [("TCP ping-pong round trip, same pinning, p50 / p99 (ceiling)",
             f"{statistics.median(r[0] for r in rtts):.1f} / "
             f"{statistics.median(r[1] for r in rtts):.1f} us" if rtts else "n/a")]
    for clients in (1, N):
        rd50, rd99 = med[("read", clients, 50)], med[("read", clients, 99)]
        rows.append((f"Read, {clients} association(s), p50 / p99", f"{rd50:.1f} / {rd99:.1f} us"))
        for mode, what in (("direct", "direct operate"), ("sbo", "SBOw + operate"),
                           ("enhanced", "Oper -> CommandTermination")):
            p50, p99 = med[(mode, clients, 50)], med[(mode, clients, 99)]
            rows.append((f"{what}, {clients} association(s), p50 / p99",
                         f"{p50:.1f} / {p99:.1f} us ({p50 / rd50:.2f} x Read p50)"))
    out = "\n".join(f"{k:<58} {v}" for k, v in rows)
    print(out)
    with open(os.path.join(build, "bench-control-results.txt"), "w") as f:
        f.write(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
