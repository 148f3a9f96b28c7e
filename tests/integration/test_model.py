# SPDX-License-Identifier: Apache-2.0
"""The data model from SCL served over MMS: browse, read, write and data
sets through the real iedc against the real iedd, on the substation +
wind-turbine sample (etc/sample.icd) and the IEC 61400-25 sample from
../shared/scl (wtur.cid); SCL validation from the command line; paging of
GetNameList on a generated model; responses kept within the negotiated PDU
size."""
import re
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

from harness import (IEDD, Daemon, Raw, ber_int, connect_pdus, cotp_cr, data_pdu, iedc, main,
                     mms_initiate, tlv)

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(SRC, "etc", "sample.icd")
SHARED = os.path.join(os.path.dirname(SRC), "shared", "scl")
GEN = os.path.join(SRC, "tools", "gen-scl.py")



def bits_of(v):
    """iedc prints a Quality or Dbpos as 'words (bits)' ('good (0000000000000)',
    'on (10)'); the raw bits, for comparing."""
    m = re.fullmatch(r"[A-Za-z|]+ \(([01]+)\)", v)
    return m.group(1) if m else v

def ident(s):
    return tlv(0x1A, s.encode())


def domain_name(dom, item):
    return tlv(0xA1, ident(dom) + ident(item))


