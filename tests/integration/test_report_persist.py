# SPDX-License-Identifier: Apache-2.0
"""A buffered report that survives a daemon restart (issue 12), with the
real iedd and iedc: a BRCB client leaves, changes are buffered, iedd is
stopped with SIGTERM and started again on the same state directory, and the
client that comes back with its last EntryID gets every entry it missed, in
order, once, without BufOvfl; after SIGKILL what was synced comes back and
the first report says BufOvfl; stateDir="" writes nothing; a state
directory that cannot be used leaves iedd serving from memory, with one
log line that says so.

Changes are client writes of LLN0.Mod.ctlModel[CF], added to the BRCB's
data set (test_reports.ctl_sample), so the test makes each entry itself."""
import os
import shutil
import signal
import tempfile
import time
import unittest

from harness import Daemon, iedc, main
from test_reports import BRCB, CTL, CTL_VALUES, Reporter, ctl_sample, until_enabled

MISSED = 20


def config(scl, state_dir=None, sync_ms=50):
    """iedd.xml serving `scl` (absolute) with <reports stateDir syncMs>;
    state_dir None: no stateDir attribute."""
    attr = "" if state_dir is None else f' stateDir="{state_dir}"'
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<iedd xmlns="urn:iedd:config:1">\n'
            f'  <scl file="{scl}"/>\n'
            f'  <reports{attr} syncMs="{sync_ms}"/>\n'
            f'</iedd>\n')


