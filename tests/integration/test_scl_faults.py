# SPDX-License-Identifier: Apache-2.0
"""Each kind of SCL fault of issue 10 and doc/scl-findings.md, one small
hand-made file per kind, through the real iedd and iedc:

- `iedd --check` names it (file:line, the element, what iedd did, the fix),
  exits 0 for a warning, 1 for an error;
- `iedd --check --strict` and `iedd --strict` refuse a warning (exit 1,
  with the warning's text as the message);
- the daemon without --strict serves the repaired model, read back over MMS
  with iedc (the value served instead, the member or attribute left out);
- the Val forms other tools write: white space around a Val is allowed by
  the schema's value types and passes silently (also under --strict);
  TRUE/FALSE for a BOOLEAN and an Enum given by ordinal are taken with a
  warning.

Control blocks are not served over MMS yet (no BR/RP/LG components), so for
a ReportControl or LogControl the daemon's part is that it serves the rest of
the LN, with the data sets as written; what the control block keeps is
checked in tests/model/test_model.c (fixed_scl with FIX_CB_DS,
cb_attributes_repaired, fcda_left_out_confrev_kept).

A file with every kind at once: --check lists them all in line order, exit 0;
with one error added, exit 1. The KNOWN-BAD files of ../shared/scl stay refused, by --check and by the
daemon, with their messages."""
import json
import os
import re
import subprocess
import tempfile
import unittest

from harness import IEDD, Daemon, iedc, main

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(SRC), "shared", "scl")

NS = "http://www.iec.ch/61850/2003/SCL"
ENUM_E = ('<EnumType id="E"><EnumVal ord="1">on</EnumVal><EnumVal ord="2">off</EnumVal>'
          '</EnumType>\n')
OPER = ('<DAType id="OPER"><BDA name="ctlVal" bType="BOOLEAN"/><BDA name="ctlNum" bType="INT8U"/>'
        '</DAType>\n')


def scl(ln0="", das="", types="", lntypes="", lns=""):
    """A one-IED file: LD 'L' (MMS domain 'EL') with LLN0 of LNodeType L0
    (DO Mod of DOType INC: stVal INT32 ST, q Quality ST, then `das`), the
    LN0 content `ln0`, further LNs `lns`, LNodeTypes `lntypes` and types
    `types`. Every element on its own line, so a line names one fault."""
    return (f'<?xml version="1.0"?>\n<SCL xmlns="{NS}">\n<Header id="faults"/>\n'
            '<IED name="E"><AccessPoint name="A"><Server>\n<LDevice inst="L">\n'
            f'<LN0 lnClass="LLN0" inst="" lnType="L0">\n{ln0}</LN0>\n{lns}'
            '</LDevice>\n</Server></AccessPoint></IED>\n<DataTypeTemplates>\n'
            '<LNodeType id="L0" lnClass="LLN0">\n<DO name="Mod" type="INC"/>\n</LNodeType>\n'
            f'{lntypes}<DOType id="INC" cdc="INC">\n<DA name="stVal" bType="INT32" fc="ST"/>\n'
            f'<DA name="q" bType="Quality" fc="ST"/>\n{das}</DOType>\n{types}'
            '</DataTypeTemplates>\n</SCL>\n')


def line_of(text, marker):
    i = text.index(marker)
    assert text.find(marker, i + 1) < 0, f"marker {marker!r} is not unique"
    return text.count("\n", 0, i) + 1


def run(*args):
    r = subprocess.run([IEDD, *args], capture_output=True, text=True, timeout=60)
    # under -Db_sanitize=address,undefined, iedd's own findings fail the test
    for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        assert mark not in r.stderr, f"iedd {' '.join(args)} reported '{mark}':\n{r.stderr}"
    return r


def doi(das):
    return f'<DOI name="Mod">\n{das}</DOI>\n'


FCDA = '<FCDA ldInst="L" lnClass="LLN0" doName="Mod" daName="{}" fc="ST"/>\n'

