#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Set up, build, and run every test: unit and integration tests, the same
# again under AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz
# targets for a bounded time (FUZZ_SECONDS, default 60 each). Then prints
# the model-load figures (not pass/fail: see README, "Benchmarks").
#   scripts/test.sh
#
# Each stage fails when a test fails and also when it ran fewer tests than
# its build defines (none defined, a test neither passed nor skipped, or the
# sanitizer build defining other tests than the plain one). The command
# stops at the first failing stage and says at the end which stages passed,
# which failed and which did not run.
set -eu
cd "$(dirname "$0")/.."

STAGES="setup tests asan fuzz figures"
passed=""
current=""
summary() {
	rc=$?
	echo
	echo "== stages"
	for s in $STAGES; do
		case " $passed " in
		*" $s "*) echo "  $s: passed" ;;
		*) if [ "$s" = "$current" ]; then echo "  $s: FAILED"; else echo "  $s: not run"; fi ;;
		esac
	done
	if [ "$rc" -eq 0 ]; then echo "== all tests passed"; else echo "== FAILED in stage $current" >&2; fi
	exit "$rc"
}
trap summary EXIT
stage() { current=$1; echo; echo "== $2"; }
done_stage() { passed="$passed $current"; }

# Runs a command silently, showing its output only when it fails.
quiet() {
	out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; echo "failed: $*" >&2; exit 1; }
}

# The tests a build directory defines, one name a line.
listed() { meson test -C "$1" --list 2>/dev/null | sed -n 's/^[^ ]* *\/ *//p' | sort; }

# meson test in $1, then checks from its JSON log that every listed test
# ran (OK or SKIP) and prints each skipped test or subtest with its reason.
run_suite() {
	dir=$1
	shift
	n=$(listed "$dir" | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "$dir defines no tests: its configuration left them out" \
			"(rm -rf $dir and run scripts/test.sh again)" >&2
		exit 1
	fi
	env "$@" meson test -C "$dir" --print-errorlogs
	/usr/bin/python3 - "$dir/meson-logs/testlog.json" "$n" <<'EOF'
import json, re, sys
path, want = sys.argv[1], int(sys.argv[2])
res = [json.loads(l) for l in open(path) if l.strip()]
ok = [r for r in res if r["result"] == "OK"]
skip = [r for r in res if r["result"] == "SKIP"]
subskip = 0
for r in res:
    for line in (r.get("stdout") or "").splitlines():
        m = re.match(r"(?:not )?ok \d+ (\S+).*# SKIP\s*(.*)", line, re.I)
        if m:
            subskip += 1
            print(f"  skipped: {r['name']}: {m.group(1)}: {m.group(2)}")
    if r["result"] == "SKIP":
        why = [l for l in ((r.get("stdout") or "") + (r.get("stderr") or "")).splitlines()
               if "skip" in l.lower()][-1:] or ["(no reason printed)"]
        print(f"  skipped: {r['name']}: {why[0].strip()}")
bad = [r["name"] for r in res if r["result"] not in ("OK", "SKIP")]
print(f"  {len(res)} of {want} tests ran: {len(ok)} passed, {len(skip)} skipped, "
      f"{len(bad)} other; {subskip} subtests skipped")
if len(res) != want or bad:
    print(f"  stage incomplete: {want} tests defined, {len(res)} ran, not passed: {bad}",
          file=sys.stderr)
    sys.exit(1)
EOF
}

stage setup "set-up: packages, configuration with the tests, build"
scripts/setup.sh --tests
done_stage

stage tests "unit and integration tests"
run_suite build
done_stage

stage asan "the same under AddressSanitizer and UndefinedBehaviorSanitizer"
if [ -f build-asan/build.ninja ]; then
	quiet meson setup --reconfigure build-asan -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false
else
	quiet meson setup build-asan -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-asan
if [ "$(listed build)" != "$(listed build-asan)" ]; then
	echo "build-asan defines other tests than build:" >&2
	listed build >/tmp/iedd-tests-plain.$$
	listed build-asan | diff /tmp/iedd-tests-plain.$$ - >&2 || true
	rm -f /tmp/iedd-tests-plain.$$
	exit 1
fi
run_suite build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
done_stage

stage fuzz "fuzz targets (${FUZZ_SECONDS:-60} s each)"
if [ -f build-fuzz/build.ninja ]; then
	quiet env CC=clang meson setup --reconfigure build-fuzz -Dfuzz=true -Dtests=enabled
else
	quiet env CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=enabled
fi
ninja -C build-fuzz
tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-60}"
done_stage

stage figures "model load figures (printed, not checked: meson test -C build --benchmark checks the bounds)"
for n in 100 1000; do
	build/tests/model/bench_load "build/tests/model/gen$n.icd"
done
done_stage