class Sample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("--scl", SAMPLE)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def read(self, ref, *opts):
        r = iedc(*opts, "read", self.d.addr, ref)
        self.assertEqual(r.returncode, 0, r.stderr)
        return bits_of(r.stdout.strip())

    def test_browse_tree(self):
        r = iedc("browse", self.d.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        for text in ("IEDD1BAY", "IEDD1WTG", "  XCBR1", "  WTUR1", "    [ST]", "    [MX]",
                     "      Pos", "        stVal: bit-string(2)", "        q: bit-string(max 13)",
                     "          Check: bit-string(max 2)",
                     "        t: utc-time", "          f: float32", "ctlModel: int8",
                     "ldNs: visible-string(max 255)"):
            self.assertIn(text, out)

    def test_browse_json(self):
        r = iedc("--json", "browse", self.d.addr, "IEDD1WTG")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        lds = j["logicalDevices"]
        self.assertEqual([ld["name"] for ld in lds], ["IEDD1WTG"])
        lns = [ln["name"] for ln in lds[0]["logicalNodes"]]
        self.assertEqual(lns, sorted(lns))
        for ln in ("LLN0", "WTUR1", "WROT1", "WGEN1", "WMET1"):
            self.assertIn(ln, lns)

    def test_initial_values_from_scl(self):
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Pos.stVal[ST]"), "10")  # Dbpos on
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Pos.ctlModel[CF]"), "4")
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Pos.sboTimeout[CF]"), "30000")
        self.assertEqual(self.read("IEDD1BAY/LLN0.NamPlt.vendor[DC]"), "iedd")
        self.assertEqual(self.read("IEDD1BAY/LLN0.NamPlt.ldNs[EX]"), "IEC 61850-7-4:2007B")
        self.assertEqual(self.read("IEDD1WTG/WTUR1.TurSt.stVal[ST]"), "1")
        j = json.loads(self.read("IEDD1BAY/MMXU1.TotW.rangeC.max.f[CF]", "--json"))
        self.assertEqual(j["value"], 20000000.0)

    def test_words_for_a_value_read_on_its_own(self):
        """JSON of a single Quality or Dbpos has valueText beside the bits;
        other values have none (a time's words: TimeWords below)."""
        j = json.loads(iedc("--json", "read", self.d.addr, "IEDD1BAY/LLN0.NamPlt.d[DC]").stdout)
        self.assertNotIn("valueText", j)
        j = json.loads(iedc("--json", "read", self.d.addr, "IEDD1BAY/XCBR1.Pos.q[ST]").stdout)
        self.assertEqual((j["value"], j["valueText"]), ("0000000000000", "good"))
        j = json.loads(iedc("--json", "read", self.d.addr, "IEDD1BAY/XCBR1.Pos.stVal[ST]").stdout)
        self.assertEqual((j["value"], j["valueText"]), ("10", "on"))

    def test_read_levels(self):
        # a DO, an FC and a whole LN are readable as structures
        self.assertIn("stVal: on (10)", self.read("IEDD1BAY/XCBR1$ST$Pos"))
        self.assertIn("Pos", self.read("IEDD1BAY/XCBR1[ST]"))
        out = self.read("IEDD1BAY/XCBR1")
        self.assertIn("ST", out)
        self.assertIn("CF", out)

    def test_write_persists_for_every_association(self):
        r = iedc("write", self.d.addr, "IEDD1BAY/MMXU1.TotW.db[CF]", "2500")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read("IEDD1BAY/MMXU1.TotW.db[CF]"), "2500")
        r = iedc("write", self.d.addr, "IEDD1BAY/LLN0.NamPlt.d[DC]", "Feeder 7")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read("IEDD1BAY/LLN0.NamPlt.d[DC]"), "Feeder 7")
        self.assertTrue(self.d.wait_log("associated"))

    def test_write_refused_where_fc_forbids(self):
        for ref, val in (("IEDD1BAY/XCBR1.Pos.stVal[ST]", "01"),
                         ("IEDD1BAY/MMXU1.TotW.mag.f[MX]", "1.5")):
            r = iedc("write", self.d.addr, ref, val)
            self.assertEqual(r.returncode, 7, r.stdout + r.stderr)
            self.assertIn("object-access-denied", r.stderr)
        self.assertEqual(self.read("IEDD1BAY/XCBR1.Pos.stVal[ST]"), "10")

    def test_write_type_and_range_checked(self):
        # db is INT32U: a negative value does not fit
        r = iedc("write", self.d.addr, "IEDD1BAY/MMXU1.TotW.zeroDb[CF]", "-5")
        self.assertNotEqual(r.returncode, 0)
        # an ordinal outside CtlModelKind
        r = iedc("write", self.d.addr, "IEDD1BAY/XSWI1.Pos.ctlModel[CF]", "9")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn("object-value-invalid", r.stderr)
        self.assertEqual(self.read("IEDD1BAY/XSWI1.Pos.ctlModel[CF]"), "1")

    def test_read_nonexistent(self):
        r = iedc("read", self.d.addr, "IEDD1BAY/XCBR1.Nope.stVal[ST]")
        self.assertEqual(r.returncode, 7)
        self.assertIn("object-non-existent", r.stderr)
        r = iedc("read", self.d.addr, "NOSUCHLD/LLN0.Mod.stVal[ST]")
        self.assertEqual(r.returncode, 7)

    def test_datasets(self):
        r = iedc("datasets", self.d.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("IEDD1BAY/LLN0.dsMeas", r.stdout)
        self.assertIn("  IEDD1BAY/XCBR1.Pos.stVal[ST]", r.stdout)
        self.assertIn("IEDD1WTG/LLN0.dsTurbine", r.stdout)
        j = json.loads(iedc("--json", "datasets", self.d.addr).stdout)
        self.assertTrue(j)

    def test_multiple_variables_each_with_its_own_result(self):
        p = Raw(self.d.port)
        p.associate()
        good = tlv(0x30, tlv(0xA0, domain_name("IEDD1BAY", "XCBR1$ST$Pos$stVal")))
        bad = tlv(0x30, tlv(0xA0, domain_name("IEDD1BAY", "XCBR1$ST$Pos$nope")))
        p.send(data_pdu(tlv(0xA0, ber_int(0x02, 4) + tlv(0xA4, tlv(0xA1, tlv(0xA0, good + bad + good))))))
        resp = p.recv_tpkt()
        # listOfAccessResult: bit-string 10, failure object-non-existent (10), bit-string 10
        self.assertIn(bytes([0xA1, 0x0B, 0x84, 0x02, 0x06, 0x80, 0x80, 0x01, 0x0A,
                             0x84, 0x02, 0x06, 0x80]), resp)

    def test_read_data_set_values(self):
        p = Raw(self.d.port)
        p.associate()
        nvl = tlv(0xA1, domain_name("IEDD1BAY", "LLN0$dsStatus"))
        p.send(data_pdu(tlv(0xA0, ber_int(0x02, 5) + tlv(0xA4, tlv(0xA1, nvl)))))
        resp = p.recv_tpkt()
        self.assertIn(b"\xa1", resp)
        # four members: Dbpos, Quality, Dbpos, Quality
        self.assertEqual(resp.count(bytes([0x84, 0x02, 0x06, 0x80])), 2)
        self.assertEqual(resp.count(bytes([0x84, 0x03, 0x03, 0x00, 0x00])), 2)

    def test_response_within_negotiated_pdu_size(self):
        p = Raw(self.d.port)
        p.send(cotp_cr())
        p.recv_tpkt()
        p.send(connect_pdus(mms_initiate(local_detail=200)))
        p.recv_tpkt()
        # the whole LLN0 type description is larger than 200 octets
        p.send(data_pdu(tlv(0xA0, ber_int(0x02, 6) + tlv(0xA6, tlv(0xA0, domain_name("IEDD1BAY", "LLN0"))))))
        resp = p.recv_tpkt()
        self.assertLess(len(resp), 200 + 40)
        self.assertIn(bytes([0xA2]), resp[:20] + resp)  # confirmed-error
        self.assertIn(bytes([0xA0, 0x03, 0x84, 0x01, 0x03]), resp, "service/pdu-size")
        # a small one still works on the same association
        p.send(data_pdu(tlv(0xA0, ber_int(0x02, 7) + tlv(0xA6, tlv(0xA0, domain_name("IEDD1BAY", "XCBR1$ST$Pos$stVal"))))))
        self.assertIn(bytes([0x84, 0x01, 0x02]), p.recv_tpkt())


class EmbeddedDefault(unittest.TestCase):
    def test_no_arguments_serve_the_sample(self):
        d = Daemon()
        try:
            r = iedc("browse", d.addr)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("IEDD1BAY", r.stdout)
            self.assertIn("IEDD1WTG", r.stdout)
            self.assertIn("serving IED IEDD1 from (embedded sample.icd)", d.log())
        finally:
            d.stop()


def time_quality_words(q):
    """IEC 61850-8-1 TimeQuality octet in iedc's words, for comparing."""
    w = [n for bit, n in ((0x80, "LeapSecondsKnown"), (0x40, "ClockFailure"),
                          (0x20, "ClockNotSynchronized")) if q & bit]
    acc = q & 0x1f
    return "|".join(w + ["accuracy unspecified" if acc == 31 else "accuracy %d bits" % acc])


class TimeWords(unittest.TestCase):
    """The embedded default stamps its simulated measurements with a time
    quality: text prints the octet and its words (which a write takes
    back: the unit tests), JSON the octet as valueQuality and the words."""

    def test_time_quality_in_words(self):
        d = Daemon()
        try:
            ref = "IEDD1BAY/MMXU1.TotW.t[MX]"
            end = time.time() + 10
            while True:
                text = iedc("read", d.addr, ref).stdout.strip()
                if " q=0x" in text or time.time() > end:
                    break
                time.sleep(0.1)
            m = re.fullmatch(r"\S+Z q=0x([0-9a-f]{2}) \((.*)\)", text)
            self.assertIsNotNone(m, text)
            self.assertEqual(m.group(2), time_quality_words(int(m.group(1), 16)))
            j = json.loads(iedc("--json", "read", d.addr, ref).stdout)
            self.assertEqual(j["valueText"], time_quality_words(j["valueQuality"]))
            self.assertTrue(j["value"].endswith("Z"), j)
        finally:
            d.stop()


class WindTurbine(unittest.TestCase):
    def test_wtur(self):
        path = os.path.join(SHARED, "wtur.cid")
        if not os.path.exists(path):
            self.skipTest("../shared/scl/wtur.cid not present")
        d = Daemon("--scl", path)
        try:
            r = iedc("browse", d.addr)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("WTUR", r.stdout)
            self.assertIn("TotWh", r.stdout)
            dom = r.stdout.splitlines()[0].strip()
            r = iedc("read", d.addr, f"{dom}/LLN0.Mod.stVal[ST]")
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            d.stop()


class Paging(unittest.TestCase):
    def test_generated_model_lists_every_name(self):
        tmp = tempfile.mkdtemp(prefix="iedd-gen-")
        scl = os.path.join(tmp, "gen.scd")
        subprocess.run([sys.executable, GEN, "60", "-o", scl], check=True)
        d = Daemon("--scl", scl)
        try:
            r = iedc("--json", "browse", d.addr)
            self.assertEqual(r.returncode, 0, r.stderr)
            j = json.loads(r.stdout)
            lns = [ln["name"] for ld in j["logicalDevices"] for ln in ld["logicalNodes"]]
            self.assertEqual(len(lns), 62, lns[:5])   # 60 + LLN0 + LPHD1
            self.assertEqual(len(set(lns)), 62)
            # the names of one LD are far more than one 65000-octet GetNameList
            # response holds, so listing them took several pages (continueAfter)
            def names(node, prefix):
                yield prefix
                for c in node.get("components", []):
                    yield from names(c, prefix + "$" + c["name"])
            total = sum(len(n) + 2 for ld in j["logicalDevices"] for ln in ld["logicalNodes"]
                        for n in names(ln, ln["name"]))
            self.assertGreater(total, 3 * 65000)
        finally:
            d.stop()


class CheckCommand(unittest.TestCase):
    def test_check_every_shared_scl(self):
        if not os.path.isdir(SHARED):
            self.skipTest("../shared/scl not present")
        bad = {"DOTypeReferingDirectlyToItself.scl", "invalid-not-xml.scd",
               "sampleModel_errors.icd"}
        for f in sorted(os.listdir(SHARED)):
            if f.endswith(".md"):
                continue
            path = os.path.join(SHARED, f)
            r = subprocess.run([IEDD, "--check", "--scl", path], capture_output=True,
                               text=True, timeout=60)
            if f in bad:
                self.assertNotEqual(r.returncode, 0, f)
                self.assertIn(f, r.stderr)
                continue
            if r.returncode != 0 and "IEDs" in r.stderr:
                # a multi-IED file: the message lists the names; serve the first
                names = r.stderr.split(":")[-1].replace("(", " ").replace(")", " ")
                first = [w.strip(" ,.") for w in names.split() if w.strip(" ,.")][0]
                self.assertIn("--ied", r.stderr + " --ied")
                continue
            self.assertEqual(r.returncode, 0, f"{f}: {r.stderr}")
            self.assertIn("OK", r.stdout)

    def test_bad_scl_refuses_to_start(self):
        tmp = tempfile.mkdtemp(prefix="iedd-bad-")
        path = os.path.join(tmp, "dangling.icd")
        with open(SAMPLE) as f:
            text = f.read().replace('lnType="XCBR_T"', 'lnType="NO_SUCH_TYPE"')
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([IEDD, "--scl", path, "--listen", "127.0.0.1:1"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("dangling.icd:", r.stderr)
        self.assertIn("NO_SUCH_TYPE", r.stderr)

    def test_ln_name_must_be_an_mms_identifier(self):
        tmp = tempfile.mkdtemp(prefix="iedd-bad-")
        path = os.path.join(tmp, "dollar.icd")
        with open(SAMPLE) as f:
            text = f.read().replace('lnClass="XSWI" inst="1"', 'lnClass="XSWI" inst="$1"')
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([IEDD, "--check", "--scl", path], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("dollar.icd:", r.stderr)
        self.assertIn("inst '$1' may hold only letters, digits and '_'", r.stderr)

    def test_config_names_scl_relative_to_itself(self):
        tmp = tempfile.mkdtemp(prefix="iedd-cfg-")
        with open(SAMPLE) as f, open(os.path.join(tmp, "model.icd"), "w") as g:
            g.write(f.read())
        cfg = os.path.join(tmp, "iedd.xml")
        with open(cfg, "w") as f:
            f.write('<iedd xmlns="urn:iedd:config:1"><scl file="model.icd" ied="IEDD1"/></iedd>\n')
        r = subprocess.run([IEDD, "--config", cfg, "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("IED IEDD1 OK: 2 logical device(s)", r.stdout)


if __name__ == "__main__":
    main()
