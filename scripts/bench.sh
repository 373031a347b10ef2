#!/bin/sh
# End-to-end benchmark of `nullsight scan` against `evtx_dump -o jsonl` (BENCHMARKS.md).
# usage: scripts/bench.sh [--runs N] [--dir DIR] [--only NAME]
set -eu
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null 2>&1 || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 1; }
command -v evtx_dump >/dev/null 2>&1 || cargo install evtx --version 0.15.1 --locked
cargo build --release --bin nullsight
exec cargo bench --bench scan -- "$@"
