#!/bin/sh
# Set up, build, and run every test: unit and integration tests, the same
# again under AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz
# targets for a bounded time (FUZZ_SECONDS, default 60 each).
#   scripts/test.sh
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh --tests

echo "== unit and integration tests"
meson test -C build --print-errorlogs

echo "== the same under AddressSanitizer and UndefinedBehaviorSanitizer"
if [ ! -f build-asan/build.ninja ]; then
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs

echo "== fuzz targets (${FUZZ_SECONDS:-60} s each)"
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true >/dev/null
fi
ninja -C build-fuzz
tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-60}"
echo "== all tests passed"
