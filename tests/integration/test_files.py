# SPDX-License-Identifier: Apache-2.0
"""MMS file services with the real iedd (--files) and iedc file: listing,
GetFile of a multi-MB file compared by SHA-256, traversal names refused with
the right ISO 9506 file error while the daemon keeps serving others, delete
and rename refused by default and working with --files-allow, and a client
lost mid-transfer releases its file descriptors (counted in /proc/PID/fd)."""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest

from harness import Daemon, Proxy, Raw, ber_len, ber_int, data_pdu, identify_req, iedc, main, tlv

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(SRC, "etc", "sample.icd")
SAMPLE_FILES = os.path.join(SRC, "etc", "sample-files")

BIG = 6 * 1024 * 1024 + 123


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree(base):
    """root/ with a COMTRADE pair and a big file; outside/ beside it."""
    root = os.path.join(base, "root")
    out = os.path.join(base, "outside")
    os.makedirs(os.path.join(root, "COMTRADE"))
    os.makedirs(out)
    with open(os.path.join(out, "secret"), "w") as f:
        f.write("secret\n")
    with open(os.path.join(root, "COMTRADE", "rec1.cfg"), "w") as f:
        f.write("station,IEDD1,1999\n2,1A,1D\n")
    with open(os.path.join(root, "COMTRADE", "rec1.dat"), "wb") as f:
        f.write(bytes(range(256)) * 40)
    with open(os.path.join(root, "big.dat"), "wb") as f:
        f.write(os.urandom(BIG))
    os.symlink("../outside/secret", os.path.join(root, "link_out"))
    os.symlink("../outside", os.path.join(root, "dirlink"))
    return root, out


def mms_tag(tag, constructed, content):
    """A context tag of 31 or more (the file services are 72..77)."""
    first = 0xBF if constructed else 0x9F
    return bytes([first, tag]) + ber_len(len(content)) + content


def file_open_req(invoke, name):
    fname = tlv(0xA0, tlv(0x19, name.encode()))
    return tlv(0xA0, ber_int(0x02, invoke) + mms_tag(72, True, fname + ber_int(0x81, 0)))


def open_files(pid, root):
    """Descriptors of process pid that point beneath root (its files)."""
    n = 0
    fdd = f"/proc/{pid}/fd"
    for fd in os.listdir(fdd):
        try:
            target = os.readlink(os.path.join(fdd, fd))
        except OSError:
            continue
        if target.startswith(root + "/"):
            n += 1
    return n