# name: (text, [(marker, [words of the warning])], [(ref, expected value or None for absent)])
# Words: the element, what iedd did, the fix; each warning also starts with file:line.
CASES = {
    "enum_ordinal_outside_enumtype": (
        scl(ln0=doi('<DAI name="e"><Val>9</Val></DAI>\n'),
            das='<DA name="e" bType="Enum" type="E" fc="ST"/>\n', types=ENUM_E),
        [("<Val>9</Val>", ["DAI 'Mod.e' of LN 'LLN0'", "Val '9' does not fit its type Enum E",
                           "not a member of the enumeration", "served as 'on' instead",
                           "(fix the Val)"])],
        [("EL/LLN0.Mod.e[ST]", "1")]),
    "enum_name_not_a_member": (
        scl(ln0=doi('<DAI name="e"><Val>sideways</Val></DAI>\n'),
            das='<DA name="e" bType="Enum" type="E" fc="ST"><Val>off</Val></DA>\n', types=ENUM_E),
        [("<Val>sideways", ["DAI 'Mod.e' of LN 'LLN0'", "Val 'sideways' does not fit",
                            "served as 'off' instead", "(fix the Val)"])],
        [("EL/LLN0.Mod.e[ST]", "2")]),
    "decimal_for_int32u": (
        scl(ln0=doi('<DAI name="db"><Val>0.05</Val></DAI>\n'
                    '<DAI name="zeroDb"><Val>0.5</Val></DAI>\n'),
            das='<DA name="db" bType="INT32U" fc="CF"><Val>7</Val></DA>\n'
                '<DA name="zeroDb" bType="INT32U" fc="CF"/>\n'),
        [("<Val>0.05", ["DAI 'Mod.db' of LN 'LLN0'", "Val '0.05' does not fit its type INT32U",
                        "not a valid value", "served as '7' instead", "(fix the Val)"]),
         ("<Val>0.5<", ["DAI 'Mod.zeroDb'", "Val '0.5' does not fit its type INT32U",
                        "served as '0' instead"])],
        [("EL/LLN0.Mod.db[CF]", "7"), ("EL/LLN0.Mod.zeroDb[CF]", "0")]),
    "empty_val_for_quality": (
        scl(ln0=doi('<DAI name="q"><Val></Val></DAI>\n')),
        [("<Val></Val>", ["DAI 'Mod.q' of LN 'LLN0'", "Val '' does not fit its type Quality",
                          "served as '0000000000000' instead", "(fix the Val)"])],
        [("EL/LLN0.Mod.q[ST]", "good (0000000000000)")]),
    "val_on_constructed_attribute": (
        scl(ln0=doi('<DAI name="w"><Val>2.5</Val></DAI>\n'),
            das='<DA name="v" bType="Struct" type="AV" fc="MX">\n<Val>1.5</Val></DA>\n'
                '<DA name="w" bType="Struct" type="AV" fc="MX"/>\n',
            types='<DAType id="AV"><BDA name="f" bType="FLOAT32"/></DAType>\n'),
        [("<Val>2.5", ["DAI 'Mod.w' of LN 'LLN0'", "a Val on a structured attribute; ignored",
                       "keep their defaults", "give the Val to its basic attributes"]),
         ("<Val>1.5", ["DA 'v' in DOType 'INC'", "a Val on a structured attribute; ignored"])],
        [("EL/LLN0.Mod.v.f[MX]", "0"), ("EL/LLN0.Mod.w.f[MX]", "0")]),
    "reportcontrol_missing_dataset": (
        scl(ln0='<DataSet name="ds">\n' + FCDA.format("stVal") + '</DataSet>\n'
                '<ReportControl name="rcb" datSet="nods" confRev="3"/>\n'),
        [("<ReportControl", ["ReportControl 'rcb' in LN 'LLN0' of LDevice 'L'",
                             "DataSet 'nods' is not defined in that LN",
                             "served without a data set", "add the DataSet or fix datSet"])],
        [("EL/LLN0.Mod.stVal[ST]", "0"), ("dataset:EL/LLN0.ds", ["EL/LLN0.Mod.stVal[ST]"])]),
    "logcontrol_missing_dataset": (
        scl(ln0='<LogControl name="lcb" datSet="nods" logName="log"/>\n'),
        [("<LogControl", ["LogControl 'lcb' in LN 'LLN0' of LDevice 'L'",
                          "DataSet 'nods' is not defined in that LN",
                          "served without a data set", "add the DataSet or fix datSet"])],
        [("EL/LLN0.Mod.stVal[ST]", "0")]),
    "datset_as_mms_reference": (
        scl(ln0='<DataSet name="ds">\n' + FCDA.format("q") + '</DataSet>\n'
                '<ReportControl name="rcb" datSet="EL/LLN0$BR$ds" buffered="true"/>\n'),
        [("<ReportControl", ["ReportControl 'rcb' in LN 'LLN0' of LDevice 'L'",
                             "datSet 'EL/LLN0$BR$ds' is not the name of a DataSet",
                             "taken as DataSet 'ds' of the LN", 'write datSet="ds"'])],
        [("dataset:EL/LLN0.ds", ["EL/LLN0.Mod.q[ST]"])]),
    "controlblock_attribute_values": (
        scl(ln0='<DataSet name="ds">\n' + FCDA.format("stVal") + '</DataSet>\n'
                '<ReportControl name="rcb" datSet="ds" buffered="True" confRev="1.0">\n'
                '<TrgOps dchg="TRUE" period="maybe"/>\n</ReportControl>\n'),
        [('confRev="1.0"', ["ReportControl 'rcb' in LN 'LLN0'",
                            'confRev="1.0" is not a number from 0 to 4294967295', "served as 0",
                            "fix the attribute"]),
         ('buffered="True"', ["ReportControl 'rcb' in LN 'LLN0'",
                              'buffered="True" is not an xs:boolean; taken as true',
                              'write "true"']),
         ('dchg="TRUE"', ["ReportControl 'rcb' in LN 'LLN0'",
                          'dchg="TRUE" is not an xs:boolean; taken as true']),
         ('dchg="TRUE"', ["ReportControl 'rcb' in LN 'LLN0'",
                          'period="maybe" is not a boolean; served as false',
                          "write true or false"])],
        [("EL/LLN0.Mod.stVal[ST]", "0"), ("dataset:EL/LLN0.ds", ["EL/LLN0.Mod.stVal[ST]"])]),
    "da_trigger_option_not_boolean": (
        scl(das='<DA name="cnt" bType="INT32" fc="ST" dchg="TRUE" dupd="yes"/>\n'),
        [('dchg="TRUE"', ["DA 'cnt' in DOType 'INC'", 'dchg="TRUE" is not an xs:boolean',
                          "taken as true"]),
         ('dchg="TRUE"', ["DA 'cnt' in DOType 'INC'", 'dupd="yes" is not a boolean',
                          "served as false", "write true or false"])],
        [("EL/LLN0.Mod.cnt[ST]", "0")]),
    "undefined_datype_left_out": (
        scl(das='<DA name="Oper" bType="Struct" type="OPER" fc="CO"/>\n'
                '<DA name="Cancel" bType="Struct" type="CANCEL" fc="CO"/>\n', types=OPER),
        [('type="CANCEL"', ["DA 'Cancel' in DOType 'INC'", "DAType 'CANCEL' is not defined",
                            "left out of DOType 'INC'", "add the DAType or fix the type"])],
        [("EL/LLN0.Mod.Oper.ctlVal[CO]", "false"), ("EL/LLN0.Mod.Cancel[CO]", None)]),
    "struct_da_without_type_left_out": (
        scl(das='<DA name="Oper" bType="Struct" type="OPER" fc="CO"/>\n'
                '<DA name="SBOw" bType="Struct" fc="CO"/>\n', types=OPER),
        [('name="SBOw"', ["DA 'SBOw' in DOType 'INC' has no type attribute",
                          "left out of DOType 'INC'", 'add type="..." naming its DAType'])],
        [("EL/LLN0.Mod.Oper.ctlNum[CO]", "0"), ("EL/LLN0.Mod.SBOw[CO]", None)]),
    "undefined_bda_type_left_out": (
        scl(das='<DA name="Oper" bType="Struct" type="OPER2" fc="CO"/>\n',
            types='<DAType id="OPER2">\n<BDA name="ctlVal" bType="BOOLEAN"/>\n'
                  '<BDA name="origin" bType="Struct" type="ORIGIN"/>\n'
                  '<BDA name="T" bType="Timestamp"/>\n'
                  '</DAType>\n'),
        [('type="ORIGIN"', ["BDA 'origin' in DAType 'OPER2'", "DAType 'ORIGIN' is not defined",
                            "left out of DAType 'OPER2'"])],
        [("EL/LLN0.Mod.Oper.ctlVal[CO]", "false"), ("EL/LLN0.Mod.Oper.origin[CO]", None)]),
    "undefined_sdo_type_left_out": (
        scl(das='<SDO name="sub" type="NOPE"/>\n'),
        [('name="sub"', ["SDO 'sub' in DOType 'INC'", "DOType 'NOPE' is not defined",
                         "left out of DOType 'INC'"])],
        [("EL/LLN0.Mod.stVal[ST]", "0"), ("EL/LLN0.Mod.sub[ST]", None)]),
    "fcda_unresolved_left_out": (
        scl(ln0='<DataSet name="ds">\n' + FCDA.format("stVal") + FCDA.format("zz")
                + '<FCDA ldInst="L" lnClass="GGIO" lnInst="9" doName="Ind" fc="ST"/>\n'
                + FCDA.format("q")
                + '<FCDA ldInst="L" lnClass="LLN0" doName="Mod" daName="stVal" fc="XX"/>\n'
                + '<FCDA ldInst="L" lnClass="LLN0" doName="Mod" daName="t"/>\n</DataSet>\n'
                '<ReportControl name="rcb" datSet="ds" confRev="5"/>\n'),
        [('daName="zz"', ["FCDA 'L/LLN0.Mod.zz[ST]' in DataSet 'ds'", "no such data attribute",
                          "left out of the data set, ConfRev unchanged", "fix doName"]),
         ('lnInst="9"', ["FCDA 'L/GGIO9.Ind[ST]' in DataSet 'ds'", "has no LN 'GGIO9'",
                         "left out of the data set"]),
         ('fc="XX"', ["FCDA 'L/LLN0.Mod.stVal[XX]' in DataSet 'ds'",
                      "fc 'XX' is not a functional constraint", "left out of the data set"]),
         ('daName="t"', ["FCDA 'L/LLN0.Mod.t[]' in DataSet 'ds'", "no fc attribute",
                         'add fc="..."', "left out of the data set"])],
        [("dataset:EL/LLN0.ds", ["EL/LLN0.Mod.stVal[ST]", "EL/LLN0.Mod.q[ST]"])]),
    "string_val_too_long": (
        scl(ln0=doi('<DAI name="d"><Val>' + "x" * 40 + '</Val></DAI>\n'),
            das='<DA name="d" bType="VisString32" fc="DC"><Val>feeder</Val></DA>\n'),
        [("<Val>xxx", ["DAI 'Mod.d' of LN 'LLN0'", "does not fit its type VisString32",
                       "too long", "served as 'feeder' instead"])],
        [("EL/LLN0.Mod.d[DC]", "feeder")]),
    "undefined_enumtype_plain_integer": (
        scl(ln0=doi('<DAI name="e"><Val>42</Val></DAI>\n'),
            das='<DA name="e" bType="Enum" type="MISSING" fc="ST"/>\n'),
        [('type="MISSING"', ["DA 'e' in DOType 'INC'", "EnumType 'MISSING' is not defined",
                             "taken as plain integers", "add the EnumType"])],
        [("EL/LLN0.Mod.e[ST]", "42")]),
    "instance_data_naming_nothing": (
        scl(ln0=doi('<DAI name="nosuch"><Val>1</Val></DAI>\n<DAI name="stVal"><Val>5</Val></DAI>\n')
            + '<DOI name="NoDO"/>\n'),
        [('name="nosuch"', ["DAI 'nosuch' in LN 'LLN0'", "the LN's type has no", "ignored"]),
         ('name="NoDO"', ["DOI 'NoDO' in LN 'LLN0'", "ignored"])],
        [("EL/LLN0.Mod.stVal[ST]", "5"), ("EL/LLN0.Mod.nosuch[ST]", None)]),
    "unknown_scl_version": (
        scl().replace('<SCL xmlns=', '<SCL version="2099" revision="Z" xmlns='),
        [('<SCL version', ["SCL version '2099' revision 'Z' is not one iedd knows",
                           "loading it as 2007B4", "fix the version and revision"])],
        [("EL/LLN0.Mod.stVal[ST]", "0")]),
    "instance_data_without_name_or_with_bad_ix": (
        scl(ln0='<DOI>\n<DAI name="stVal"><Val>1</Val></DAI>\n</DOI>\n'
            + doi('<DAI name="stVal" ix="-1"><Val>2</Val></DAI>\n<DAI name="q"/>\n'
                  '<DAI><Val>3</Val></DAI>\n')),
        [("<DOI>", ["DOI in LN 'LLN0' has no name", "ignored with what it holds",
                    'add name="..."']),
         ('ix="-1"', ["DAI 'stVal' in LN 'LLN0'", 'ix="-1" is not an array index',
                      "ignored with what it holds", "fix ix"]),
         ("<DAI><Val>3", ["DAI in LN 'LLN0' has no name", "ignored"])],
        [("EL/LLN0.Mod.stVal[ST]", "0")]),
    # Val forms (IEC 61850-6 writes BOOLEAN as xs:boolean, an Enum by name)
    "boolean_TRUE_FALSE_taken": (
        scl(ln0=doi('<DAI name="b1"><Val>TRUE</Val></DAI>\n'
                    '<DAI name="b2"><Val>FALSE</Val></DAI>\n'),
            das='<DA name="b1" bType="BOOLEAN" fc="CF"/>\n'
                '<DA name="b2" bType="BOOLEAN" fc="CF"><Val>true</Val></DA>\n'),
        [("<Val>TRUE", ["DAI 'Mod.b1' of LN 'LLN0'", "Val 'TRUE' is not an xs:boolean",
                        "taken as true", 'write "true"']),
         ("<Val>FALSE", ["DAI 'Mod.b2'", "Val 'FALSE' is not an xs:boolean", "taken as false",
                         'write "false"'])],
        [("EL/LLN0.Mod.b1[CF]", "true"), ("EL/LLN0.Mod.b2[CF]", "false")]),
    "enum_by_ordinal_taken": (
        scl(ln0=doi('<DAI name="e"><Val>2</Val></DAI>\n'),
            das='<DA name="e" bType="Enum" type="E" fc="ST"/>\n', types=ENUM_E),
        [("<Val>2</Val>", ["DAI 'Mod.e' of LN 'LLN0'", "Val '2' is an ordinal of EnumType 'E'",
                           "taken as 'off'", "write the name"])],
        [("EL/LLN0.Mod.e[ST]", "2")]),
}

