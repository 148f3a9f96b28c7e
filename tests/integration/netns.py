# SPDX-License-Identifier: Apache-2.0
"""Network namespaces for raw-Ethernet tests (GOOSE): two namespaces with
names unique to this process, a veth pair between them (end "a" in the
first, "b" in the second), both links up, optionally an 802.1Q VLAN
interface on each end. Traffic never leaves the pair.

    with NetnsPair() as n:          # skips the test (exit 77) when impossible
        p = n.spawn("b", [IEDC, "goose", "listen", n.ifb, "--count", "1"])
        n.run("a", [SENDER, "send", n.ifa, "--count", "1"])

Cleanup (namespaces deleted, which removes the veth pair and every
process's network view with it) runs on exit from the with block, at
interpreter exit and on SIGTERM, whatever happened."""
import atexit
import os
import signal
import subprocess
import sys

# Exit status of a skip: 77 (GNU/meson "skipped" for exitcode tests and
# scripts); a TAP test sets NETNS_SKIP_EXIT=0, since meson's TAP protocol
# counts any non-zero exit as an error and takes the skip from the plan line
# "1..0 # SKIP" printed here.
SKIP = int(os.environ.get("NETNS_SKIP_EXIT", "77"))
_live = []


def skip(why):
    """Ends the whole test program as skipped (exit SKIP, normally 77), with
    the reason in a TAP plan line on stdout and on stderr."""
    print(f"skipped: {why}", file=sys.stderr)
    print(f"1..0 # SKIP {why}")
    sys.stdout.flush()
    _cleanup_all()
    os._exit(SKIP)


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def _cleanup_all():
    while _live:
        _live.pop().close()


atexit.register(_cleanup_all)


def _on_term(signum, frame):
    _cleanup_all()
    os._exit(128 + signum)


try:
    signal.signal(signal.SIGTERM, _on_term)
except ValueError:      # imported outside the main thread
    pass


class NetnsPair:
    """Namespaces <prefix>-<pid>-<k>-a/-b with veth ends ifa/ifb.
    vlan: also an 802.1Q interface with this VID on each end (ifa_vlan,
    ifb_vlan), up; where the kernel has no 8021q, ifa_vlan stays None and
    vlan_error says why. on_fail: 'skip' (exit 77 when `ip netns add` fails) or
    'raise'."""

    _seq = 0

    def __init__(self, prefix="iedd", vlan=None, on_fail="skip"):
        NetnsPair._seq += 1
        base = f"{prefix}-{os.getpid()}-{NetnsPair._seq}"
        self.nsa, self.nsb = base + "-a", base + "-b"
        self.ifa, self.ifb = "veth0", "veth1"   # names inside their own namespace
        self.vlan = vlan
        self.ifa_vlan = self.ifb_vlan = None
        self.procs = []
        self._made = []
        self.on_fail = on_fail

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def open(self):
        if os.geteuid() != 0:
            self._fail("network namespaces need root (CAP_SYS_ADMIN); not root here")
        for ns in (self.nsa, self.nsb):
            r = _ip("netns", "add", ns, check=False)
            if r.returncode:
                self._fail(f"cannot create a network namespace ({r.stderr.strip()})")
            self._made.append(ns)
            if self not in _live:
                _live.append(self)
        tmp = f"ivt{os.getpid() % 100000}{NetnsPair._seq}"[:15]
        r = _ip("link", "add", tmp, "netns", self.nsa, "type", "veth",
                "peer", "name", tmp + "p", "netns", self.nsb, check=False)
        if r.returncode:
            self._fail(f"cannot create a veth pair ({r.stderr.strip()})")
        _ip("-n", self.nsa, "link", "set", tmp, "name", self.ifa)
        _ip("-n", self.nsb, "link", "set", tmp + "p", "name", self.ifb)
        for ns, ifn in ((self.nsa, self.ifa), (self.nsb, self.ifb)):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", ifn, "up")
        self.vlan_error = None
        if self.vlan is not None:
            # needs the kernel's 8021q support; without it the pair still
            # carries tagged frames written whole (a raw sender's own tag)
            for ns, ifn in ((self.nsa, self.ifa), (self.nsb, self.ifb)):
                r = _ip("-n", ns, "link", "add", "link", ifn, "name", f"vlan{self.vlan}",
                        "type", "vlan", "id", str(self.vlan), check=False)
                if r.returncode:
                    self.vlan_error = f"no VLAN interfaces here ({r.stderr.strip()})"
                    break
                _ip("-n", ns, "link", "set", f"vlan{self.vlan}", "up")
            else:
                self.ifa_vlan = self.ifb_vlan = f"vlan{self.vlan}"
        return self

    def _fail(self, why):
        if self.on_fail == "skip":
            skip(why)
        self.close()
        raise RuntimeError(why)

    def ns(self, side):
        return {"a": self.nsa, "b": self.nsb}[side]

    def wrap(self, side):
        """The argv prefix that runs a command inside namespace `side`."""
        return ["ip", "netns", "exec", self.ns(side)]

    def run(self, side, argv, timeout=60, **kw):
        """Runs argv inside namespace side; returns the CompletedProcess
        (text, output captured)."""
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(self.wrap(side) + list(argv), timeout=timeout, **kw)

    def spawn(self, side, argv, **kw):
        """Starts argv inside namespace side (stdout and stderr pipes, text);
        killed at cleanup if still running."""
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        p = subprocess.Popen(self.wrap(side) + list(argv), **kw)
        self.procs.append(p)
        return p

    def link(self, side, up):
        ifn = self.ifa if side == "a" else self.ifb
        _ip("-n", self.ns(side), "link", "set", ifn, "up" if up else "down")

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        self.procs = []
        for ns in self._made:
            _ip("netns", "del", ns, check=False)
        self._made = []
        if self in _live:
            _live.remove(self)


def wait_line(proc, text, timeout=10, stream=None):
    """Reads proc's stderr (or `stream`, e.g. proc.stdout) until a line
    containing text; returns the lines read. Raises TimeoutError."""
    import selectors
    import time
    sel = selectors.DefaultSelector()
    stream = stream or proc.stderr
    sel.register(stream, selectors.EVENT_READ)
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not sel.select(timeout=max(0, end - time.monotonic())):
            continue
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return seen
    raise TimeoutError(f"no line with {text!r} (saw {seen!r})")
