# SPDX-License-Identifier: Apache-2.0
"""What a client's write does, by FC (issue 9 item 2): the real iedd and
the real iedc. A write of an FC that belongs to a service with no
service acting on it yet (GO, ...) gets object-access-unsupported and
changes nothing. Under CO the control model acts: a part of Oper written
alone is refused (8-1 writes it whole), and a command reaches the source
only through a map row of Oper.ctlVal (a user's row, --simulate's control
echo); with none, it is refused (Blocked-by-process). The CSV map refuses
w rows that no client write can carry, and --print-map-template suggests
rw only where the map accepts w."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import IEDD, Daemon, DaemonCase, iedc, main, write_file as write  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(SRC, "etc", "sample.icd")
HEADER = "reference,source,address,scale,offset,direction,scanClass\n"
UNSUPPORTED = "object-access-unsupported"
SERVICE_ERROR = 7  # iedc's exit status for a DataAccessError
REFUSED = 7  # iedc control's exit status for a refused command


def config(map_path, scl=None, period=100):
    s = f'<scl file="{scl}"/>' if scl else ""
    return f"""<iedd xmlns="urn:iedd:config:1">
  {s}
  <map file="{map_path}" period="{period}"/>
  <sources><source name="s" plugin="sim"/></sources>
</iedd>
"""


def cb_fc_icd(d):
    """The sample with attributes of the control-block FCs RP, BR, GO in
    SPS_T (XCBR1.Loc has them): SCL lets a DA name any FC, and the sample
    has no control-block variables of its own yet."""
    with open(SAMPLE) as f:
        text = f.read()
    at = '<DOType id="SPS_T" cdc="SPS">'
    assert at in text
    text = text.replace(at, at + '<DA name="rp" bType="BOOLEAN" fc="RP"/>'
                        '<DA name="br" bType="BOOLEAN" fc="BR"/>'
                        '<DA name="go" bType="BOOLEAN" fc="GO"/>')
    return write(os.path.join(d, "cb.icd"), text)


class Base(DaemonCase):
    prefix = "writes-"

    def assert_unsupported(self, ref, value):
        before = self.read(ref)
        r = iedc("write", self.d.addr, ref, value)
        self.assertEqual(r.returncode, SERVICE_ERROR, r.stdout + r.stderr)
        self.assertIn(UNSUPPORTED, r.stderr)
        self.assertEqual(self.read(ref), before, ref + ": the refused write was stored")

    def assert_ok(self, ref, value):
        r = iedc("write", self.d.addr, ref, value)
        self.assertEqual(r.returncode, 0, r.stderr + "\n" + self.d.log())


class NoService(Base):
    def assert_denied(self, ref, value):
        before = self.read(ref)
        r = iedc("write", self.d.addr, ref, value)
        self.assertEqual(r.returncode, SERVICE_ERROR, r.stdout + r.stderr)
        self.assertIn("object-access-denied", r.stderr)
        self.assertEqual(self.read(ref), before, ref + ": the refused write was stored")

    def test_co_parts_denied_and_no_row_blocked(self):
        # the embedded default: its sample map has no row for any control
        self.d = Daemon()
        self.assert_denied("IEDD1BAY/XCBR1.Pos.Oper.ctlVal[CO]", "true")
        self.assert_denied("IEDD1BAY/XCBR1.Pos.Oper.ctlNum[CO]", "7")
        self.assert_denied("IEDD1BAY/XCBR1.Pos.SBOw.ctlVal[CO]", "true")
        # a whole command that no source carries: refused, nothing happens
        r = iedc("control", self.d.addr, "IEDD1BAY/XSWI1.Pos", "false")
        self.assertEqual(r.returncode, REFUSED, r.stdout + r.stderr)
        self.assertIn("Blocked-by-process", r.stdout + r.stderr)
        self.assertEqual(self.read("IEDD1BAY/XSWI1.Pos.stVal[ST]"), "10")
        # plain FCs are stored as before; ST is denied as before
        self.assert_ok("IEDD1BAY/MMXU1.TotW.db[CF]", "1234")
        self.assertEqual(self.read("IEDD1BAY/MMXU1.TotW.db[CF]"), "1234")
        r = iedc("write", self.d.addr, "IEDD1BAY/XCBR1.Pos.stVal[ST]", "01")
        self.assertEqual(r.returncode, SERVICE_ERROR)
        self.assertIn("object-access-denied", r.stderr)

    def test_rp_br_go_unsupported(self):
        icd = cb_fc_icd(self.dir)
        self.d = Daemon("--scl", icd)
        for fc in ("rp[RP]", "br[BR]", "go[GO]"):
            self.assert_unsupported("IEDD1BAY/XCBR1.Loc." + fc, "true")


class Carried(Base):
    def assert_controlled(self, do, value):
        r = iedc("control", self.d.addr, do, value)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + "\n" + self.d.log())

    def test_user_oper_ctlval_row(self):
        # a user's map: Oper.ctlVal -> a sim hold cell the status reads
        m = write(os.path.join(self.dir, "m.csv"), HEADER +
                  "IEDD1BAY/XCBR1.BlkOpn.Oper.ctlVal[CO],s,hold:name=blk,,,w,\n"
                  "IEDD1BAY/XCBR1.BlkOpn.stVal[ST],s,\"hold:name=blk,start=false\",,,r,\n")
        self.d = Daemon(config=config(m))
        st = "IEDD1BAY/XCBR1.BlkOpn.stVal[ST]"
        self.assertEqual(self.read(st), "false")
        self.assert_controlled("IEDD1BAY/XCBR1.BlkOpn", "true")
        self.assertEqual(self.read(st), "true")
        self.assertIn("ctlVal: true", self.read("IEDD1BAY/XCBR1.BlkOpn.Oper[CO]"))
        # a control no row carries is refused
        r = iedc("control", self.d.addr, "IEDD1BAY/XSWI1.Pos", "false")
        self.assertEqual(r.returncode, REFUSED, r.stdout + r.stderr)

    def test_simulate_ctlval_echo(self):
        self.d = Daemon("--simulate")
        st = "IEDD1BAY/XCBR1.BlkOpn.stVal[ST]"
        for v in ("true", "false"):
            self.assert_controlled("IEDD1BAY/XCBR1.BlkOpn", v)
            self.assertEqual(self.read(st), v)


class MapCheck(Base):
    def check(self, rows, scl=None):
        m = write(os.path.join(self.dir, "m.csv"), HEADER + rows)
        c = write(os.path.join(self.dir, "iedd.xml"), config(m, scl))
        return subprocess.run([IEDD, "--config", c, "--check"], capture_output=True, text=True,
                              timeout=60)

    def test_w_rows_refused_with_file_line(self):
        icd = cb_fc_icd(self.dir)
        cases = [
            ("IEDD1BAY/XCBR1.Loc.stVal[ST],s,const:1,,,w,", "m.csv:2:42: direction 'w' but FC ST"),
            ("IEDD1BAY/MMXU1.TotW.mag.f[MX],s,const:1,,,rw,", "m.csv:2:43: direction 'rw' but FC MX"),
            ("IEDD1BAY/XCBR1.Loc.rp[RP],s,const:1,,,w,", "m.csv:2:39: direction 'w' but FC RP"
             " belongs to a service"),
            ("IEDD1BAY/XCBR1.Pos.Oper.ctlNum[CO],s,const:1,,,w,",
             "m.csv:2:48: direction 'w' on 'IEDD1BAY/XCBR1.Pos.Oper.ctlNum[CO]': of FC CO only "
             "Oper.ctlVal"),
            ("IEDD1BAY/XCBR1.Pos.SBOw.ctlVal[CO],s,const:1,,,w,", "only Oper.ctlVal"),
        ]
        for row, want in cases:
            r = self.check("\n" + row + "\n", icd)  # line 3: a blank line first
            self.assertNotEqual(r.returncode, 0, row + ": " + r.stdout)
            self.assertIn(want.replace("m.csv:2:", "m.csv:3:"), r.stderr, row)
        # what the map accepts
        r = self.check("IEDD1BAY/XCBR1.Pos.Oper.ctlVal[CO],s,const:1,,,w,\n"
                       "IEDD1BAY/MMXU1.TotW.db[CF],s,const:1,,,rw,\n"
                       "IEDD1BAY/XCBR1.Loc.rp[RP],s,const:1,,,r,\n", icd)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("map OK (3 mapped attribute(s))", r.stdout)


    def test_inst_form_warned_by_check(self):
        # issue 9 item 5: the LD inst alone is taken, but said once per file
        r = self.check("IEDD1BAY/MMXU1.TotW.zeroDb[CF],s,const:1,,,rw,\n"
                       "BAY/MMXU1.TotW.db[CF],s,const:1,,,rw,\n"
                       "WTG/WTUR1.TurSt.stVal[ST],s,const:1,,,r,\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("m.csv:3:1: 'BAY/MMXU1.TotW.db[CF]' names its logical device by the "
                      "LD inst (2 row(s) of this file do)", r.stderr)
        self.assertIn("'IEDD1BAY/MMXU1.TotW.db[CF]'", r.stderr)
        self.assertEqual(r.stderr.count("LD inst"), 1, r.stderr)


class Template(unittest.TestCase):
    def test_rw_only_where_the_map_accepts_w(self):
        d = tempfile.mkdtemp(prefix="writes-")
        r = subprocess.run([IEDD, "--scl", cb_fc_icd(d), "--print-map-template"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {}
        for line in r.stdout.splitlines():
            if line.startswith("#") or line.startswith("reference,"):
                continue
            f = line.split(",")
            rows[f[0]] = f[5]
        self.assertEqual(rows["IEDD1BAY/MMXU1.TotW.db[CF]"], "rw")
        self.assertEqual(rows["IEDD1BAY/XCBR1.Pos.Oper.ctlVal[CO]"], "w")
        for ref in ("IEDD1BAY/XCBR1.Pos.stVal[ST]", "IEDD1BAY/MMXU1.TotW.mag.f[MX]",
                    "IEDD1BAY/XCBR1.Loc.rp[RP]", "IEDD1BAY/XCBR1.Loc.br[BR]",
                    "IEDD1BAY/XCBR1.Loc.go[GO]", "IEDD1BAY/XCBR1.Pos.Oper.ctlNum[CO]",
                    "IEDD1BAY/XCBR1.Pos.SBOw.ctlVal[CO]"):
            self.assertEqual(rows[ref], "r", ref)
        # every row is one the map takes as it stands (fill in source and
        # address): no direction the map would refuse
        for ref, d in rows.items():
            if d != "r":
                self.assertTrue(ref.endswith(("[CF]", "[DC]", "[SP]", "[SV]", "[BL]",
                                              ".Oper.ctlVal[CO]", ".Oper.ctlVal.f[CO]",
                                              ".Oper.ctlVal.i[CO]")), ref)


if __name__ == "__main__":
    main()
