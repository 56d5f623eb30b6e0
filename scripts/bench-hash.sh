#!/usr/bin/env bash
# Throughput and peak RSS of `swarmec hash` on a generated file, at several levels.
# Usage: scripts/bench-hash.sh [SIZE_MIB] [LEVELS...]     (default: 512 MiB, levels 0 2 4)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-512}
shift || true
levels=("${@:-0 2 4}")
cargo build --release --quiet
bin=target/release/swarmec
file=$(mktemp -p "${TMPDIR:-/tmp}" swarmec-bench.XXXXXX)
trap 'rm -f "$file"' EXIT
# Non-repeating input: every chunk differs (a repeated block would be stored once).
head -c "$((size_mib << 20))" /dev/urandom > "$file"
cat "$file" > /dev/null
printf "%-6s %-8s %10s %10s %12s\n" level enc seconds "MB/s" "peak RSS MiB"
for level in ${levels[@]}; do
  for enc in "" "--encrypt"; do
    out=$( { /usr/bin/time -v "$bin" hash "$file" --level "$level" $enc > /dev/null; } 2>&1 )
    secs=$(echo "$out" | awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(echo "$out" | awk -F': ' '/Maximum resident set size/ {print $2}')
    mbps=$(python3 -c "print(f'{$size_mib*1048576/1e6/max($secs,1e-9):.1f}')")
    printf "%-6s %-8s %10s %10s %12s\n" "$level" "${enc:-plain}" "$secs" "$mbps" "$((rss/1024))"
  done
done
