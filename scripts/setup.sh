#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs what iedd needs to build (and, with --tests, to test) on Debian 12,
# then configures and builds it in ./build. Used by run.sh and test.sh.
#   scripts/setup.sh [--tests]
set -eu
cd "$(dirname "$0")/.."

PKGS="gcc make meson ninja-build pkg-config python3 libevent-dev libgnutls28-dev libxml2-dev libpcap-dev libmodbus-dev gnutls-bin openssl"
if [ "${1:-}" = "--tests" ]; then
	# Check for unit tests, tshark as the protocol referee, clang + its
	# runtime for the fuzz targets and sanitizers, procps/util-linux for
	# the benchmark (taskset, ps), groff and xmllint for the man page
	# checks (tests/config/check_man*.py).
	PKGS="$PKGS check tshark clang libclang-rt-14-dev procps util-linux groff-base libxml2-utils"
	# the status page in a real browser, its metrics through Prometheus'
	# own parser and promtool (tests/integration/test_http.py)
	PKGS="$PKGS chromium prometheus python3-prometheus-client"
	# testssl.sh against the TLS listener (tests/integration/test_testssl.py)
	PKGS="$PKGS testssl.sh"
	# systemd-analyze security for the units, and the Debian packages built,
	# checked and installed (tests/packaging)
	PKGS="$PKGS systemd debhelper dpkg-dev fakeroot lintian"
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "iedd: missing Debian packages:$missing" >&2
		echo "iedd: run as root:  apt-get install -y$missing" >&2
		exit 1
	fi
	echo "iedd: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# With --tests the tests are a required part of the build (-Dtests=enabled:
# a missing test dependency fails here, loudly), and an existing build/ is
# configured again, so one configured earlier without them (by run.sh, before
# Check was installed) gains them. Without --tests, build/ is configured once
# with the tests where their dependencies are present.
if [ "${1:-}" = "--tests" ] && [ -f build/build.ninja ]; then
	out=$(meson setup --reconfigure build -Dtests=enabled 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
elif [ "${1:-}" = "--tests" ]; then
	out=$(meson setup build -Dtests=enabled 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
elif [ ! -f build/build.ninja ]; then
	out=$(meson setup build 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
fi
ninja -C build
