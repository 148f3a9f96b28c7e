#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Set up, build, and run iedd (by default on the embedded default
# configuration: 127.0.0.1:10102 and the sample model).
#   scripts/run.sh [iedd options...]     e.g. --listen 127.0.0.1:10333
# The address to try is the one iedd says it listens on (its log line
# "listening on ADDR:PORT"), so --listen and --config show what they do.
# The status page and metrics are switched on at 127.0.0.1:8102 (--http;
# IEDD_RUN_HTTP=ADDR:PORT another, IEDD_RUN_HTTP= none) and their address
# is printed too.
# For tests: IEDD_RUN_SETUP=0 skips the set-up, IEDD_BUILD=DIR runs the
# iedd of another build directory (default build).
set -eu
cd "$(dirname "$0")/.."
build=${IEDD_BUILD:-build}
if [ "${IEDD_RUN_SETUP:-1}" != 0 ]; then
	scripts/setup.sh
	echo
fi

# iedd's log passes through a FIFO to a reader that copies every line to
# stderr and, at the first "listening on", says where to connect. The
# reader runs in the background, so Ctrl-C (SIGINT to the foreground
# group) stops iedd, and the reader, which ignores it, prints iedd's last
# lines and ends when iedd closes its end.
dir=$(mktemp -d "${TMPDIR:-/tmp}/iedd-run.XXXXXX")
fifo="$dir/log"
mkfifo "$fifo"
trap 'rm -rf "$dir"' EXIT
trap ':' INT TERM	# not ignored: iedd gets its own SIGINT and stops cleanly

{
	told=""
	while IFS= read -r line; do
		printf '%s\n' "$line" >&2
		case $line in
		*" net: status page on "*)
			url=${line##* status page on }
			echo "Status page: ${url%% *}  (Prometheus metrics: ${url%% *}metrics)" >&2
			;;
		*" net: listening on "*)
			addr=${line##* listening on }
			# a wildcard is not an address to connect to: its loopback is
			case $addr in
			"*:"*) try="127.0.0.1:${addr#\*:}" ;;
			"[::]:"*) try="[::1]:${addr#\[::\]:}" ;;
			*) try=$addr ;;
			esac
			if [ -z "$told" ]; then
				told=1
				echo "iedd listens on $addr." >&2
				echo "Try, from another terminal:  $build/tools/iedc identify $try" >&2
				echo "Stop with Ctrl-C." >&2
			fi
			;;
		esac
	done
} <"$fifo" &
reader=$!

rc=0
http=${IEDD_RUN_HTTP-127.0.0.1:8102}
if [ -n "$http" ]; then
	set -- --http "$http" "$@"
fi
"$build/daemon/iedd" -v "$@" 2>"$fifo" || rc=$?
wait "$reader" || true
exit "$rc"
