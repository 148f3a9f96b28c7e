# SPDX-License-Identifier: Apache-2.0
"""The timeouts of an association, all timers of the one queue that
daemon/net/loop_timer.c drives: the idle timeout closes an associated peer
that stays silent and is restarted by every PDU; a connection over the
association limit that never sends its CR is closed after the refusal
grace. Mechanisms are compared (an active peer against a silent one), no
duration is asserted."""
import time
import unittest

from harness import Daemon, Raw, cotp_cr, main

IDLE = """<?xml version="1.0"?>
<iedd xmlns="urn:iedd:config:1">
  <server>
    <limits idleTimeout="600"/>
  </server>
</iedd>
"""
FULL = """<?xml version="1.0"?>
<iedd xmlns="urn:iedd:config:1">
  <server>
    <limits maxAssociations="2"/>
  </server>
</iedd>
"""


class Idle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(config=IDLE)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_idle_timeout_restarted_by_activity(self):
        active, silent = Raw(self.d.port, timeout=10), Raw(self.d.port, timeout=10)
        active.associate()
        silent.associate()
        # the active peer sends a PDU every 100 ms, a sixth of the idle
        # timeout, until the silent one is dropped: only then may the
        # active one be asked whether it is still served
        invoke, deadline = 1, time.time() + 60
        silent.s.setblocking(False)
        dropped = False
        while not dropped and time.time() < deadline:
            self.assertIsNotNone(active.identify(invoke), "active association dropped")
            invoke += 1
            try:
                dropped = silent.s.recv(65536) == b"" or dropped
            except BlockingIOError:
                pass
            except ConnectionResetError:
                dropped = True
            time.sleep(0.1)
        self.assertTrue(dropped, "silent association never timed out")
        self.assertGreater(invoke, 3)
        self.assertTrue(self.d.wait_log("idle timeout; closing"))
        self.assertIsNotNone(active.identify(invoke), "active association lost")
        active.close()
        silent.close()



class Refusal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(config=FULL)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_refused_connection_without_cr(self):
        holders = [Raw(self.d.port), Raw(self.d.port)]
        for h in holders:
            h.associate()
        over = Raw(self.d.port, timeout=30)
        self.assertTrue(over.closed(), "refused connection kept open")
        self.assertTrue(self.d.wait_log("refused connection did not send a CR"))
        # a refused peer that does send its CR gets the DR
        over2 = Raw(self.d.port, timeout=30)
        over2.send(cotp_cr())
        dr = over2.recv_tpkt()
        self.assertIsNotNone(dr)
        self.assertEqual(dr[5], 0x80)
        for h in holders:
            h.close()
        over.close()
        over2.close()


if __name__ == "__main__":
    main()
