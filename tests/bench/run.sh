#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The iedd benchmark (DESIGN.md, "Performance rules"): usage tests/bench/run.sh BUILDDIR
#
# The server under test (iedd, or the pingpong ceiling) runs pinned to CPU 0,
# the load generator (tools/bench/iedd-load) pinned to CPU 1. Each number is
# the median of BENCH_RUNS runs (default 3) of BENCH_SECONDS (default 3 s);
# the ceiling and iedd are measured in the same run, interleaved, so machine
# noise hits both alike. Everything is on 127.0.0.1 and bounded in time
# (about 3 minutes). The table is printed and written to
# BUILDDIR/bench-results.txt.
#
# Environment: BENCH_RUNS, BENCH_SECONDS, BENCH_PORT (first of three ports),
# BENCH_HOLD (idle associations for the memory test, default 10000),
# BENCH_IDLE (idle associations for the CPU test, default 1000), BENCH_NOISE
# (default 0.05), BENCH_RETRIES (default 15) and BENCH_RETRY_UNTIL (default
# 150 s): a run during which other processes used more than BENCH_NOISE of a
# CPU is disturbed; it is repeated, at most BENCH_RETRIES times in all and
# only while the script has run less than BENCH_RETRY_UNTIL seconds, and
# medians are taken over the undisturbed runs when there are any. The table
# says how many disturbed runs were kept.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 BUILDDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
BUILD=$(cd "$1" && pwd) || usage
IEDD=$BUILD/daemon/iedd
LOAD=$BUILD/tools/bench/iedd-load
PINGPONG=$BUILD/tools/bench/pingpong
for x in "$IEDD" "$LOAD" "$PINGPONG"; do
	[ -x "$x" ] || { echo "bench: $x is missing; build first (ninja -C $1)" >&2; exit 1; }
done
if [ "$(nproc --all)" -lt 2 ] || ! taskset -c 1 true 2>/dev/null; then
	echo "bench: needs CPUs 0 and 1 to pin server and load apart; skipped" >&2
	exit 77
fi

RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-3}
HOLD=${BENCH_HOLD:-10000}
IDLE=${BENCH_IDLE:-1000}
# Three consecutive ports nobody listens on (a connect to each is refused).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
BASE=${BENCH_PORT:-}
if [ -z "$BASE" ]; then
	for _ in $(seq 20); do
		BASE=$((20000 + RANDOM % 20000))
		port_free $BASE && port_free $((BASE + 1)) && port_free $((BASE + 2)) && break
	done
fi
P_IEDD=$BASE P_PP=$((BASE + 1)) P_IEDD2=$((BASE + 2))
NOISE=${BENCH_NOISE:-0.05}
RETRIES=${BENCH_RETRIES:-15}
RETRY_UNTIL=${BENCH_RETRY_UNTIL:-150}
DISTURBED=0
RETRIED=0
RESULTS=$BUILD/bench-results.txt

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && [ "$NOFILE" -lt $((HOLD + 100)) ]; then
	echo "bench: ulimit -n is $NOFILE; holding $((NOFILE - 100)) associations instead of $HOLD" >&2
	HOLD=$((NOFILE - 100))
fi