# No finding: white space around a Val (xs:boolean, xs:int and the other
# value types collapse it); an LNodeType no LN uses may be broken.
CLEAN = {
    "white_space_around_val": (
        scl(ln0=doi('<DAI name="b"><Val> true\n</Val></DAI>\n'
                    '<DAI name="e"><Val>  off </Val></DAI>\n'
                    '<DAI name="stVal"><Val>\t-42 </Val></DAI>\n'
                    '<DAI name="f"><Val> 1.5 </Val></DAI>\n'),
            das='<DA name="b" bType="BOOLEAN" fc="CF"/>\n'
                '<DA name="e" bType="Enum" type="E" fc="ST"/>\n'
                '<DA name="f" bType="FLOAT32" fc="CF"/>\n', types=ENUM_E),
        [("EL/LLN0.Mod.b[CF]", "true"), ("EL/LLN0.Mod.e[ST]", "2"),
         ("EL/LLN0.Mod.stVal[ST]", "-42"), ("EL/LLN0.Mod.f[CF]", "1.5")]),
    "unused_lnodetype_do_without_type": (
        scl(lntypes='<LNodeType id="OTHER" lnClass="GGIO">\n<DO name="Ind"/>\n'
                    '<DO name="Alm" type="NOPE"/>\n</LNodeType>\n'),
        [("EL/LLN0.Mod.stVal[ST]", "0")]),
}