class Files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="iedd-files-")
        cls.root, cls.outside = tree(cls.base)
        cls.d = Daemon("--files", cls.root)
        cls.local = tempfile.mkdtemp(prefix="iedc-files-")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.base, ignore_errors=True)
        shutil.rmtree(cls.local, ignore_errors=True)

    def test_announced(self):
        r = iedc("identify", self.d.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        for s in ("fileOpen", "fileRead", "fileClose", "fileDirectory"):
            self.assertIn(s, r.stdout)
        self.assertNotIn("fileDelete", r.stdout)
        self.assertNotIn("fileRename", r.stdout)

    def test_list(self):
        r = iedc("file", "ls", self.d.addr, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        names = [e["name"] for e in j["files"]]
        # sorted; the symlinks are not listed
        self.assertEqual(names, ["COMTRADE/", "big.dat"])
        self.assertEqual(j["files"][1]["size"], BIG)
        self.assertRegex(j["files"][1]["lastModified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        r = iedc("file", "ls", self.d.addr, "/COMTRADE")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        self.assertTrue(lines[0].endswith("COMTRADE/rec1.cfg"), lines[0])
        self.assertEqual(lines[1].split()[0], "10240")
        # a prefix and a file
        r = iedc("file", "ls", self.d.addr, "COMTRADE/rec1.c", "--json")
        self.assertEqual([e["name"] for e in json.loads(r.stdout)["files"]], ["COMTRADE/rec1.cfg"])
        # a file the recorder writes now is listed without a restart
        p = os.path.join(self.root, "COMTRADE", "rec2.cfg")
        with open(p, "w") as f:
            f.write("new\n")
        try:
            r = iedc("file", "ls", self.d.addr, "COMTRADE", "--json")
            self.assertIn("COMTRADE/rec2.cfg", [e["name"] for e in json.loads(r.stdout)["files"]])
        finally:
            os.unlink(p)

    def test_list_pages(self):
        """A small negotiated PDU: the listing comes in several pages."""
        d = os.path.join(self.root, "many")
        os.mkdir(d)
        try:
            for i in range(300):
                with open(os.path.join(d, f"record-{i:04d}.cfg"), "w") as f:
                    f.write("x" * i)
            r = iedc("file", "ls", self.d.addr, "many", "--json", "--max-pdu", "512")
            self.assertEqual(r.returncode, 0, r.stderr)
            j = json.loads(r.stdout)
            self.assertEqual(j["count"], 300)
            self.assertEqual([e["name"] for e in j["files"]],
                             [f"many/record-{i:04d}.cfg" for i in range(300)])
        finally:
            shutil.rmtree(d)

    def test_list_100000(self):
        """A directory of 100,000 records pages through to the end: every
        name once, in order (the pages come from one read of the directory)."""
        d = os.path.join(self.root, "huge")
        os.mkdir(d)
        try:
            for i in range(100000):
                os.close(os.open(os.path.join(d, f"r{i:06d}.dat"), os.O_CREAT | os.O_WRONLY))
            t0 = time.time()
            r = iedc("file", "ls", self.d.addr, "huge", "--json", timeout=300)
            took = time.time() - t0
            self.assertEqual(r.returncode, 0, r.stderr)
            j = json.loads(r.stdout)
            self.assertEqual(j["count"], 100000)
            names = [e["name"] for e in j["files"]]
            self.assertEqual(names, [f"huge/r{i:06d}.dat" for i in range(100000)])
            print(f"FileDirectory of 100,000 entries: {took:.2f} s", file=sys.stderr)
        finally:
            shutil.rmtree(d)

    def test_get_big(self):
        dst = os.path.join(self.local, "big.copy")
        r = iedc("file", "get", self.d.addr, "/big.dat", dst, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["size"], BIG)
        self.assertEqual(sha256(dst), sha256(os.path.join(self.root, "big.dat")))
        self.assertFalse(os.path.exists(dst + ".iedc-part"))
        # to standard output, the summary on standard error
        import subprocess
        from harness import IEDC
        r = subprocess.run([IEDC, "file", "get", self.d.addr, "COMTRADE/rec1.dat", "-", "--json"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, bytes(range(256)) * 40)
        self.assertEqual(json.loads(r.stderr)["size"], 10240)
        # the same through small PDUs
        r = iedc("file", "get", self.d.addr, "COMTRADE/rec1.dat", dst, "--max-pdu", "700")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sha256(dst), sha256(os.path.join(self.root, "COMTRADE", "rec1.dat")))

    def test_traversal_refused(self):
        """Every escape is refused with its file error while another client
        is served at the same time."""
        stop = threading.Event()
        served = []

        def other():
            while not stop.is_set():
                dst = os.path.join(self.local, "rec1.cfg.other")
                r = iedc("file", "get", self.d.addr, "COMTRADE/rec1.cfg", dst)
                served.append(r.returncode)
        t = threading.Thread(target=other)
        t.start()
        try:
            cases = [("../outside/secret", "file-access-denied"),
                     ("/../outside/secret", "file-access-denied"),
                     ("COMTRADE/../../outside/secret", "file-access-denied"),
                     ("link_out", "file-access-denied"),
                     ("dirlink/secret", "file-access-denied"),
                     ("COMTRADE//rec1.cfg", "filename-syntax-error"),
                     ("a\x01b", "filename-syntax-error"),
                     ("x" * 300, "filename-syntax-error"),
                     ("COMTRADE/none.cfg", "file-non-existent"),
                     ("COMTRADE", "file-access-denied")]
            for name, err in cases:
                dst = os.path.join(self.local, "refused")
                r = iedc("file", "get", self.d.addr, name, dst)
                self.assertEqual(r.returncode, 7, (name, r.stderr))
                self.assertIn("file: " + err, r.stderr, name)
                self.assertFalse(os.path.exists(dst))
            r = iedc("file", "ls", self.d.addr, "../outside")
            self.assertEqual(r.returncode, 7)
            self.assertIn("file-access-denied", r.stderr)
        finally:
            stop.set()
            t.join(60)
        self.assertTrue(served and all(x == 0 for x in served), served)

    def test_delete_rename_refused_by_default(self):
        r = iedc("file", "rm", self.d.addr, "COMTRADE/rec1.cfg")
        self.assertEqual(r.returncode, 7)
        self.assertIn("file-access-denied", r.stderr)
        r = iedc("file", "mv", self.d.addr, "COMTRADE/rec1.cfg", "x.cfg")
        self.assertEqual(r.returncode, 7)
        self.assertIn("file-access-denied", r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.root, "COMTRADE", "rec1.cfg")))

    def test_lost_client_releases_files(self):
        """A client that opens files and vanishes (TCP gone, no FileClose):
        iedd's descriptors for them are released."""
        pid = self.d.proc.pid
        self.assertEqual(open_files(pid, self.root), 0)
        p = Raw(self.d.port)
        p.associate()
        for i in range(3):
            p.send(data_pdu(file_open_req(10 + i, "big.dat")))
            a = p.recv_tpkt()
            self.assertIsNotNone(a)
            self.assertIn(b"\xbf\x48", a)  # FileOpen-Response
        self.assertEqual(open_files(pid, self.root), 3)
        p.close()
        deadline = time.time() + 10
        while time.time() < deadline and open_files(pid, self.root):
            time.sleep(0.02)
        self.assertEqual(open_files(pid, self.root), 0)
        # and iedc aborted in the middle of a get
        dst = os.path.join(self.local, "aborted")
        import subprocess
        from harness import IEDC
        proc = subprocess.Popen([IEDC, "file", "get", self.d.addr, "big.dat", dst,
                                 "--max-pdu", "256"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        seen = 0
        while time.time() < deadline and not seen and proc.poll() is None:
            seen = open_files(pid, self.root)
            time.sleep(0.005)
        proc.kill()
        # some 25,000 round trips: the transfer is still running when seen
        self.assertEqual(seen, 1)
        proc.wait()
        deadline = time.time() + 10
        while time.time() < deadline and open_files(pid, self.root):
            time.sleep(0.02)
        self.assertEqual(open_files(pid, self.root), 0)


class Referee(unittest.TestCase):
    """Wireshark's MMS dissector decodes every file service PDU iedd sends
    and receives, with no malformed packet and no expert warning."""

    def test_tshark(self):
        import subprocess
        if not shutil.which("tshark"):
            self.skipTest("tshark is not installed (apt-get install tshark)")
        base = tempfile.mkdtemp(prefix="iedd-files-t-")
        root, outside = tree(base)
        d = Daemon("--files", root, "--files-allow", "delete,rename")
        px = Proxy(d.port)
        try:
            dst = os.path.join(base, "got")
            for args in (("ls", px.addr), ("ls", px.addr, "COMTRADE"),
                         ("get", px.addr, "COMTRADE/rec1.dat", dst, "--max-pdu", "4000"),
                         ("get", px.addr, "../outside/secret", dst),
                         ("mv", px.addr, "COMTRADE/rec1.cfg", "COMTRADE/r.cfg"),
                         ("rm", px.addr, "COMTRADE/r.cfg")):
                r = iedc("file", *args)
                self.assertIn(r.returncode, (0, 7), r.stderr)
            deadline = time.time() + 10
            while time.time() < deadline and len(px.conns) < 6:
                time.sleep(0.05)
            time.sleep(0.3)
        finally:
            px.close()
            d.stop()
        pcap = os.path.join(base, "files.pcap")
        frames, bad, expert, detail = px.tshark(pcap, 102)
        self.assertNotIn("Malformed", frames)
        self.assertEqual(bad, [], expert)
        for service in ("fileDirectory", "fileOpen", "fileRead", "fileClose", "fileRename",
                        "fileDelete"):
            self.assertIn(f"confirmedServiceRequest: {service} ", detail, service)
            self.assertIn(f"confirmedServiceResponse: {service} ", detail, service)
        self.assertIn("confirmed-ErrorPDU", frames)
        shutil.rmtree(base, ignore_errors=True)


class FilesAllowed(unittest.TestCase):
    def test_delete_rename(self):
        base = tempfile.mkdtemp(prefix="iedd-files-w-")
        root, outside = tree(base)
        d = Daemon("--files", root, "--files-allow", "delete,rename")
        try:
            r = iedc("identify", d.addr)
            self.assertIn("fileDelete", r.stdout)
            self.assertIn("fileRename", r.stdout)
            r = iedc("file", "mv", d.addr, "COMTRADE/rec1.cfg", "COMTRADE/old.cfg")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(os.path.join(root, "COMTRADE", "old.cfg")))
            r = iedc("file", "mv", d.addr, "COMTRADE/old.cfg", "COMTRADE/rec1.dat")
            self.assertEqual(r.returncode, 7)
            self.assertIn("duplicate-filename", r.stderr)
            r = iedc("file", "mv", d.addr, "COMTRADE/old.cfg", "../outside/x")
            self.assertEqual(r.returncode, 7)
            self.assertIn("file-access-denied", r.stderr)
            r = iedc("file", "rm", d.addr, "COMTRADE/old.cfg")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(root, "COMTRADE", "old.cfg")))
            r = iedc("file", "rm", d.addr, "../outside/secret")
            self.assertEqual(r.returncode, 7)
            r = iedc("file", "rm", d.addr, "link_out")  # the link, not its target
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(os.path.join(outside, "secret")))
            r = iedc("file", "rm", d.addr, "COMTRADE/old.cfg")
            self.assertEqual(r.returncode, 7)
            self.assertIn("file-non-existent", r.stderr)
        finally:
            d.stop()
            shutil.rmtree(base, ignore_errors=True)

    def test_put(self):
        """iedc file put (ObtainFile): the file arrives whole, is refused when
        not allowed, never replaces one, and a client killed midway leaves no
        partial file and no descriptor."""
        import subprocess
        from harness import IEDC
        base = tempfile.mkdtemp(prefix="iedd-files-p-")
        root, outside = tree(base)
        src = os.path.join(base, "local.dat")
        with open(src, "wb") as f:
            f.write(os.urandom(5 * 1024 * 1024 + 7))
        d = Daemon("--files", root)
        try:
            r = iedc("file", "put", d.addr, src, "COMTRADE/up.dat")
            self.assertEqual(r.returncode, 7)
            self.assertIn("file-access-denied", r.stderr)
        finally:
            d.stop()
        d = Daemon("--files", root, "--files-allow", "obtain")
        try:
            r = iedc("identify", d.addr)
            self.assertIn("obtainFile", r.stdout)
            r = iedc("file", "put", d.addr, src, "COMTRADE/up.dat", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["size"], os.path.getsize(src))
            self.assertEqual(sha256(src), sha256(os.path.join(root, "COMTRADE", "up.dat")))
            r = iedc("file", "put", d.addr, src, "COMTRADE/up.dat")
            self.assertEqual(r.returncode, 7)
            self.assertIn("duplicate-filename", r.stderr)
            r = iedc("file", "put", d.addr, src, "../outside/up.dat")
            self.assertEqual(r.returncode, 7)
            self.assertIn("file-access-denied", r.stderr)
            self.assertEqual(os.listdir(outside), ["secret"])
            # killed in the middle of the upload
            pid = d.proc.pid
            proc = subprocess.Popen([IEDC, "file", "put", d.addr, src, "half.dat",
                                     "--max-pdu", "256"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            seen = 0
            deadline = time.time() + 20
            while time.time() < deadline and not seen and proc.poll() is None:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    try:
                        if "(deleted)" in os.readlink(f"/proc/{pid}/fd/{fd}") or \
                           os.readlink(f"/proc/{pid}/fd/{fd}").startswith(root + "/#"):
                            seen += 1
                    except OSError:
                        pass
                time.sleep(0.005)
            proc.kill()
            proc.wait()
            self.assertTrue(seen, "the upload's unnamed file was never seen")
            deadline = time.time() + 10
            while time.time() < deadline and open_files(pid, root):
                time.sleep(0.02)
            self.assertEqual(open_files(pid, root), 0)
            self.assertFalse(os.path.exists(os.path.join(root, "half.dat")))
            self.assertEqual(sorted(os.listdir(root)), ["COMTRADE", "big.dat", "dirlink",
                                                        "link_out"])
        finally:
            d.stop()
            shutil.rmtree(base, ignore_errors=True)

    def test_limits(self):
        """<files> limits: FRSMs per association, the upload size, and a disk
        that would be too full: the error reaches the client, nothing remains."""
        base = tempfile.mkdtemp(prefix="iedd-files-l-")
        root, outside = tree(base)
        src = os.path.join(base, "local.dat")
        with open(src, "wb") as f:
            f.write(os.urandom(2 * 1024 * 1024))
        d = Daemon(config=f"""<iedd xmlns="urn:iedd:config:1">
  <files root="{root}" obtain="true" maxOpenPerAssociation="2" maxUploadMiB="1"/>
</iedd>
""")
        try:
            p = Raw(d.port)
            p.associate()
            for i in range(2):
                p.send(data_pdu(file_open_req(10 + i, "big.dat")))
                self.assertIn(b"\xbf\x48", p.recv_tpkt())
            p.send(data_pdu(file_open_req(12, "big.dat")))
            a = p.recv_tpkt()
            # confirmed-ErrorPDU, errorClass resource [3] capability-unavailable (4)
            self.assertIn(b"\xa2", a)
            self.assertIn(b"\x83\x01\x04", a)
            p.close()
            r = iedc("file", "put", d.addr, src, "up.dat")
            self.assertEqual(r.returncode, 7)
            self.assertIn("insufficient-space-in-filestore", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(root, "up.dat")))
        finally:
            d.stop()
        free_mib = shutil.disk_usage(root).free >> 20
        if free_mib < 1048576:
            d = Daemon(config=f"""<iedd xmlns="urn:iedd:config:1">
  <files root="{root}" obtain="true" keepFreeMiB="{free_mib + 1}"/>
</iedd>
""")
            try:
                r = iedc("file", "put", d.addr, src, "up.dat")
                self.assertEqual(r.returncode, 7)
                self.assertIn("insufficient-space-in-filestore", r.stderr)
                self.assertFalse(os.path.exists(os.path.join(root, "up.dat")))
                self.assertEqual(open_files(d.proc.pid, root), 0)
            finally:
                d.stop()
        shutil.rmtree(base, ignore_errors=True)

    def test_config_element(self):
        """<files root delete rename> in iedd.xml, a relative root taken
        relative to the configuration file."""
        base = tempfile.mkdtemp(prefix="iedd-files-c-")
        root, outside = tree(base)
        d = Daemon(config=f"""<iedd xmlns="urn:iedd:config:1">
  <files root="{root}" delete="true"/>
</iedd>
""")
        try:
            r = iedc("identify", d.addr)
            self.assertIn("fileDirectory", r.stdout)
            self.assertIn("fileDelete", r.stdout)
            self.assertNotIn("fileRename", r.stdout)
            r = iedc("file", "rm", d.addr, "COMTRADE/rec1.cfg")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = iedc("file", "mv", d.addr, "COMTRADE/rec1.dat", "x.dat")
            self.assertEqual(r.returncode, 7)
        finally:
            d.stop()
        # relative to the configuration file's directory
        cfgdir = os.path.join(base, "etc")
        os.mkdir(cfgdir)
        cfg = os.path.join(cfgdir, "iedd.xml")
        with open(cfg, "w") as f:
            f.write('<iedd xmlns="urn:iedd:config:1"><files root="../root"/></iedd>\n')
        d = Daemon("--config", cfg)
        try:
            r = iedc("file", "ls", d.addr, "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("big.dat", [e["name"] for e in json.loads(r.stdout)["files"]])
        finally:
            d.stop()
        # an element the schema refuses names the file and line
        import subprocess
        from harness import IEDD
        with open(cfg, "w") as f:
            f.write('<iedd xmlns="urn:iedd:config:1">\n<files delete="yes"/></iedd>\n')
        r = subprocess.run([IEDD, "--config", cfg, "--check"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("iedd.xml:2", r.stderr)
        shutil.rmtree(base, ignore_errors=True)

    def test_state_directory(self):
        """Without --files and <files>: $STATE_DIRECTORY/files (systemd's
        StateDirectory=iedd) when it exists, no file services when not."""
        base = tempfile.mkdtemp(prefix="iedd-files-s-")
        old = os.environ.get("STATE_DIRECTORY")
        try:
            os.environ["STATE_DIRECTORY"] = base
            # --scl: not the embedded default, which has its sample record
            d = Daemon("--scl", SAMPLE)
            try:
                self.assertNotIn("fileDirectory", iedc("identify", d.addr).stdout)
            finally:
                d.stop()
            os.makedirs(os.path.join(base, "files", "COMTRADE"))
            with open(os.path.join(base, "files", "COMTRADE", "r.cfg"), "w") as f:
                f.write("x\n")
            d = Daemon("--scl", SAMPLE)
            try:
                r = iedc("file", "ls", d.addr, "COMTRADE", "--json")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual([e["name"] for e in json.loads(r.stdout)["files"]],
                                 ["COMTRADE/r.cfg"])
            finally:
                d.stop()
        finally:
            if old is None:
                os.environ.pop("STATE_DIRECTORY", None)
            else:
                os.environ["STATE_DIRECTORY"] = old
            shutil.rmtree(base, ignore_errors=True)

    def test_embedded_default_serves_the_sample_record(self):
        """A newcomer's first try: the embedded default (no --config, no
        --scl, no --files) serves etc/sample-files read-only, a COMTRADE
        pair of the sample bay; with --scl it does not (the record belongs
        to the sample model)."""
        d = Daemon()
        try:
            r = iedc("file", "ls", d.addr, "COMTRADE", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            names = [e["name"] for e in json.loads(r.stdout)["files"]]
            self.assertEqual(names, ["COMTRADE/20261124_100000_IEDD1BAY_trip.cfg",
                                     "COMTRADE/20261124_100000_IEDD1BAY_trip.dat"])
            out = os.path.join(tempfile.mkdtemp(prefix="iedd-sample-"), "r.cfg")
            r = iedc("file", "get", d.addr, names[0], out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, "rb") as f, open(os.path.join(SAMPLE_FILES, names[0]), "rb") as g:
                self.assertEqual(f.read(), g.read())
            with open(out, "rb") as f:
                self.assertTrue(f.read().startswith(b"iedd sample record"))
            r = iedc("file", "rm", d.addr, names[0])
            self.assertNotEqual(r.returncode, 0, "the sample record is read-only")
            self.assertIn("file-access-denied", r.stderr)
        finally:
            d.stop()
        d = Daemon("--scl", SAMPLE)
        try:
            self.assertNotIn("fileDirectory", iedc("identify", d.addr).stdout)
        finally:
            d.stop()

    def test_bad_root(self):
        import subprocess
        from harness import IEDD
        r = subprocess.run([IEDD, "--listen", "127.0.0.1:1", "--files", "/nonexistent-iedd"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent-iedd", r.stderr)
        r = subprocess.run([IEDD, "--files-allow", "delete"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 2)
        r = subprocess.run([IEDD, "--files", "/tmp", "--files-allow", "chmod"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--files-allow", r.stderr)


def frsm_req(invoke, service, frsm):
    """FileRead (73) or FileClose (74) of an FRSM: a primitive Integer32."""
    v = frsm.to_bytes(max(1, (frsm.bit_length() + 8) // 8), "big", signed=True)
    return tlv(0xA0, ber_int(0x02, invoke) + mms_tag(service, False, v))


def frsm_of(open_resp):
    """The frsmID of a FileOpen-Response ([0] IMPLICIT Integer32 first)."""
    i = open_resp.index(b"\xbf\x48")
    body = open_resp[i + 3:] if open_resp[i + 2] < 0x80 else open_resp[i + 4:]
    assert body[0] == 0x80, body[:8]
    return int.from_bytes(body[2:2 + body[1]], "big", signed=True)


def mms_of(pkt):
    """The MMS PDU of a data TPKT (after the presentation PDV's [0] tag)."""
    i = pkt.index(b"\x02\x01\x03\xa0") + 4
    return pkt[i + 1:] if pkt[i] < 0x80 else pkt[i + 1 + (pkt[i] & 0x7F):]


def pending(p):
    """True when p's server has sent something that has not been read yet."""
    import select
    return bool(p.buf) or bool(select.select([p.s], [], [], 0)[0])


class SlowDisk(unittest.TestCase):
    """Issue 16: FileRead's disk work runs on the file store's worker, so a
    slow disk (IEDD_TEST_FILE_READ_DELAY_MS: each read waits that long)
    holds up the reading association only. Order, not durations, is
    compared: the other client's answer must come while the slow read is
    still out."""

    DELAY_MS = 3000

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="iedd-slow-")
        cls.root = os.path.join(cls.base, "root")
        os.mkdir(cls.root)
        with open(os.path.join(cls.root, "rec.dat"), "wb") as f:
            f.write(bytes(range(200)))  # one TPKT
        os.environ["IEDD_TEST_FILE_READ_DELAY_MS"] = str(cls.DELAY_MS)
        try:
            cls.d = Daemon("--files", cls.root)
        finally:
            del os.environ["IEDD_TEST_FILE_READ_DELAY_MS"]

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.base, ignore_errors=True)

    def opened(self):
        p = Raw(self.d.port, timeout=60)
        p.associate()
        p.send(data_pdu(file_open_req(1, "rec.dat")))
        a = p.recv_tpkt()
        self.assertIn(b"\xbf\x48", a)
        return p, frsm_of(a)

    def test_other_client_not_stalled(self):
        a, frsm = self.opened()
        b = Raw(self.d.port, timeout=60)
        b.associate()
        t0 = time.monotonic()
        a.send(data_pdu(frsm_req(2, 73, frsm)))
        # while a's read is out: another association is served...
        b.send(data_pdu(identify_req(7)))
        ident = b.recv_tpkt()
        tb = time.monotonic() - t0
        self.assertIn(b"iedd", ident)
        self.assertFalse(pending(a), "the slow read was answered before the other client")
        # ...and so is the reading one, for what needs no disk; its
        # outstanding FileRead keeps its invokeID and its FRSM
        a.send(data_pdu(identify_req(3)))
        self.assertIn(b"iedd", a.recv_tpkt())
        a.send(data_pdu(identify_req(2)))
        rej = a.recv_tpkt()
        self.assertEqual(mms_of(rej)[0], 0xA4)  # Reject: invokeID 2 is outstanding
        a.send(data_pdu(frsm_req(4, 74, frsm)))
        busy = a.recv_tpkt()
        self.assertEqual(mms_of(busy)[0], 0xA2)  # ConfirmedError: file-busy (the worker reads it)
        self.assertFalse(pending(a))
        data = a.recv_tpkt()
        ta = time.monotonic() - t0
        self.assertIn(b"\xbf\x49", data)  # FileRead-Response
        self.assertIn(bytes(range(200)), data)
        # the mechanisms compared: the other client's answer came long
        # before the read (which waits DELAY_MS)
        self.assertLess(tb, ta / 2, f"Identify after {tb:.2f} s, FileRead after {ta:.2f} s")
        a.send(data_pdu(frsm_req(5, 74, frsm)))
        self.assertEqual(mms_of(a.recv_tpkt())[0], 0xA1)  # FileClose-Response now
        a.close()
        b.close()

    def test_client_gone_mid_read(self):
        """An association that ends while its read is out is not answered;
        its FRSM closes once the worker is done with it."""
        pid = self.d.proc.pid
        a, frsm = self.opened()
        self.assertEqual(open_files(pid, self.root), 1)
        a.send(data_pdu(frsm_req(2, 73, frsm)))
        time.sleep(0.2)
        a.close()
        b = Raw(self.d.port, timeout=60)
        b.associate()
        self.assertIn(b"iedd", b.identify(9))
        deadline = time.time() + 10 + self.DELAY_MS / 1000
        while time.time() < deadline and open_files(pid, self.root):
            time.sleep(0.05)
        self.assertEqual(open_files(pid, self.root), 0)
        self.assertIn(b"iedd", b.identify(10))
        b.close()
        self.assertIsNone(self.d.proc.poll())


if __name__ == "__main__":
    main()
