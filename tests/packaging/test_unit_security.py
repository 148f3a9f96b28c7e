# SPDX-License-Identifier: Apache-2.0
"""The hardened units: `systemd-analyze security --offline=yes` on
iedd.service and iedd@.service as this build configures them gives an
exposure below 5.0 ("OK" or better), the GOOSE drop-in adds exactly
CAP_NET_RAW and AF_PACKET, and both units reload with SIGHUP. Exit 77
(skipped) where systemd-analyze is missing.

usage: test_unit_security.py BUILD_SYSTEMD_DIR SOURCE_SYSTEMD_DIR"""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main():
    built, src = sys.argv[1], sys.argv[2]
    sa = shutil.which("systemd-analyze")
    if not sa:
        print("skipped: systemd-analyze not installed (Debian package systemd)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="iedd-units-")
    shutil.copy(os.path.join(src, "iedd.socket"), tmp)
    bad = []
    for unit, name in (("iedd.service", "iedd.service"), ("iedd@.service", "iedd@gw1.service")):
        path = os.path.join(tmp, name)
        shutil.copy(os.path.join(built, unit), path)
        with open(path) as f:
            text = f.read()
        if "ExecReload=/bin/kill -HUP $MAINPID" not in text:
            bad.append(f"{unit}: no ExecReload (SIGHUP reloads)")
        r = subprocess.run([sa, "security", "--offline=yes", path], capture_output=True,
                           text=True, timeout=120)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", r.stdout)
        if not m:
            bad.append(f"{unit}: no exposure level in: {r.stdout[-500:]} {r.stderr[-500:]}")
            continue
        score = float(m.group(1))
        print(f"{unit}: exposure {score} {m.group(2)}")
        if score >= 5.0:
            bad.append(f"{unit}: exposure {score} {m.group(2)}, want below 5.0")
    with open(os.path.join(src, "iedd-goose.conf")) as f:
        goose = f.read()
    for want in ("AmbientCapabilities=CAP_NET_RAW", "CapabilityBoundingSet=CAP_NET_RAW",
                 "PrivateUsers=no", "AF_PACKET"):
        if want not in goose:
            bad.append(f"iedd-goose.conf lacks {want}")
    if re.search(r"CAP_(?!NET_RAW)\w+", goose.split("[Service]", 1)[1]):
        bad.append("iedd-goose.conf grants more than CAP_NET_RAW")
    shutil.rmtree(tmp, ignore_errors=True)
    for b in bad:
        print(b, file=sys.stderr)
    sys.exit(1 if bad else 0)


main()