# Errors: no consistent model; refused without --strict too.
ERRORS = {
    "do_without_type": (
        scl(lns='<LN lnClass="GGIO" inst="1" lnType="G"/>\n',
            lntypes='<LNodeType id="G" lnClass="GGIO">\n<DO name="Ind"/>\n</LNodeType>\n'),
        '<DO name="Ind"/>', ["DO 'Ind' in LNodeType 'G' has no type attribute",
                             'add type="..." naming its DOType']),
    "do_of_undefined_dotype": (
        scl(lns='<LN lnClass="GGIO" inst="1" lnType="G"/>\n',
            lntypes='<LNodeType id="G" lnClass="GGIO">\n<DO name="Ind" type="SPS"/>\n'
                    '</LNodeType>\n'),
        'type="SPS"', ["DO 'Ind' in LNodeType 'G'", "DOType 'SPS' is not defined",
                       "add it or fix the type attribute"]),
}


class Faults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="iedd-scl-faults-")

    def write(self, name, text):
        path = os.path.join(self.dir, name + ".icd")
        with open(path, "w") as f:
            f.write(text)
        return path

    def read(self, d, ref):
        if ref.startswith("dataset:"):
            r = iedc("--json", "datasets", d.addr, "EL")
            self.assertEqual(r.returncode, 0, r.stderr)
            sets = {s["reference"]: [m["reference"] for m in s["members"]]
                    for s in json.loads(r.stdout)["dataSets"]}
            name = ref[len("dataset:"):]
            self.assertIn(name, sets, r.stdout)
            # the values of the members, read as a data set, too
            r2 = iedc("-d", "read", d.addr, name)
            self.assertEqual(r2.returncode, 0, r2.stderr)
            return sets[name]
        r = iedc("read", d.addr, ref)
        if r.returncode == 7 and "object-non-existent" in r.stderr:
            return None
        self.assertEqual(r.returncode, 0, f"{ref}: {r.stderr}")
        return r.stdout.strip()

    def check_warnings(self, name):
        text, warnings, reads = CASES[name]
        path = self.write(name, text)
        n = len(warnings)
        # in line order; on one line, in the order listed (the order iedd finds them)
        expect = sorted(((line_of(text, m), words) for m, words in warnings),
                        key=lambda e: e[0])

        # --check: every warning, in line order, file:line first; exit 0
        r = run("--scl", path, "--check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        got = [ln for ln in r.stdout.splitlines() if ": warning: " in ln]
        self.assertEqual(len(got), n, r.stdout)
        for ln, (line, words) in zip(got, expect):
            self.assertTrue(ln.startswith(f"{path}:{line}: warning: "), f"{ln} (line {line})")
            for w in words:
                self.assertIn(w, ln)
        self.assertIn(f"{path}: 0 errors, {n} warning{'s' if n > 1 else ''}: served with the"
                      " repairs above", r.stdout)
        # --check --json: the same findings
        r = run("--scl", path, "--check", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual([(f["line"], f["severity"]) for f in doc["findings"]],
                         [(line, "warning") for line, _ in expect])
        self.assertFalse(doc["refused"])

        # --strict refuses: --check lists each as an error; the daemon does not start
        r = run("--scl", path, "--check", "--strict")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(r.stdout.count(": error: "), n, r.stdout)
        self.assertIn(f"{path}:{expect[0][0]}: error: ", r.stdout)
        self.assertIn(f"{n} error{'s' if n > 1 else ''}, 0 warnings: refused", r.stdout)
        r = run("--scl", path, "--strict", "--listen", "127.0.0.1:1")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{path}:{expect[0][0]}: ", r.stderr)
        for w in expect[0][1]:
            self.assertIn(w, r.stderr)
        self.assertIn(f"strict: {n} warning{'s' if n > 1 else ''}, each an error", r.stderr)

        # without --strict the daemon serves the repaired model
        d = Daemon("--scl", path)
        try:
            self.assertTrue(d.wait_log(f"loaded with {n} warning{'s' if n > 1 else ''}; run"
                                       " iedd --check for details"), d.log())
            for line, words in expect:
                self.assertIn(f" warning model: {path}:{line}: {words[0]}", d.log())
            for ref, want in reads:
                self.assertEqual(self.read(d, ref), want, ref)
        finally:
            self.assertEqual(d.stop(), 0)

    def check_clean(self, name):
        text, reads = CLEAN[name]
        path = self.write(name, text)
        r = run("--scl", path, "--check", "--strict")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn(": warning", r.stdout + r.stderr)
        self.assertNotIn(": error", r.stdout + r.stderr)
        self.assertIn(f"{path}: 0 errors, 0 warnings", r.stdout)
        d = Daemon("--scl", path, "--strict")
        try:
            self.assertNotIn("loaded with", d.log())
            for ref, want in reads:
                self.assertEqual(self.read(d, ref), want, ref)
        finally:
            self.assertEqual(d.stop(), 0)

    def check_error(self, name):
        text, marker, words = ERRORS[name]
        path = self.write(name, text)
        line = line_of(text, marker)
        for args in (("--check",), ("--check", "--strict"), ("--listen", "127.0.0.1:1")):
            r = run("--scl", path, *args)
            self.assertEqual(r.returncode, 1, f"{args}: {r.stdout}{r.stderr}")
            self.assertIn(f"{path}:{line}: ", r.stderr)
            for w in words:
                self.assertIn(w, r.stderr)
        r = run("--scl", path, "--check")
        self.assertIn(f"{path}: 1 error, 0 warnings: refused", r.stdout)
        r = run("--scl", path, "--check", "--json")
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["refused"])
        self.assertEqual([(f["line"], f["severity"]) for f in doc["findings"]], [(line, "error")])
        self.assertIn(words[0], doc["findings"][0]["message"])


for _n in CASES:
    setattr(Faults, "test_warning_" + _n, lambda self, n=_n: self.check_warnings(n))
for _n in CLEAN:
    setattr(Faults, "test_no_finding_" + _n, lambda self, n=_n: self.check_clean(n))
for _n in ERRORS:
    setattr(Faults, "test_error_" + _n, lambda self, n=_n: self.check_error(n))


# Every kind above at once, each on its own line: --check lists them all in
# line order (the loader goes on after each warning), exit 0; with the one
# error added, exit 1.
class Many(unittest.TestCase):
    TEXT = scl(
        ln0='<DataSet name="ds">\n' + FCDA.format("stVal") + FCDA.format("zz")
            + '<FCDA ldInst="L" lnClass="LLN0" doName="Mod" daName="q"/>\n</DataSet>\n'
            '<ReportControl name="r1" datSet="nods"/>\n'
            '<ReportControl name="r2" datSet="L/LLN0$ds"/>\n'
            '<ReportControl name="r3" datSet="ds" intgPd="1000.0"/>\n'
            '<LogControl name="l1" datSet="gone" logName="log"/>\n'
            + doi('<DAI name="e"><Val>9</Val></DAI>\n<DAI name="q"><Val></Val></DAI>\n'
                  '<DAI name="db"><Val>0.05</Val></DAI>\n<DAI name="b"><Val>TRUE</Val></DAI>\n'
                  '<DAI name="e2"><Val>1</Val></DAI>\n<DAI name="w"><Val>3</Val></DAI>\n'
                  '<DAI name="stVal" ix="x"/>\n')
            + '<DOI desc="no name"/>\n',
        das='<DA name="e" bType="Enum" type="E" fc="ST" dchg="True"/>\n'
            '<DA name="e2" bType="Enum" type="E" fc="ST"/>\n'
            '<DA name="db" bType="INT32U" fc="CF"/>\n<DA name="b" bType="BOOLEAN" fc="CF"/>\n'
            '<DA name="w" bType="Struct" type="AV" fc="MX"/>\n'
            '<DA name="Oper" bType="Struct" type="OPER" fc="CO"/>\n'
            '<DA name="Cancel" bType="Struct" type="NOPE" fc="CO"/>\n'
            '<DA name="SBO" bType="Struct" fc="CO"/>\n<SDO name="s" type="NOSDO"/>\n',
        types=ENUM_E + OPER + '<DAType id="AV"><BDA name="f" bType="FLOAT32"/></DAType>\n')
    MARKERS = ['daName="zz"', 'daName="q"/>', 'name="r1"', 'name="r2"', 'name="r3"',
               'name="l1"', "<Val>9<", "<Val></Val>", "<Val>0.05", "<Val>TRUE", "<Val>1<",
               "<Val>3<", 'ix="x"', 'desc="no name"', 'dchg="True"', 'type="NOPE"',
               'name="SBO"', 'name="s"']

    def test_check_lists_every_finding_in_line_order(self):
        tmp = tempfile.mkdtemp(prefix="iedd-scl-many-")
        path = os.path.join(tmp, "many.icd")
        with open(path, "w") as f:
            f.write(self.TEXT)
        lines = sorted(line_of(self.TEXT, m) for m in self.MARKERS)
        self.assertEqual(len(set(lines)), len(lines))
        r = run("--scl", path, "--check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        got = [int(ln.split(":")[1]) for ln in r.stdout.splitlines() if ": warning: " in ln]
        self.assertEqual(got, lines, r.stdout)
        self.assertIn(f"{path}: 0 errors, {len(lines)} warnings: served with the repairs above",
                      r.stdout)
        r = run("--scl", path, "--check", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["warnings"], len(lines))
        self.assertEqual([f["line"] for f in doc["findings"]], lines)
        for f in doc["findings"]:
            self.assertEqual(set(f), {"file", "line", "severity", "message"})
            self.assertEqual(f["file"], path)
            self.assertTrue(f["message"] and not re.match(r"^\S+:\d+:", f["message"]),
                            f["message"])
        r = run("--scl", path, "--check", "--strict", "--json")
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["refused"])
        self.assertEqual((doc["errors"], doc["warnings"]), (len(lines), 0))
        self.assertTrue(all(f["severity"] == "error" for f in doc["findings"]))
        # one error among the warnings: exit 1, the error said
        bad = os.path.join(tmp, "bad.icd")
        with open(bad, "w") as f:
            f.write(self.TEXT.replace('<DO name="Mod" type="INC"/>', '<DO name="Mod"/>'))
        r = run("--scl", bad, "--check")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("DO 'Mod' in LNodeType 'L0' has no type attribute", r.stderr)
        self.assertIn("refused", r.stdout)
        r = run("--scl", bad, "--check", "--json")
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["refused"])
        self.assertEqual(doc["findings"][-1]["severity"], "error")