T=$(mktemp -d /tmp/iedd-bench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	# iedd's own log lines, for whoever wonders about a number
	cat "$T"/iedd*.log >"$BUILD/bench-iedd.log" 2>/dev/null || true
	rm -rf "$T"
}
# Drops a waited-for process from the list cleanup() kills.
forget() {
	local p n=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || n+=("$p"); done
	PIDS=("${n[@]}")
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers ----

# field JSON KEY: a number or string value from iedd-load's one-line JSON.
field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
load() { taskset -c 1 "$LOAD" "$@"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# utime + stime in clock ticks (proc(5); fields counted after the command name)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
fmt_rate() { printf "%'.0f/s" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2f" : "-"), (b > 0 ? a / b : 0)}'; }

start_iedd() { # PORT LOG -> pid in $SRV
	taskset -c 0 "$IEDD" --listen "127.0.0.1:$1" --max-associations 20000 >"$2" 2>&1 &
	SRV=$!
	PIDS+=("$SRV")
	for _ in $(seq 100); do
		if load probe -c "127.0.0.1:$1" >"$T/probe.json" 2>/dev/null; then return 0; fi
		kill -0 "$SRV" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: iedd did not answer on 127.0.0.1:$1; its log:" >&2
	tail -20 "$2" >&2
	exit 1
}

stop_pid() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	forget "$1"
}

# One load run; keeps its JSON line in $OUT and CLEAN=1 unless disturbed.
# iedd-load reports the CPU other processes used during the window
# (other_cpu); a disturbed run is repeated while time allows.
run() {
	local other
	while :; do
		OUT=$(load "$@") || { echo "bench: iedd-load $* failed" >&2; exit 1; }
		other=$(field "$OUT" other_cpu)
		CLEAN=1
		if [ -n "$other" ] && awk -v o="$other" -v n="$NOISE" 'BEGIN {exit !(o > n)}'; then
			echo "  (disturbed, other_cpu $other) $OUT" >>"$T/raw.log"
			if [ "$RETRIED" -lt "$RETRIES" ] && [ "$SECONDS" -lt "$RETRY_UNTIL" ]; then
				RETRIED=$((RETRIED + 1))
				continue
			fi
			DISTURBED=$((DISTURBED + 1))
			CLEAN=0
		else
			echo "  $OUT" >>"$T/raw.log"
		fi
		return 0
	done
}

# Hold N associations on PORT in the background until release_hold.
hold() { # PORT N
	rm -f "$T/hold.in" "$T/hold.out"
	mkfifo "$T/hold.in"
	load hold -c "127.0.0.1:$1" -n "$2" --max-time 300 <"$T/hold.in" >"$T/hold.out" &
	HOLD_PID=$!
	PIDS+=("$HOLD_PID")
	exec {HOLD_FD}>"$T/hold.in"
	for _ in $(seq 600); do
		[ -s "$T/hold.out" ] && return 0
		kill -0 "$HOLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: holding $2 associations failed" >&2
	exit 1
}
release_hold() {
	exec {HOLD_FD}>&-
	local rc=0
	wait "$HOLD_PID" || rc=$?
	forget "$HOLD_PID"
	[ $rc -eq 0 ] || { echo "bench: the hold run failed" >&2; exit 1; }
}

say() { echo "bench: $*" >&2; }

# ---- the measurements ----

LOADAVG0=$(cut -d' ' -f1-3 /proc/loadavg)
say "iedd on CPU 0 (127.0.0.1:$P_IEDD), load on CPU 1; $RUNS runs of $SECS s each"
start_iedd "$P_IEDD" "$T/iedd.log"
IEDD_PID=$SRV
PROBE=$(cat "$T/probe.json")
REQ=$(field "$PROBE" req_bytes)
RESP=$(field "$PROBE" resp_bytes)
say "Identify TPKTs: request $REQ, response $RESP octets"

taskset -c 0 "$PINGPONG" --listen "127.0.0.1:$P_PP" --response-size "$RESP" --max-time 900 \
	2>"$T/pingpong.log" &
PP_PID=$!
PIDS+=("$PP_PID")
PP_UP=
for _ in $(seq 50); do
	load raw -c "127.0.0.1:$P_PP" -n 1 -t 0.05 --warmup 0 >/dev/null 2>&1 && { PP_UP=1; break; }
	kill -0 "$PP_PID" 2>/dev/null || break
	sleep 0.1
done
[ -n "$PP_UP" ] || { echo "bench: pingpong did not answer:" >&2; cat "$T/pingpong.log" >&2; exit 1; }

declare -A R
# collect KEY JSON: appends rate, p50, p99, server µs per op, client CPU to
# R[KEY.*], and to R[KEY.*.clean] when the run was not disturbed.
collect() {
	local f k v
	for f in rate:rate p50:p50_us p99:p99_us sus:server_us_per_op ccpu:client_cpu; do
		k=${f%%:*}
		v=$(field "$2" "${f#*:}")
		R[$1.$k]+=" $v"
		[ "$CLEAN" = 0 ] || R[$1.$k.clean]+=" $v"
	done
}
# Median over the undisturbed runs, or over all when every one was disturbed.
# shellcheck disable=SC2086 # the runs are a space-separated list on purpose
med() { if [ -n "${R[$1.clean]:-}" ]; then median ${R[$1.clean]}; else median ${R[$1]}; fi; }

for r in $(seq "$RUNS"); do
	say "run $r/$RUNS: Identify at 1, 16, 64 associations (ceiling, then iedd), 16 x depth 5"
	for n in 1 16 64; do
		run raw -c "127.0.0.1:$P_PP" -n $n -d 1 -t "$SECS" --request-size "$REQ" --server-pid "$PP_PID"
		collect "pp$n" "$OUT"
		run identify -c "127.0.0.1:$P_IEDD" -n $n -d 1 -t "$SECS" --server-pid "$IEDD_PID"
		collect "id$n" "$OUT"
	done
	run raw -c "127.0.0.1:$P_PP" -n 16 -d 5 -t "$SECS" --request-size "$REQ" --server-pid "$PP_PID"
	collect pp16d5 "$OUT"
	run identify -c "127.0.0.1:$P_IEDD" -n 16 -d 5 -t "$SECS" --server-pid "$IEDD_PID"
	collect id16d5 "$OUT"
	say "run $r/$RUNS: association set-up with 1 and 16 workers"
	for w in 1 16; do
		run assoc -c "127.0.0.1:$P_IEDD" -w $w -t "$SECS" --server-pid "$IEDD_PID"
		collect "as$w" "$OUT"
	done
done
stop_pid "$PP_PID"
stop_pid "$IEDD_PID"

say "memory: $HOLD idle associations on a fresh iedd"
start_iedd "$P_IEDD2" "$T/iedd2.log"
IEDD_PID=$SRV
sleep 0.5
RSS0=$(rss_kib "$IEDD_PID")
hold "$P_IEDD2" "$HOLD"
HOLD_SETUP=$(field "$(cat "$T/hold.out")" setup_s)
sleep 0.5
RSS1=$(rss_kib "$IEDD_PID")
release_hold
sleep 0.5
RSS2=$(rss_kib "$IEDD_PID")
PER_ASSOC=$(awk -v a="$RSS0" -v b="$RSS1" -v n="$HOLD" 'BEGIN {printf "%.1f", (b - a) / n}')

say "idle cost: $IDLE idle associations, iedd CPU over 10 s, then 1 active client with and without them"
hold "$P_IEDD2" "$IDLE"
sleep 1
C0=$(cpu_ticks "$IEDD_PID")
sleep 10
C1=$(cpu_ticks "$IEDD_PID")
HZ=$(getconf CLK_TCK)
IDLE_CPU=$(awk -v a="$C0" -v b="$C1" -v hz="$HZ" 'BEGIN {printf "%.2f", (b - a) * 100 / hz / 10}')
for r in $(seq "$RUNS"); do
	[ "$r" -eq 1 ] || hold "$P_IEDD2" "$IDLE"
	run identify -c "127.0.0.1:$P_IEDD2" -n 1 -t "$SECS" --server-pid "$IEDD_PID"
	collect idle_with "$OUT"
	release_hold
	run identify -c "127.0.0.1:$P_IEDD2" -n 1 -t "$SECS" --server-pid "$IEDD_PID"
	collect idle_without "$OUT"
done
stop_pid "$IEDD_PID"

# ---- the table ----

{
	echo "iedd benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'); source HEAD $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?'), iedd built $(date -u -r "$IEDD" '+%Y-%m-%d %H:%M UTC')"
	echo "$(nproc --all) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); server on CPU 0, load on CPU 1"
	echo "load average before $LOADAVG0, after $(cut -d' ' -f1-3 /proc/loadavg); disturbed runs (other processes > $NOISE CPU): $RETRIED repeated, $DISTURBED kept but left out of medians where possible"
	echo "median of $RUNS runs x $SECS s (0.5 s warm-up); Identify TPKTs $REQ/$RESP octets; ceiling = pingpong (epoll, send from the read handler)"
	echo
	printf '%-30s %12s %12s %6s %15s %15s %11s\n' "Identify, depth 1" "iedd" "ceiling" "ratio" \
		"iedd p50/p99" "ceil p50/p99" "srv us/req"
	for n in 1 16 64; do
		printf '%-30s %12s %12s %6s %15s %15s %11s\n' "  $n association$([ $n -gt 1 ] && echo s)" \
			"$(fmt_rate "$(med id$n.rate)")" "$(fmt_rate "$(med pp$n.rate)")" \
			"$(ratio "$(med id$n.rate)" "$(med pp$n.rate)")" \
			"$(med id$n.p50)/$(med id$n.p99)us" "$(med pp$n.p50)/$(med pp$n.p99)us" \
			"$(med id$n.sus)/$(med pp$n.sus)"
	done
	printf '%-30s %12s %12s %6s %15s %15s %11s\n' "  16 assoc x 5 in flight" \
		"$(fmt_rate "$(med id16d5.rate)")" "$(fmt_rate "$(med pp16d5.rate)")" \
		"$(ratio "$(med id16d5.rate)" "$(med pp16d5.rate)")" \
		"$(med id16d5.p50)/$(med id16d5.p99)us" "$(med pp16d5.p50)/$(med pp16d5.p99)us" \
		"$(med id16d5.sus)/$(med pp16d5.sus)"
	echo
	printf '%-30s %12s %28s %11s\n' "Association set-up" "iedd" "p50/p99 (connect..close)" "srv us/op"
	for w in 1 16; do
		printf '%-30s %12s %28s %11s\n' "  $w worker$([ $w -gt 1 ] && echo s)" \
			"$(fmt_rate "$(med as$w.rate)")" "$(med as$w.p50)/$(med as$w.p99)us" "$(med as$w.sus)"
	done
	echo
	echo "Memory, $HOLD idle associations (set up in ${HOLD_SETUP} s)"
	echo "  iedd VmRSS before ${RSS0} KiB, holding ${RSS1} KiB, after release ${RSS2} KiB"
	echo "  => ${PER_ASSOC} KiB per association"
	echo
	echo "Idle cost, $IDLE idle associations"
	echo "  iedd CPU over 10 s idle: ${IDLE_CPU} %"
	printf '  1 active client: %s with them, %s without (ratio %s); p50/p99 %s vs %s us\n' \
		"$(fmt_rate "$(med idle_with.rate)")" "$(fmt_rate "$(med idle_without.rate)")" \
		"$(ratio "$(med idle_with.rate)" "$(med idle_without.rate)")" \
		"$(med idle_with.p50)/$(med idle_with.p99)" "$(med idle_without.p50)/$(med idle_without.p99)"
	echo
	echo "srv us/req: server CPU time per request (iedd/pingpong) over the window, from /proc/PID/stat."
	echo "Load generator CPU (fraction of CPU 1), medians: 16 assoc $(med id16.ccpu) (iedd) / $(med pp16.ccpu) (ceiling); 64 assoc $(med id64.ccpu) / $(med pp64.ccpu)"
} >"$T/table.txt"

cp "$T/table.txt" "$RESULTS"
{ echo; echo "raw results:"; cat "$T/raw.log"; } >>"$RESULTS"
echo
cat "$T/table.txt"
echo
say "written to $RESULTS (with every raw result line); iedd's log in $BUILD/bench-iedd.log"
