#!/bin/sh
# Set up, build, and run iedd on the embedded default configuration.
#   scripts/run.sh [iedd options...]
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
echo
echo "iedd listens on 127.0.0.1:10102 (embedded default configuration)."
echo "Try, from another terminal:  build/tools/iedc identify 127.0.0.1:10102"
echo "Stop with Ctrl-C."
echo
exec build/daemon/iedd -v "$@"