# The KNOWN-BAD files of ../shared/scl: refused, with the line and the
# words of the message (as tests/model/test_scl_files.c has them).
KNOWN_BAD = {
    "DOTypeReferingDirectlyToItself.scl": (10, ["SDO 'sdo' in DOType 'doType' refers to DOType"
                                                " 'doType'", "type cycle"]),
    "invalid-not-xml.scd": (6, ["not well-formed XML"]),
    "sampleModel_errors.icd": (20, ["AccessPoint in IED 'SampleIED' has no name attribute"]),
}


class KnownBad(unittest.TestCase):
    def test_known_bad_files_stay_refused(self):
        if not os.path.isdir(SHARED):
            self.skipTest("../shared/scl not present")
        for f, (line, words) in KNOWN_BAD.items():
            path = os.path.join(SHARED, f)
            for args in (("--check",), ("--listen", "127.0.0.1:1")):
                r = run("--scl", path, *args)
                self.assertEqual(r.returncode, 1, f"{f} {args}: {r.stdout}{r.stderr}")
                self.assertIn(f"{path}:{line}: ", r.stderr)
                for w in words:
                    self.assertIn(w, r.stderr, f)
            r = run("--scl", path, "--check", "--json")
            self.assertEqual(r.returncode, 1, f)
            doc = json.loads(r.stdout)
            self.assertTrue(doc["refused"], f)
            self.assertEqual(doc["findings"][-1]["line"], line, f)


if __name__ == "__main__":
    main()
