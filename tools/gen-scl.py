#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a synthetic SCL (Ed.2, 2007B) for scale tests of the model loader.

    gen-scl.py N [-o FILE] [--ied NAME]

One IED, one LDevice "LD0": LLN0, LPHD1 and N logical nodes cycling through
MMXU, GGIO and XCBR (about 20 data objects each, with the usual CDCs: MV,
CMV/WYE, SPS, SPC, DPC, INS, ENS, INC, LPL, ...). Every LN carries a few DOIs
(description, control model, deadband, an sAddr), and LLN0 a data set over
the first LNs with a buffered report control block, so every path of the
loader is exercised. Output is deterministic for a given N.
"""
import argparse
import sys

NS = "http://www.iec.ch/61850/2003/SCL"

ENUMS = {
    "Beh": [(1, "on"), (2, "blocked"), (3, "test"), (4, "test/blocked"), (5, "off")],
    "Health": [(1, "Ok"), (2, "Warning"), (3, "Alarm")],
    "ctlModel": [(0, "status-only"), (1, "direct-with-normal-security"),
                 (2, "sbo-with-normal-security"), (3, "direct-with-enhanced-security"),
                 (4, "sbo-with-enhanced-security")],
    "sboClass": [(0, "operate-once"), (1, "operate-many")],
    "orCategory": [(0, "not-supported"), (1, "bay-control"), (2, "station-control"),
                   (3, "remote-control"), (4, "automatic-bay"), (5, "automatic-station"),
                   (6, "automatic-remote"), (7, "maintenance"), (8, "process")],
    "range": [(0, "normal"), (1, "high"), (2, "low"), (3, "high-high"), (4, "low-low")],
    "angRef": [(0, "V"), (1, "A"), (2, "other"), (3, "Synchrophasor")],
    "SIUnit": [(1, "none"), (2, "m"), (29, "V"), (5, "A"), (62, "W"), (61, "VA"), (63, "VAr"),
               (33, "Hz"), (30, "ohm"), (9, "deg")],
    "multiplier": [(-3, "m"), (0, ""), (3, "k"), (6, "M")],
    "CBOpCap": [(1, "None"), (2, "Open"), (3, "Close-Open"), (4, "Open-Close-Open")],
}

DATYPES = {
    "AnalogueValue": [("f", "FLOAT32", None)],
    "Vector": [("mag", "Struct", "AnalogueValue"), ("ang", "Struct", "AnalogueValue")],
    "Unit": [("SIUnit", "Enum", "SIUnit"), ("multiplier", "Enum", "multiplier")],
    "Originator": [("orCat", "Enum", "orCategory"), ("orIdent", "Octet64", None)],
    "RangeConfig": [("hhLim", "Struct", "AnalogueValue"), ("hLim", "Struct", "AnalogueValue"),
                    ("lLim", "Struct", "AnalogueValue"), ("llLim", "Struct", "AnalogueValue"),
                    ("min", "Struct", "AnalogueValue"), ("max", "Struct", "AnalogueValue")],
    "SPCOper": [("ctlVal", "BOOLEAN", None), ("origin", "Struct", "Originator"),
                ("ctlNum", "INT8U", None), ("T", "Timestamp", None), ("Test", "BOOLEAN", None),
                ("Check", "Check", None)],
    "SPCCancel": [("ctlVal", "BOOLEAN", None), ("origin", "Struct", "Originator"),
                  ("ctlNum", "INT8U", None), ("T", "Timestamp", None), ("Test", "BOOLEAN", None)],
    "INCOper": [("ctlVal", "INT32", None), ("origin", "Struct", "Originator"),
                ("ctlNum", "INT8U", None), ("T", "Timestamp", None), ("Test", "BOOLEAN", None),
                ("Check", "Check", None)],
}

# DOType id -> list of (kind, name, bType/type, fc, extra)
#   kind "DA": (name, bType, type, fc, trg)   kind "SDO": (name, DOType)
ST = ("dchg", "qchg")


def da(name, btype, fc, typ=None, trg=(), val=None):
    return ("DA", name, btype, typ, fc, trg, val)


def sdo(name, typ):
    return ("SDO", name, typ)


QT = [da("q", "Quality", "ST", trg=("qchg",)), da("t", "Timestamp", "ST")]
QTMX = [da("q", "Quality", "MX", trg=("qchg",)), da("t", "Timestamp", "MX")]
DESC = [da("d", "VisString255", "DC"), da("dU", "Unicode255", "DC")]
CTL = [da("ctlModel", "Enum", "CF", "ctlModel", val="status-only"),
       da("sboTimeout", "INT32U", "CF", val="30000"), da("sboClass", "Enum", "CF", "sboClass"),
       da("operTimeout", "INT32U", "CF", val="600")]

DOTYPES = {
    "ENS_Beh": [da("stVal", "Enum", "ST", "Beh", ("dchg",))] + QT + DESC,
    "ENS_Health": [da("stVal", "Enum", "ST", "Health", ("dchg",))] + QT + DESC,
    "ENC_Mod": [da("stVal", "Enum", "ST", "Beh", ("dchg",), val="on")] + QT +
               [da("Oper", "Struct", "CO", "INCOper"), da("stSeld", "BOOLEAN", "ST", trg=("dchg",))] +
               CTL + DESC,
    "LPL": [da("vendor", "VisString255", "DC", val="iedd"), da("swRev", "VisString255", "DC", val="1.0"),
            da("d", "VisString255", "DC"), da("configRev", "VisString255", "DC"),
            da("ldNs", "VisString255", "EX", val="IEC 61850-7-4:2007B")],
    "DPL": [da("vendor", "VisString255", "DC"), da("hwRev", "VisString255", "DC"),
            da("swRev", "VisString255", "DC"), da("serNum", "VisString255", "DC"),
            da("model", "VisString255", "DC"), da("location", "VisString255", "DC")],
    "SPS": [da("stVal", "BOOLEAN", "ST", trg=("dchg",))] + QT +
           [da("subEna", "BOOLEAN", "SV"), da("subVal", "BOOLEAN", "SV")] + DESC,
    "INS": [da("stVal", "INT32", "ST", trg=("dchg",))] + QT + DESC,
    "SPC": [da("stVal", "BOOLEAN", "ST", trg=("dchg",))] + QT +
           [da("Oper", "Struct", "CO", "SPCOper"), da("Cancel", "Struct", "CO", "SPCCancel"),
            da("SBOw", "Struct", "CO", "SPCOper"), da("origin", "Struct", "ST", "Originator"),
            da("ctlNum", "INT8U", "ST"), da("stSeld", "BOOLEAN", "ST", trg=("dchg",)),
            da("opRcvd", "BOOLEAN", "OR", trg=("dchg",)), da("opOk", "BOOLEAN", "OR", trg=("dchg",)),
            da("tOpOk", "Timestamp", "OR")] + CTL + DESC,
    "DPC": [da("stVal", "Dbpos", "ST", trg=("dchg",))] + QT +
           [da("Oper", "Struct", "CO", "SPCOper"), da("Cancel", "Struct", "CO", "SPCCancel"),
            da("SBOw", "Struct", "CO", "SPCOper"), da("origin", "Struct", "ST", "Originator"),
            da("ctlNum", "INT8U", "ST"), da("stSeld", "BOOLEAN", "ST", trg=("dchg",)),
            da("opRcvd", "BOOLEAN", "OR", trg=("dchg",)), da("opOk", "BOOLEAN", "OR", trg=("dchg",)),
            da("tOpOk", "Timestamp", "OR"), da("blkEna", "BOOLEAN", "BL")] + CTL + DESC,
    "MV": [da("instMag", "Struct", "MX", "AnalogueValue"),
           da("mag", "Struct", "MX", "AnalogueValue", ("dchg", "dupd")),
           da("range", "Enum", "MX", "range", ("dchg",))] + QTMX +
          [da("subEna", "BOOLEAN", "SV"), da("subMag", "Struct", "SV", "AnalogueValue"),
           da("units", "Struct", "CF", "Unit"), da("db", "INT32U", "CF", val="1000"),
           da("zeroDb", "INT32U", "CF", val="0"), da("rangeC", "Struct", "CF", "RangeConfig"),
           da("smpRate", "INT32U", "CF")] + DESC,
    "CMV": [da("instCVal", "Struct", "MX", "Vector"),
            da("cVal", "Struct", "MX", "Vector", ("dchg", "dupd")),
            da("range", "Enum", "MX", "range", ("dchg",))] + QTMX +
           [da("units", "Struct", "CF", "Unit"), da("db", "INT32U", "CF", val="1000"),
            da("zeroDb", "INT32U", "CF"), da("angRef", "Enum", "CF", "angRef")],
    "WYE": [sdo("phsA", "CMV"), sdo("phsB", "CMV"), sdo("phsC", "CMV"), sdo("neut", "CMV"),
            sdo("net", "CMV"), da("angRef", "Enum", "CF", "angRef")] + DESC,
    "DEL": [sdo("phsAB", "CMV"), sdo("phsBC", "CMV"), sdo("phsCA", "CMV"),
            da("angRef", "Enum", "CF", "angRef")] + DESC,
    "BCR": [da("actVal", "INT64", "ST", trg=("dchg",))] + QT +
           [da("units", "Struct", "CF", "Unit"), da("pulsQty", "FLOAT32", "CF")] + DESC,
    "ENS_CBOpCap": [da("stVal", "Enum", "ST", "CBOpCap", ("dchg",))] + QT + DESC,
    "INC": [da("stVal", "INT32", "ST", trg=("dchg",))] + QT +
           [da("Oper", "Struct", "CO", "INCOper")] + CTL + DESC,
    "SPG": [da("setVal", "BOOLEAN", "SP", trg=("dchg",))] + DESC,
    "ASG": [da("setMag", "Struct", "SP", "AnalogueValue", ("dchg",)),
            da("units", "Struct", "CF", "Unit")] + DESC,
}

COMMON = [("Mod", "ENC_Mod"), ("Beh", "ENS_Beh"), ("Health", "ENS_Health"), ("NamPlt", "LPL")]

LNTYPES = {
    "LLN0": COMMON,
    "LPHD": [("PhyNam", "DPL"), ("PhyHealth", "ENS_Health"), ("Proxy", "SPS")],
    "MMXU": COMMON + [("TotW", "MV"), ("TotVAr", "MV"), ("TotVA", "MV"), ("TotPF", "MV"),
                      ("Hz", "MV"), ("PPV", "DEL"), ("PhV", "WYE"), ("A", "WYE"), ("W", "WYE"),
                      ("VAr", "WYE"), ("VA", "WYE"), ("PF", "WYE"), ("Z", "WYE"),
                      ("AvAPhs", "MV"), ("AvPPVPhs", "MV"), ("AvPhVPhs", "MV")],
    "GGIO": COMMON + [("Ind%d" % i, "SPS") for i in range(1, 9)] +
            [("SPCSO%d" % i, "SPC") for i in range(1, 5)] +
            [("AnIn%d" % i, "MV") for i in range(1, 5)],
    "XCBR": COMMON + [("Loc", "SPS"), ("EEHealth", "ENS_Health"), ("OpCnt", "INS"),
                      ("Pos", "DPC"), ("BlkOpn", "SPC"), ("BlkCls", "SPC"),
                      ("CBOpCap", "ENS_CBOpCap"), ("ChaMotEna", "SPC"), ("SumSwARs", "BCR"),
                      ("LocKey", "SPS"), ("LocSta", "SPC"), ("Dsc", "SPS"),
                      ("MaxOpCap", "ASG"), ("CBTmms", "INS"), ("OpTmh", "INS"),
                      ("AbrAlm", "SPS")],
}

CLASSES = ["MMXU", "GGIO", "XCBR"]
# (CMV, used only inside WYE and DEL, has no d/dU of its own: the
# description is on the WYE, as most tools write it.)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def ln_dois(cls, k):
    """A few instance values per LN, different per instance."""
    out = ['<DOI name="NamPlt"><DAI name="d"><Val>%s %d, generated</Val></DAI></DOI>' % (cls, k)]
    if cls == "XCBR":
        out.append('<DOI name="Pos"><DAI name="ctlModel"><Val>sbo-with-enhanced-security</Val></DAI>'
                   '<DAI name="stVal" sAddr="xcbr%d.pos"><Val>off</Val></DAI></DOI>' % k)
    elif cls == "MMXU":
        out.append('<DOI name="TotW"><DAI name="db"><Val>%d</Val></DAI>'
                   '<SDI name="mag"><DAI name="f" sAddr="mmxu%d.totw"/></SDI></DOI>' % (100 + k % 900, k))
        out.append('<DOI name="PhV"><SDI name="phsA"><SDI name="cVal"><SDI name="mag">'
                   '<DAI name="f" sAddr="mmxu%d.ua"><Val>230.5</Val></DAI></SDI></SDI></SDI></DOI>' % k)
    else:
        out.append('<DOI name="SPCSO1"><DAI name="ctlModel"><Val>direct-with-normal-security</Val>'
                   '</DAI><DAI name="stVal" sAddr="ggio%d.do1"/></DOI>' % k)
    return "".join(out)


def generate(n, ied, w):
    w('<?xml version="1.0" encoding="UTF-8"?>\n')
    w('<SCL xmlns="%s" version="2007" revision="B">\n' % NS)
    w('  <Header id="gen-scl" nameStructure="IEDName" toolID="tools/gen-scl.py"/>\n')
    w('  <IED name="%s" manufacturer="iedd" type="synthetic">\n' % esc(ied))
    w('    <AccessPoint name="AP1"><Server><Authentication/>\n')
    w('      <LDevice inst="LD0">\n')
    lns = []
    counters = {c: 0 for c in CLASSES}
    for i in range(n):
        cls = CLASSES[i % len(CLASSES)]
        counters[cls] += 1
        lns.append((cls, counters[cls]))
    # LLN0 with a data set over (up to) the first 30 LNs and a BRCB
    w('        <LN0 lnClass="LLN0" inst="" lnType="LLN0_T">\n')
    w('          <DataSet name="Events">\n')
    for cls, k in lns[:30]:
        do = {"MMXU": "TotW", "GGIO": "Ind1", "XCBR": "Pos"}[cls]
        fc = "MX" if cls == "MMXU" else "ST"
        w('            <FCDA ldInst="LD0" lnClass="%s" lnInst="%d" doName="%s" fc="%s"/>\n'
          % (cls, k, do, fc))
    w('          </DataSet>\n')
    w('          <ReportControl name="brcbEvents" datSet="Events" rptID="LD0/LLN0$BR$brcbEvents"'
      ' confRev="1" buffered="true" bufTime="50" intgPd="10000">\n')
    w('            <TrgOps dchg="true" qchg="true" period="true" gi="true"/>\n')
    w('            <OptFields seqNum="true" timeStamp="true" dataSet="true" reasonCode="true"'
      ' entryID="true" configRef="true"/>\n')
    w('            <RptEnabled max="4"/>\n')
    w('          </ReportControl>\n')
    w('          <DOI name="Mod"><DAI name="ctlModel"><Val>direct-with-normal-security</Val></DAI></DOI>\n')
    w('        </LN0>\n')
    w('        <LN lnClass="LPHD" inst="1" prefix="" lnType="LPHD_T"/>\n')
    for cls, k in lns:
        w('        <LN lnClass="%s" inst="%d" prefix="" lnType="%s_T">%s</LN>\n'
          % (cls, k, cls, ln_dois(cls, k)))
    w('      </LDevice>\n')
    w('    </Server></AccessPoint>\n')
    w('  </IED>\n')
    w('  <DataTypeTemplates>\n')
    for cls, dos in LNTYPES.items():
        w('    <LNodeType id="%s_T" lnClass="%s">\n' % (cls, cls))
        for name, typ in dos:
            w('      <DO name="%s" type="%s"/>\n' % (name, typ))
        w('    </LNodeType>\n')
    for tid, items in DOTYPES.items():
        cdc = tid.split("_")[0]
        w('    <DOType id="%s" cdc="%s">\n' % (tid, cdc))
        for it in items:
            if it[0] == "SDO":
                w('      <SDO name="%s" type="%s"/>\n' % (it[1], it[2]))
                continue
            _, name, btype, typ, fc, trg, val = it
            attrs = ' name="%s" bType="%s" fc="%s"' % (name, btype, fc)
            if typ:
                attrs += ' type="%s"' % typ
            for t in trg:
                attrs += ' %s="true"' % t
            if val is not None:
                w('      <DA%s><Val>%s</Val></DA>\n' % (attrs, esc(val)))
            else:
                w('      <DA%s/>\n' % attrs)
        w('    </DOType>\n')
    for tid, bdas in DATYPES.items():
        w('    <DAType id="%s">\n' % tid)
        for name, btype, typ in bdas:
            w('      <BDA name="%s" bType="%s"%s/>\n' % (name, btype, ' type="%s"' % typ if typ else ""))
        w('    </DAType>\n')
    for tid, vals in ENUMS.items():
        w('    <EnumType id="%s">\n' % tid)
        for o, name in vals:
            w('      <EnumVal ord="%d">%s</EnumVal>\n' % (o, esc(name)))
        w('    </EnumType>\n')
    w('  </DataTypeTemplates>\n')
    w('</SCL>\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of MMXU/GGIO/XCBR logical nodes")
    ap.add_argument("-o", "--output", help="file to write (default: standard output)")
    ap.add_argument("--ied", default="GEN", help="IED name (default GEN)")
    a = ap.parse_args()
    if a.n < 0:
        ap.error("N must not be negative")
    out = open(a.output, "w", encoding="utf-8") if a.output else sys.stdout
    try:
        generate(a.n, a.ied, out.write)
    finally:
        if a.output:
            out.close()


if __name__ == "__main__":
    main()
