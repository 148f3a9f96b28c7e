# SPDX-License-Identifier: Apache-2.0
"""Durable settings (issue 17), with the real iedd and iedc: a value a
client writes to an attribute of FC CF is kept in the state directory and
is in force again after SIGTERM and a new start; --no-persist-settings and
<settings persist="false"> bring the SCL value back and keep nothing; a
state written for another SCL file is set aside (renamed, one log line
naming it and why) and the SCL values are used."""
import os
import shutil
import signal
import tempfile
import unittest

from harness import Daemon, iedc, main

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(SRC, "etc", "sample.icd")
DB = "IEDD1BAY/MMXU1.TotW.db[CF]"       # INT32U, <Val>? none: the sample's default
CTL = "IEDD1BAY/LLN0.Mod.ctlModel[CF]"  # Enum


def config(scl, state_dir, extra=""):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<iedd xmlns="urn:iedd:config:1">\n'
            f'  <scl file="{scl}"/>\n'
            f'  <reports stateDir="{state_dir}" syncMs="50"/>\n'
            f'{extra}'
            f'</iedd>\n')


def read(d, ref):
    r = iedc("read", d.addr, ref)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip()


def write(d, ref, value):
    r = iedc("write", d.addr, ref, value)
    assert r.returncode == 0, r.stdout + r.stderr


class Settings(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iedd-set-")
        self.state = os.path.join(self.tmp, "state")
        self.scl = os.path.join(self.tmp, "sample.icd")
        shutil.copy(SAMPLE, self.scl)
        self.d = None
        self.env_state = os.environ.pop("STATE_DIRECTORY", None)

    def tearDown(self):
        if self.d:
            self.d.stop()
        if self.env_state is not None:
            os.environ["STATE_DIRECTORY"] = self.env_state
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, *args, extra=""):
        self.d = Daemon(*args, config=config(self.scl, self.state, extra))
        return self.d

    def stop(self):
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.log())
        log = self.d.log()
        self.d = None
        return log

    def write_and_restart(self, *args, extra=""):
        d = self.start()
        scl_db, scl_ctl = read(d, DB), read(d, CTL)
        self.assertNotEqual(scl_db, "4321")
        write(d, DB, "4321")
        write(d, CTL, "0" if not scl_ctl.startswith("0") else "1")
        written_ctl = read(d, CTL)
        self.assertNotEqual(written_ctl, scl_ctl)
        self.assertEqual(read(d, DB), "4321")
        self.stop()
        self.assertTrue(os.path.exists(os.path.join(self.state, "settings.snap")))
        d = self.start(*args, extra=extra)
        return d, scl_db, scl_ctl, written_ctl

    def test_written_value_survives_restart(self):
        d, _, _, written_ctl = self.write_and_restart()
        self.assertEqual(read(d, DB), "4321")
        self.assertEqual(read(d, CTL), written_ctl)
        self.assertIn("2 restored", d.log())
        # and once more, with nothing written in between
        self.stop()
        d = self.start()
        self.assertEqual(read(d, DB), "4321")
        self.assertFalse([f for f in os.listdir(self.state) if ".bad-" in f])

    def test_no_persist_settings_option(self):
        d, scl_db, scl_ctl, _ = self.write_and_restart("--no-persist-settings")
        self.assertEqual(read(d, DB), scl_db)
        self.assertEqual(read(d, CTL), scl_ctl)
        self.assertIn("--no-persist-settings", d.log())
        # nothing of this run is kept: the file still holds the first run's
        before = open(os.path.join(self.state, "settings.snap"), "rb").read()
        write(d, DB, "777")
        self.stop()
        self.assertEqual(open(os.path.join(self.state, "settings.snap"), "rb").read(), before)

    def test_config_persist_false(self):
        d, scl_db, _, _ = self.write_and_restart(extra='  <settings persist="false"/>\n')
        self.assertEqual(read(d, DB), scl_db)
        self.assertIn('<settings persist="false">', d.log())

    def test_other_scl_sets_store_aside(self):
        d = self.start()
        scl_db = read(d, DB)
        write(d, DB, "4321")
        self.stop()
        # the same model, another file: the SCL identity changes
        with open(self.scl, "a") as f:
            f.write("<!-- edited -->\n")
        d = self.start()
        self.assertEqual(read(d, DB), scl_db)
        log = d.log()
        lines = [l for l in log.splitlines() if "another SCL file" in l]
        self.assertEqual(len(lines), 1, log)
        self.assertIn("settings.snap", lines[0])
        bad = [f for f in os.listdir(self.state) if f.startswith("settings.snap.bad-")]
        self.assertEqual(len(bad), 1, os.listdir(self.state))
        self.assertIn(bad[0], lines[0])

    def test_damaged_file_set_aside_and_serving(self):
        d = self.start()
        write(d, DB, "4321")
        self.stop()
        path = os.path.join(self.state, "settings.snap")
        data = open(path, "rb").read()
        with open(path, "wb") as f:
            f.write(data[:len(data) // 2])
        d = self.start()
        self.assertNotEqual(read(d, DB), "4321")
        self.assertIn("settings.snap.bad-", d.log())
        write(d, DB, "55")     # still kept from here on
        self.stop()
        d = self.start()
        self.assertEqual(read(d, DB), "55")


if __name__ == "__main__":
    main()
