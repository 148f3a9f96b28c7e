# SPDX-License-Identifier: Apache-2.0
"""iedd --pics: the generated conformance statement says what the running
server really offers. Each claim is checked against a daemon started with
the same options: the Initiate parameters and servicesSupportedCalled
against iedc identify, each RCB's data set, member count and ConfRev
against reads of the RCB, each control's ctlModel against a read of it."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import IEDD, Daemon, iedc, main

SCL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                       "scl")


def pics(*args, json_out=True):
    cmd = [IEDD, "--pics"] + (["--json"] if json_out else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return r


class Pics(unittest.TestCase):
    def statement(self, *args):
        r = pics(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def row(self, p, cls, svc):
        rows = [x for x in p["acsi"] if x["class"] == cls and x["service"] == svc]
        self.assertEqual(len(rows), 1, f"{cls}.{svc}")
        return rows[0]

    def test_initiate_matches_identify(self):
        d = Daemon()
        try:
            p = self.statement("--listen", d.addr)
            r = iedc("--json", "identify", d.addr)
            self.assertEqual(r.returncode, 0, r.stderr)
            ident = json.loads(r.stdout)
        finally:
            d.stop()
        self.assertEqual(p["mms"]["servicesSupported"], ident["servicesSupported"])
        # iedc proposes 65000 octets and 10 outstanding calls: the smaller wins
        self.assertEqual(ident["maxPduSize"], min(65000, p["mms"]["maxPduSize"]))
        self.assertEqual(ident["maxServOutstandingCalled"],
                         min(10, p["mms"]["maxServOutstanding"]))
        self.assertEqual(ident["nestingLevel"], min(10, p["mms"]["nestingLevel"]))
        self.assertEqual(p["ied"]["vendor"], ident["vendor"])
        self.assertEqual(p["ied"]["revision"], ident["revision"])
        self.assertEqual(p["associations"]["listeners"],
                         [{"addr": "127.0.0.1", "port": d.port, "tls": False}])
        # the rows follow the services: reading and browsing always, logs never
        for cls, svc in (("Data", "GetDataValues"), ("DataSet", "CreateDataSet"),
                         ("Server", "GetServerDirectory"), ("File", "GetFile")):
            self.assertTrue(self.row(p, cls, svc)["offered"], f"{cls}.{svc}")
        for cls, svc in (("Log", "QueryLogByTime"), ("File", "DeleteFile"),
                         ("GOOSE", "SendGOOSEMessage")):
            self.assertFalse(self.row(p, cls, svc)["offered"], f"{cls}.{svc}")
            self.assertTrue(self.row(p, cls, svc)["why"])

    def test_rcbs_and_controls_match_the_server(self):
        d = Daemon()
        try:
            p = self.statement("--listen", d.addr)
            self.assertEqual(len(p["rcbs"]), 10)
            r = iedc("--json", "datasets", d.addr)
            self.assertEqual(r.returncode, 0, r.stderr)
            sets = {s["reference"]: len(s["members"]) for s in json.loads(r.stdout)["dataSets"]}
            for rcb in p["rcbs"]:
                ref, fc = rcb["ref"], rcb["fc"]
                ld = ref.split("/")[0]
                r = iedc("--json", "read", d.addr, f"{ref}.DatSet[{fc}]")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(json.loads(r.stdout)["value"],
                                 f"{ld}/LLN0${rcb['dataSet']}", ref)
                self.assertEqual(sets[f"{ld}/LLN0.{rcb['dataSet']}"], rcb["members"], ref)
                r = iedc("--json", "read", d.addr, f"{ref}.ConfRev[{fc}]")
                self.assertEqual(json.loads(r.stdout)["value"], rcb["confRev"], ref)
            self.assertTrue(self.row(p, "BufferedReportControl", "Report")["offered"])
            self.assertEqual(len(p["controls"]), 7)
            for c in p["controls"]:
                r = iedc("read", d.addr, c["ref"] + ".ctlModel[CF]")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(int(r.stdout.strip()), c["ctlModel"], c["ref"])
            # the sample's XCBR1.Pos is sbo-with-enhanced-security
            self.assertTrue(self.row(p, "Control", "SelectWithValue")["offered"])
            self.assertTrue(self.row(p, "Control", "CommandTermination")["offered"])
            self.assertFalse(self.row(p, "Control", "Select")["offered"])
            # a client changes ctlModel: the statement of the configuration
            # does not (it describes the SCL), and the next start agrees
        finally:
            d.stop()

    def test_files_and_goose_follow_the_options(self):
        root = tempfile.mkdtemp(prefix="iedd-pics-")
        with open(os.path.join(root, "a.txt"), "w") as f:
            f.write("x")
        p = self.statement("--files", root, "--files-allow", "delete", "--goose-interface", "lo")
        self.assertEqual(p["files"], {"root": root, "delete": True, "rename": False,
                                      "obtain": False})
        self.assertTrue(self.row(p, "File", "DeleteFile")["offered"])
        self.assertFalse(self.row(p, "File", "SetFile")["offered"])
        self.assertIn("fileDelete", p["mms"]["servicesSupported"])
        self.assertNotIn("obtainFile", p["mms"]["servicesSupported"])
        self.assertEqual(p["goose"]["interface"], "lo")
        self.assertTrue(self.row(p, "GOOSE", "SendGOOSEMessage")["offered"])
        g = p["gocbs"][0]
        self.assertEqual(g["ref"], "IEDD1BAY/LLN0$GO$gcbPos")
        self.assertEqual(g["mac"], "01-0C-CD-01-00-01")
        self.assertTrue(g["published"])
        # and a server with the same files options announces the same
        d = Daemon("--files", root, "--files-allow", "delete")
        try:
            r = iedc("--json", "identify", d.addr)
            svcs = json.loads(r.stdout)["servicesSupported"]
        finally:
            d.stop()
        self.assertIn("fileDelete", svcs)
        self.assertNotIn("obtainFile", svcs)

    def test_foreign_scl_and_text(self):
        scl = os.path.join(SCL_DIR, "simpleIO_direct_control_goose.cid")
        if not os.path.exists(scl):
            self.skipTest(f"{scl} is not there (../shared beside the repository)")
        p = self.statement("--scl", scl)
        self.assertEqual(p["ied"]["sclFile"], scl)
        self.assertEqual({c["ctlModelName"] for c in p["controls"]},
                         {"direct-with-normal-security"})
        self.assertEqual(len(p["gocbs"]), 2)
        for g in p["gocbs"]:
            self.assertGreater(g["members"], 0, g)
        r = pics("--scl", scl, json_out=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ACSI services (IEC 61850-7-2)", r.stdout)
        self.assertRegex(r.stdout, r"Control +Operate +write +yes")
        self.assertRegex(r.stdout, r"SettingGroupControl +SelectActiveSG +write +no: not "
                                   r"implemented")
        self.assertIn("simpleIOGenericIO/GGIO1.SPCSO1", r.stdout)
        self.assertNotIn("starting", r.stderr)
        # with --check it is a usage error
        r = subprocess.run([IEDD, "--pics", "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--pics", r.stderr)


if __name__ == "__main__":
    main()
