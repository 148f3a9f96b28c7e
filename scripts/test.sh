#!/bin/sh
# Set up, build, and run every test: unit and integration tests, the same
# again under AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz
# targets for a bounded time (FUZZ_SECONDS, default 60 each).
#   scripts/test.sh
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh --tests

# Runs a command silently, showing its output only when it fails.
quiet() {
	out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; echo "failed: $*" >&2; exit 1; }
}

echo "== unit and integration tests"
meson test -C build --print-errorlogs

echo "== the same under AddressSanitizer and UndefinedBehaviorSanitizer"
if [ ! -f build-asan/build.ninja ]; then
	quiet meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs

echo "== fuzz targets (${FUZZ_SECONDS:-60} s each)"
if [ ! -f build-fuzz/build.ninja ]; then
	quiet env CC=clang meson setup build-fuzz -Dfuzz=true
fi
ninja -C build-fuzz
tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-60}"
echo "== all tests passed"