def wait_until(cond, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(what + " not reached")


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return -1


class Persist(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iedd-rptp-")
        self.scl = ctl_sample(self.tmp)
        self.state = os.path.join(self.tmp, "state")
        self.d = None
        self.reporters = []
        # no systemd StateDirectory from the caller's environment
        self.env_state = os.environ.pop("STATE_DIRECTORY", None)

    def tearDown(self):
        for r in self.reporters:
            r.stop()
        if self.d:
            self.d.stop()
        if self.env_state is not None:
            os.environ["STATE_DIRECTORY"] = self.env_state
        shutil.rmtree(self.tmp, ignore_errors=True)

    def reporter(self, *args):
        r = Reporter(*args)
        self.reporters.append(r)
        return r

    def start(self, cfg):
        self.d = Daemon(config=cfg)
        return self.d

    # ctlModel is CF: a written value survives the restart (durable
    # settings, issue 17); the last one written was CTL_VALUES[0], so the
    # next change writes CTL_VALUES[1]
    after_restart = 1

    def changes(self, n, first):
        """n writes of ctlModel, alternating from CTL_VALUES[first]; each
        one is a BRCB entry."""
        for i in range(n):
            w = iedc("write", self.d.addr, CTL, CTL_VALUES[(first + i) % 2])
            self.assertEqual(w.returncode, 0, w.stderr)

    def leave_with_missed(self, client_sig):
        """A client enables the BRCB, gets one entry and goes (client_sig:
        SIGINT, iedc disables and leaves; SIGKILL, a cable pulled); then
        MISSED changes are buffered. Returns the last EntryID it got."""
        rep = self.reporter(self.d.addr, BRCB, "--trgops", "dchg")
        until_enabled(self.d, BRCB)
        self.changes(1, 0)
        last = rep.next()["entryId"]
        rep.stop(client_sig)
        self.changes(MISSED, 1)
        return last

    def come_back(self, last):
        """The client returns with its last EntryID: the MISSED entries."""
        back = self.reporter(self.d.addr, BRCB, "--trgops", "dchg", "--entry-id", last)
        return back, back.take(MISSED, timeout=30)

    def check_missed(self, got, last):
        ids = [int(x["entryId"], 16) for x in got]
        self.assertEqual(len(set(ids)), len(ids), ids)
        self.assertEqual(ids, sorted(ids), ids)
        for i, x in enumerate(got):
            self.assertEqual(str(x["members"][-1]["value"]), CTL_VALUES[(1 + i) % 2], (i, x))
        return ids

    def test_sigterm_restart_resyncs_everything(self):
        cfg = config(self.scl, self.state)
        self.start(cfg)
        self.assertTrue(self.d.wait_log("reports: state of"), self.d.log())
        last = self.leave_with_missed(signal.SIGINT)
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.log())
        self.assertTrue(os.path.exists(os.path.join(self.state, "rpt.snap")))
        self.start(cfg)
        self.assertNotIn("did not stop cleanly", self.d.log())
        back, got = self.come_back(last)
        ids = self.check_missed(got, last)
        self.assertEqual(ids, list(range(int(last, 16) + 1, int(last, 16) + 1 + MISSED)))
        for x in got:
            self.assertIs(x.get("bufOvfl"), False, x)
        # then live ones, the next EntryID: nothing was sent twice
        self.changes(1, self.after_restart)
        live = back.next()
        self.assertEqual(int(live["entryId"], 16), ids[-1] + 1, live)
        self.assertIs(live.get("bufOvfl"), False, live)

    def test_sigterm_within_buftm_delivers_after_restart(self):
        """A change still collected within BufTm when SIGTERM comes is made
        an entry at the stop (acsi_reports_flush), kept, and delivered to
        the client that comes back after the restart."""
        cfg = config(self.scl, self.state)
        self.start(cfg)
        self.assertTrue(self.d.wait_log("reports: state of"), self.d.log())
        args = (BRCB, "--trgops", "dchg,gi", "--bufTm", "60000")
        rep = self.reporter(self.d.addr, *args, "--gi")
        # the GI report is an entry at once (BufTm holds changes only)
        last = rep.next()["entryId"]
        rep.stop(signal.SIGINT)
        # one change: a minute of BufTm before it would become an entry
        self.changes(1, 0)
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.log())
        self.start(cfg)
        self.assertNotIn("did not stop cleanly", self.d.log())
        back = self.reporter(self.d.addr, *args, "--entry-id", last)
        got = back.next(timeout=20)
        self.assertEqual(int(got["entryId"], 16), int(last, 16) + 1, got)
        self.assertEqual(str(got["members"][-1]["value"]), CTL_VALUES[0], got)
        self.assertIs(got.get("bufOvfl"), False, got)

    def test_sigkill_restart_gives_bufovfl(self):
        cfg = config(self.scl, self.state)
        self.start(cfg)
        log = os.path.join(self.state, "rpt.log")
        last = self.leave_with_missed(signal.SIGKILL)
        # the entries are on disk once a sync wrote them: the log grows no
        # more for a while (many sync intervals)
        prev = [size(log), time.time()]

        def settled():
            s = size(log)
            if s != prev[0]:
                prev[:] = [s, time.time()]
                return False
            return s > 0 and time.time() - prev[1] > 1.0
        wait_until(settled, what="rpt.log settled")
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait(10)
        self.d.stop()
        self.start(cfg)
        self.assertTrue(self.d.wait_log("did not stop cleanly"), self.d.log())
        back, got = self.come_back(last)
        ids = self.check_missed(got, last)
        self.assertEqual(ids, list(range(int(last, 16) + 1, int(last, 16) + 1 + MISSED)))
        # 7-2 §17.2.4: entries may be lost in a crash, so the client is told
        self.assertIs(got[0].get("bufOvfl"), True, got[0])
        # an EntryID given before the crash is never given again
        self.changes(1, self.after_restart)
        live = back.next()
        self.assertGreater(int(live["entryId"], 16), ids[-1], live)

    def test_state_dir_empty_writes_nothing(self):
        cfg = config(self.scl, "")
        self.start(cfg)
        # not even $STATE_DIRECTORY is used then
        os.makedirs(self.state)
        self.assertTrue(self.d.wait_log('stateDir=""'), self.d.log())
        self.leave_with_missed(signal.SIGINT)
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.log())
        self.assertEqual(os.listdir(self.tmp), ["ctl.icd", "state"])
        self.assertEqual(os.listdir(self.state), [])
        self.assertEqual(sorted(os.listdir(self.d.dir)), ["iedd.log", "iedd.xml"])

    def test_state_dir_empty_ignores_state_directory_env(self):
        os.makedirs(self.state)
        os.environ["STATE_DIRECTORY"] = self.state
        try:
            self.start(config(self.scl, ""))
        finally:
            del os.environ["STATE_DIRECTORY"]
        self.leave_with_missed(signal.SIGINT)
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.log())
        self.assertEqual(os.listdir(self.state), [])

    def test_state_directory_env_is_the_default(self):
        os.makedirs(self.state)
        os.environ["STATE_DIRECTORY"] = self.state + ":" + os.path.join(self.tmp, "other")
        try:
            self.start(config(self.scl))
        finally:
            del os.environ["STATE_DIRECTORY"]
        self.assertTrue(self.d.wait_log("reports: state of"), self.d.log())
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.log())
        self.assertIn("rpt.snap", os.listdir(self.state))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "other")))

    def test_unusable_state_dir_still_serves(self):
        bad = os.path.join(self.tmp, "a-file")
        with open(bad, "w") as f:
            f.write("not a directory\n")
        self.start(config(self.scl, bad))
        self.assertTrue(self.d.wait_log("cannot be used"), self.d.log())
        lines = [l for l in self.d.log().splitlines() if "cannot be used" in l]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(bad, lines[0])
        self.assertIn("memory only", lines[0])
        # and it reports, from memory
        last = self.leave_with_missed(signal.SIGKILL)
        back, got = self.come_back(last)
        self.check_missed(got, last)
        with open(bad) as f:
            self.assertEqual(f.read(), "not a directory\n")
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.log())


if __name__ == "__main__":
    main()
