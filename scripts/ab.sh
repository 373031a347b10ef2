#!/bin/sh
# Two or more commands run one after the other, RUNS times each, taking turns (A B C A B C
# ...), each after a `sync`: their minimum and median wall and CPU (user + system) times. On a
# shared machine whose times move by 15-30 % from minute to minute (BENCHMARKS.md), taking
# turns is what makes a gain of a few per cent between two binaries visible.
# usage: scripts/ab.sh RUNS 'COMMAND A' 'COMMAND B' ['COMMAND C' ...]
#   e.g. scripts/ab.sh 20 "/tmp/old scan -q --events /tmp/e.jsonl --json /tmp/s.json IN.evtx" \
#                         "target/release/nullsight scan -q --events /tmp/e.jsonl --json /tmp/s.json IN.evtx" \
#                         "evtx_dump -o jsonl IN.evtx"
set -eu
[ $# -ge 3 ] || { echo "usage: $0 RUNS 'COMMAND A' 'COMMAND B' ['COMMAND C' ...]" >&2; exit 2; }
command -v /usr/bin/time >/dev/null 2>&1 || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 1; }
runs=$1
shift
[ $# -le 26 ] || { echo "at most 26 commands (A to Z)" >&2; exit 2; }
times=$(mktemp)
trap 'rm -f "$times"' EXIT
label() { printf "\\$(printf '%03o' $((64 + $1)))"; }
i=0
while [ "$i" -lt "$runs" ]; do
    n=0
    for cmd in "$@"; do
        n=$((n + 1))
        sync
        /usr/bin/time -f "$(label $n) %e %U %S" -a -o "$times" sh -c "$cmd" >/dev/null 2>&1 ||
            { echo "command $(label $n) failed: $cmd" >&2; exit 1; }
    done
    i=$((i + 1))
done
n=0
for cmd in "$@"; do
    n=$((n + 1))
    which=$(label $n)
    for col in wall cpu; do
        awk -v w="$which" -v c="$col" '$1 == w { print (c == "wall") ? $2 : $3 + $4 }' "$times" |
            sort -n | awk -v w="$which" -v c="$col" '
                { v[NR] = $1 }
                END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                      printf "%s %s: n=%d min %.2f s median %.2f s\n", w, c, NR, v[1], m }'
    done
done
