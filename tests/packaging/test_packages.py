# SPDX-License-Identifier: Apache-2.0
"""The Debian packages: dpkg-buildpackage -us -uc -b on a copy of the tree
builds iedd, iedc and libiedd-source-dev with the files a Debian user
expects where they are expected; lintian reports no error and no warning;
the packages hold exactly what `meson install` installs (but the benchmark
tool); and, as root on a machine without iedd installed, they install (the
iedd user made, `iedd --check` passes on the sample configuration with the
installed plugins) and purge without a trace. Exit 77 where
dpkg-buildpackage or lintian is missing.

usage: test_packages.py SOURCE_ROOT"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

WANT = {
    "iedd": ["./usr/sbin/iedd", "./usr/bin/iedd-shm", "./etc/iedd/iedd.xml",
             "./etc/iedd/sample-map.csv", "./lib/systemd/system/iedd.service",
             "./lib/systemd/system/iedd.socket", "./lib/systemd/system/iedd@.service",
             "./usr/lib/sysusers.d/iedd.conf", "./usr/lib/tmpfiles.d/iedd.conf",
             "./usr/share/man/man8/iedd.8.gz", "./usr/share/man/man5/iedd.xml.5.gz",
             "./usr/share/man/man5/iedd-map.5.gz", "./usr/share/man/man1/iedd-shm.1.gz",
             "./usr/share/iedd/schemas/iedd-config.xsd",
             "./usr/share/iedd/systemd/iedd-goose.conf", "./usr/share/doc/iedd/copyright"],
    "iedc": ["./usr/bin/iedc", "./usr/share/man/man1/iedc.1.gz"],
    "libiedd-source-dev": ["./usr/include/iedd/source.h"],
}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def contents(deb):
    r = run(["dpkg-deb", "-c", deb], check=True)
    return {line.split()[5] for line in r.stdout.splitlines() if not line.endswith("/")}


def main():
    src = sys.argv[1]
    for tool in ("dpkg-buildpackage", "lintian", "dpkg-deb", "fakeroot"):
        if not shutil.which(tool):
            print(f"skipped: {tool} not installed (scripts/setup.sh --tests)")
            sys.exit(77)
    top = tempfile.mkdtemp(prefix="iedd-deb-")
    tree = os.path.join(top, "iedd")
    shutil.copytree(src, tree, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "build", "build-*", "*.pyc"))
    bad = []
    r = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=tree, timeout=900)
    if r.returncode:
        print(r.stdout[-6000:] + r.stderr[-3000:], file=sys.stderr)
        sys.exit(1)
    debs = {os.path.basename(d).split("_")[0]: d for d in glob.glob(os.path.join(top, "*.deb"))}
    # dh_strip's debug symbols packages are beside them: not checked here
    debs = {k: v for k, v in debs.items() if not k.endswith("-dbgsym")}
    if set(debs) != set(WANT):
        bad.append(f"packages {sorted(debs)}, want {sorted(WANT)}")
    files = {}
    for name, deb in debs.items():
        files[name] = contents(deb)
        for f in WANT.get(name, []):
            if f not in files[name]:
                bad.append(f"{name}: no {f}")
    if "iedd" in files:
        if not any(f.startswith("./usr/lib/") and "/iedd/plugins/iedd-source-sim.so" in f
                   for f in files["iedd"]):
            bad.append("iedd: no sim plugin under /usr/lib/<triplet>/iedd/plugins")
    if "libiedd-source-dev" in files and not any(f.endswith("/pkgconfig/iedd-source.pc")
                                                 for f in files["libiedd-source-dev"]):
        bad.append("libiedd-source-dev: no iedd-source.pc")
    # what meson install put into debian/tmp is what the packages hold
    inst = set()
    for root, _, names in os.walk(os.path.join(tree, "debian", "tmp")):
        for n in names:
            p = "./" + os.path.relpath(os.path.join(root, n), os.path.join(tree, "debian", "tmp"))
            inst.add(p)
    packaged = set().union(*files.values()) if files else set()
    packaged = {p[:-3] if p.startswith("./usr/share/") and p.endswith(".gz") and
                "/doc/" not in p or p.endswith((".1.gz", ".5.gz", ".8.gz")) else p
                for p in packaged}
    packaged = {p[:-3] if p.endswith(".md.gz") else p for p in packaged}
    missing = sorted(p for p in inst - packaged if not p.endswith("/iedd-load"))
    if missing:
        bad.append(f"meson install files in no package: {missing}")
    r = run(["lintian", "--tag-display-limit", "0", glob.glob(os.path.join(top, "*.changes"))[0]],
            timeout=600)
    lint = [l for l in r.stdout.splitlines() if l[:2] in ("E:", "W:")]
    if lint:
        bad.append("lintian: " + "; ".join(lint))
    print(f"{len(debs)} packages, {sum(len(v) for v in files.values())} files, "
          f"lintian: {len(lint)} error/warning line(s)")
    # install and purge, where that touches nothing it should not
    if os.geteuid() == 0 and not os.path.exists("/usr/sbin/iedd") and not bad:
        r = run(["dpkg", "-i", *debs.values()], timeout=300)
        try:
            if r.returncode:
                bad.append("dpkg -i: " + r.stderr[-2000:])
            else:
                if run(["getent", "passwd", "iedd"]).returncode:
                    bad.append("no iedd user after install")
                c = run(["/usr/sbin/iedd", "--config", "/etc/iedd/iedd.xml", "--check"],
                        timeout=60)
                if c.returncode:
                    bad.append("installed iedd --check: " + c.stdout + c.stderr)
                print("installed; iedd --check:", c.stdout.strip().splitlines()[-1:])
        finally:
            p = run(["dpkg", "--purge", "iedd", "iedc", "libiedd-source-dev"], timeout=300)
            if p.returncode:
                bad.append("dpkg --purge: " + p.stderr[-2000:])
            for gone in ("/usr/sbin/iedd", "/usr/bin/iedc", "/etc/iedd",
                         "/usr/include/iedd/source.h"):
                if os.path.exists(gone):
                    bad.append(f"{gone} is still there after purge")
    else:
        print("install/purge not tried (not root, iedd installed already, or a problem above)")
    shutil.rmtree(top, ignore_errors=True)
    for b in bad:
        print(b, file=sys.stderr)
    sys.exit(1 if bad else 0)


main()
