#!/usr/bin/env bash
# Fuzzing campaign: run every cargo-fuzz target (or the ones named) for SECONDS each, starting
# from seeds made by nullsight's own writers, and print per-target figures.
#
#   scripts/fuzz.sh 300              # every target, 5 minutes each
#   scripts/fuzz.sh 60 evtx xml      # two targets, 1 minute each
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). A crashing or
# hanging input lands in fuzz/artifacts/<target>/: fix the bug, then copy the input to
# fuzz/regressions/<target>/ so `cargo test` replays it forever (tests/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(xml jsonl evtx config reg inf pol auditpol hive lsa)
fi
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
cargo run -q --release --example fuzz_seeds -- "$seeds"
cargo +nightly fuzz build --release >/dev/null
printf '| target | seconds | executions | exec/s | corpus | crashes |\n|---|---|---|---|---|---|\n'
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    # EVTX chunks are 64 KiB: let inputs grow past one.
    maxlen=16384
    [ "$t" = evtx ] && maxlen=135168
    log=$(mktemp)
    before=$(ls "fuzz/artifacts/$t" | wc -l)
    # -rss_limit_mb and -timeout make memory blow-ups and hangs findings too.
    cargo +nightly fuzz run --release "$t" "fuzz/corpus/$t" "$seeds/$t" -- \
        -max_total_time="$secs" -max_len="$maxlen" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1 || true
    after=$(ls "fuzz/artifacts/$t" | wc -l)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    corpus=$(ls "fuzz/corpus/$t" | wc -l)
    printf '| %s | %s | %s | %s | %s | %s |\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "$corpus" "$((after - before))"
    if [ "$after" -gt "$before" ]; then
        grep -E 'ERROR|panicked|SUMMARY' "$log" | head -5 | sed 's/^/    /'
    fi
    rm -f "$log"
done
