#!/bin/sh
# Instructions executed by one `nullsight scan` (valgrind's cachegrind), one thread, no
# isolation: a count that does not change from run to run, for comparing two versions on a
# shared machine whose times vary by 15-30 % (BENCHMARKS.md). Memory-bound work counts for less
# than it costs: confirm a gain with scripts/bench.sh.
# usage: scripts/instructions.sh [NULLSIGHT] INPUT [SCAN OPTIONS...]
#   e.g. scripts/instructions.sh target/release/nullsight /tmp/w32.evtx --events /tmp/e.jsonl
#   (with an annotated profile: CG_OUT=cg.out scripts/instructions.sh ...; cg_annotate cg.out)
set -eu
command -v valgrind >/dev/null 2>&1 || { echo "needs valgrind: apt-get install -y valgrind" >&2; exit 1; }
bin=target/release/nullsight
if [ -x "$1" ] && [ ! -d "$1" ] && [ "${1%.evtx}" = "$1" ]; then bin=$1; shift; fi
input=$1; shift
valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="${CG_OUT:-/dev/null}" \
    "$bin" scan --no-isolation --quiet --threads 1 "$input" "$@" 2>&1 >/dev/null |
    sed -n 's/^==[0-9]*== I *refs: *//p'
