# SPDX-License-Identifier: Apache-2.0
"""The status page and metrics (--http, <http>) through the real iedd:
/metrics parsed by Prometheus' own client library and accepted by promtool,
the page opened in headless Chromium (a screenshot; a simulated value that
changes between two loads; a running iedc association listed), the JSON
API, the token, and the refusals."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from harness import IEDC, IEDD, Daemon, free_port, iedc, main

NS = "urn:iedd:config:1"
URCB = "IEDD1BAY/LLN0.RP.urcbMeas01"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python3-prometheus-client lives here
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def get(url, headers=None, method="GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def chromium(*args, timeout=90):
    prof = tempfile.mkdtemp(prefix="iedd-chromium-")
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--disable-extensions", f"--user-data-dir={prof}", *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(prof, ignore_errors=True)


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hport = free_port()
        cls.d = Daemon("--simulate", "--simulate-speed", "20", "--http", f"127.0.0.1:{cls.hport}")
        cls.base = f"http://127.0.0.1:{cls.hport}"
        assert cls.d.wait_log("status page on http://127.0.0.1:"), cls.d.log()
        # an association that stays: a URCB enabled, reports arriving
        cls.rep = subprocess.Popen([IEDC, "--json", "report", cls.d.addr, URCB, "--trgops",
                                    "dchg,period", "--intgpd", "500"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        cls.rep.stdout.readline()  # the first report: it is associated and enabled

    @classmethod
    def tearDownClass(cls):
        cls.rep.send_signal(signal.SIGINT)
        cls.rep.communicate(timeout=15)
        cls.d.stop()

    def test_metrics_parse_and_promtool(self):
        code, headers, text = get(self.base + "/metrics")
        self.assertEqual(code, 200)
        self.assertIn("text/plain; version=0.0.4", headers["Content-Type"])
        if not os.path.exists(SYSTEM_PYTHON):
            self.skipTest("no /usr/bin/python3")
        parse = (
            "import json,sys\n"
            "from prometheus_client.parser import text_string_to_metric_families as f\n"
            "out={}\n"
            "for fam in f(sys.stdin.read()):\n"
            "  for s in fam.samples:\n"
            "    out.setdefault(s.name,[]).append([s.labels,s.value,fam.type])\n"
            "print(json.dumps(out))\n")
        r = subprocess.run([SYSTEM_PYTHON, "-c", parse], input=text, capture_output=True,
                           text=True, timeout=60)
        if "No module named 'prometheus_client'" in r.stderr:
            self.skipTest("python3-prometheus-client not installed (scripts/setup.sh --tests)")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = json.loads(r.stdout)
        self.assertGreaterEqual(m["iedd_associations_open"][0][1], 1)
        self.assertGreaterEqual(m["iedd_associations_accepted_total"][0][1], 1)
        self.assertEqual(m["iedd_associations_accepted_total"][0][2], "counter")
        writes = [v for labels, v, _ in m["iedd_mms_requests_total"]
                  if labels == {"service": "Write"}]
        self.assertTrue(writes and writes[0] >= 1, m["iedd_mms_requests_total"])
        self.assertGreater(m["iedd_reports_sent_total"][0][1], 0)
        sim = [v for labels, v, _ in m["iedd_source_reads_total"] if labels == {"source": "sim"}]
        self.assertTrue(sim and sim[0] > 0)
        self.assertEqual([v for labels, v, _ in m["iedd_source_up"]], [1.0])
        self.assertGreater(m["process_resident_memory_bytes"][0][1], 1 << 20)
        self.assertGreater(m["process_cpu_seconds_total"][0][1], 0)
        if not shutil.which("promtool"):
            self.skipTest("promtool not installed (Debian package prometheus)")
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.strip() + p.stderr.strip(), "", "promtool has remarks")

    def test_api(self):
        code, _, text = get(self.base + "/api/associations")
        self.assertEqual(code, 200)
        a = json.loads(text)
        self.assertEqual(len(a), 1, a)
        self.assertTrue(a[0]["peer"].startswith("127.0.0.1:"))
        self.assertGreater(a[0]["requests"], 0)
        self.assertGreater(a[0]["bytesOut"], a[0]["bytesIn"])  # reports flow out
        st = json.loads(get(self.base + "/api/status")[2])
        self.assertEqual(st["ied"], "IEDD1")
        self.assertGreater(st["uptimeSeconds"], 0)
        rcbs = {r["ref"]: r for r in json.loads(get(self.base + "/api/rcbs")[2])}
        self.assertTrue(rcbs["IEDD1BAY/LLN0.urcbMeas01"]["enabled"])
        self.assertFalse(rcbs["IEDD1BAY/LLN0.urcbMeas02"]["enabled"])
        src = json.loads(get(self.base + "/api/sources")[2])
        self.assertEqual([(s["name"], s["up"]) for s in src], [("sim", True)])
        g = json.loads(get(self.base + "/api/goose")[2])
        self.assertEqual(g["publishers"][0]["gocbRef"], "IEDD1BAY/LLN0$GO$gcbPos")
        self.assertFalse(g["running"])
        v = json.loads(get(self.base + "/api/values?prefix=IEDD1BAY/MMXU1.TotW.mag")[2])
        self.assertEqual(list(v), ["IEDD1BAY/MMXU1.TotW.mag.f[MX]"])
        r = iedc("read", self.d.addr, "IEDD1BAY/MMXU1.TotW.units.SIUnit[CF]")
        v = json.loads(get(self.base + "/api/values?prefix=IEDD1BAY/MMXU1.TotW.units")[2])
        self.assertEqual(v["IEDD1BAY/MMXU1.TotW.units.SIUnit[CF]"], r.stdout.strip())
        self.assertEqual(get(self.base + "/", method="POST")[0], 405)
        self.assertEqual(get(self.base + "/nope")[0], 404)

    def test_page_in_chromium(self):
        if not CHROMIUM:
            self.skipTest("chromium not installed (scripts/setup.sh --tests)")
        shot = os.path.join(tempfile.mkdtemp(prefix="iedd-shot-"), "page.png")
        r = chromium("--window-size=1200,1600", f"--screenshot={shot}", self.base + "/")
        self.assertTrue(os.path.exists(shot), r.stderr[-2000:])
        with open(shot, "rb") as f:
            png = f.read()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertGreater(len(png), 20000, "an empty page")
        ref = "IEDD1BAY/MMXU1.TotW.mag.f[MX]"
        pat = re.compile(r'data-ref="' + re.escape(ref) + r'">[^<]*<span class="?v"?>([^<]*)<')

        def value_in_dom():
            r = chromium("--virtual-time-budget=3000", "--dump-dom", self.base + "/")
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            m = pat.search(r.stdout)
            self.assertIsNotNone(m, r.stdout[:3000])
            return r.stdout, m.group(1)

        dom1, v1 = value_in_dom()
        # the association of the running iedc is listed
        peer = json.loads(get(self.base + "/api/associations")[2])[0]["peer"]
        self.assertIn(peer, dom1)
        self.assertIn("urcbMeas01", dom1)
        deadline, v2 = time.time() + 20, v1
        while v2 == v1 and time.time() < deadline:
            time.sleep(1)
            _, v2 = value_in_dom()
        self.assertNotEqual(v1, v2, "the simulated value did not change between loads")


class Token(unittest.TestCase):
    def test_token_and_refusals(self):
        port = free_port()
        token = "s3cret-token-for-the-test"
        cfg = f'<iedd xmlns="{NS}"><http listen="127.0.0.1:{port}" token="{token}"/></iedd>'
        d = Daemon(config=cfg)
        try:
            self.assertTrue(d.wait_log("token required"), d.log())
            base = f"http://127.0.0.1:{port}"
            self.assertEqual(get(base + "/metrics")[0], 401)
            self.assertEqual(get(base + "/metrics", {"Authorization": "Bearer wrong"})[0], 401)
            self.assertEqual(get(base + "/metrics", {"Authorization": f"Bearer {token}"})[0], 200)
            self.assertEqual(get(base + f"/api/status?token={token}")[0], 200)
        finally:
            d.stop()
        # not loopback, no token: refused before anything listens
        r = subprocess.run([IEDD, "--listen", f"127.0.0.1:{free_port()}", "--http",
                            f"0.0.0.0:{free_port()}"], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a loopback address", r.stderr)

    def test_port_taken_mms_goes_on(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        try:
            d = Daemon("--http", f"127.0.0.1:{port}")
            try:
                self.assertTrue(d.wait_log(f"http: cannot listen on 127.0.0.1:{port}"), d.log())
                self.assertEqual(iedc("identify", d.addr).returncode, 0)
            finally:
                d.stop()
        finally:
            s.close()


if __name__ == "__main__":
    main()
