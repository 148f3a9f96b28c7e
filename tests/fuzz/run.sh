#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every fuzz target for SECONDS on a copy of its seed corpus (the tree
# is not modified) and fails if any target finds a crash, leak or timeout.
#
#   tests/fuzz/run.sh BUILDDIR SECONDS
#
# BUILDDIR was configured with: CC=clang meson setup BUILDDIR -Dfuzz=true
# Crash inputs are kept in a temporary directory whose name is printed.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILDDIR SECONDS" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || { echo "$0: no build directory $1" >&2; exit 2; }
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/iedd-fuzz.XXXXXX")
jobs=${FUZZ_JOBS:-1}
failed=0

# target:executable (relative to BUILDDIR):seed corpus (relative to tests/)
for spec in inbound:tests/fuzz/fuzz_inbound:fuzz/corpus/inbound \
	ber:tests/fuzz/fuzz_ber:fuzz/corpus/ber \
	scl:tests/model/fuzz_scl:model/corpus/scl \
	map:tests/fuzz/fuzz_map:fuzz/corpus/map \
	model_data:tests/model/fuzz_model_data:fuzz/corpus/ber \
	objref:tests/fuzz/fuzz_objref:fuzz/corpus/objref \
	mms_file:tests/fuzz/fuzz_mms_file:fuzz/corpus/mms_file \
	mms_report:tests/fuzz/fuzz_mms_report:fuzz/corpus/mms_report \
	mms_control:tests/fuzz/fuzz_mms_control:fuzz/corpus/mms_control \
	files:tests/fuzz/fuzz_files:fuzz/corpus/files \
	rptstore:tests/fuzz/fuzz_rptstore:fuzz/corpus/rptstore \
	setstore:tests/fuzz/fuzz_setstore:fuzz/corpus/setstore \
	goose:tests/fuzz/fuzz_goose:fuzz/corpus/goose \
	config:tests/fuzz/fuzz_config:fuzz/corpus/config \
	tls:tests/fuzz/fuzz_tls:fuzz/corpus/tls \
	roles:tests/fuzz/fuzz_roles:fuzz/corpus/roles; do
	target=${spec%%:*}
	rest=${spec#*:}
	exe=$build/${rest%%:*}
	seeds=$here/../${rest#*:}
	if [ ! -x "$exe" ]; then
		echo "$exe missing: configure with CC=clang meson setup $build -Dfuzz=true" >&2
		exit 2
	fi
	corpus=$work/$target/corpus
	artifacts=$work/$target/artifacts
	mkdir -p "$corpus" "$artifacts"
	cp "$seeds"/* "$corpus"/
	log=$work/$target/log
	echo "fuzz_$target: $seconds s on a copy of ${rest#*:} ($(ls "$corpus" | wc -l) seeds)"
	# FUZZ_JOBS=N runs N fuzzing processes in parallel; libFuzzer then
	# writes their logs as fuzz-*.log into the current directory.
	parallel=
	if [ "$jobs" -gt 1 ]; then
		parallel="-jobs=$jobs -workers=$jobs"
	fi
	rc=0
	# shellcheck disable=SC2086 # $parallel is empty or two options
	(cd "$work/$target" && "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" $parallel "$corpus") \
		>"$log" 2>&1 || rc=$?
	if [ "$jobs" -gt 1 ]; then
		cat "$work/$target"/fuzz-*.log >>"$log"
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
	echo "fuzz_$target: exit $rc, $runs executions, $cov, corpus $(ls "$corpus" | wc -l) inputs"
	if [ "$rc" -ne 0 ] || [ -n "$(ls "$artifacts")" ]; then
		echo "fuzz_$target FAILED; log and reproducers in $work/$target:" >&2
		ls -l "$artifacts" >&2
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 20 >&2 || true
		failed=1
	fi
done

if [ "$failed" -eq 0 ]; then
	rm -rf "$work"
	echo "no crashes"
fi
exit "$failed"
