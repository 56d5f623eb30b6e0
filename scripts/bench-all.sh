#!/usr/bin/env bash
# Issue 8's benchmark table in one run: the per-core 8-lane BMT bound from our own kernel bench, then
# `swarmec hash` of a SIZE MiB file at levels 0, 2 and 4 (plain and encrypted, with peak RSS), upload
# to the embedded store and download without and with maximal recoverable loss, each as a ratio to
# that bound. Usage: scripts/bench-all.sh [SIZE_MIB] (default 512; upload/download use half of it).
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-512}
echo "== machine"
lscpu | grep -E "Model name|^CPU\(s\)"
for f in avx2 avx512f avx512bw avx512vl gfni; do grep -qw "$f" /proc/cpuinfo && echo "has $f" || echo "no $f"; done | paste -sd" "
echo "== per-core 8-lane BMT bound (cargo bench --bench bmt -- keccak_f1600_bmt_bound)"
cargo bench --quiet --bench bmt -- keccak_f1600_bmt_bound --warm-up-time 1 --measurement-time 3 >/dev/null
scripts/criterion-medians.py keccak_f1600_bmt_bound
bound=$(scripts/criterion-medians.py keccak_f1600_bmt_bound | sort -k4 -n | tail -1 | awk '{print $4}')
echo "bound: $bound MB/s per core; two cores: $(python3 -c "print(2*$bound)") MB/s"
echo "== swarmec hash, $mib MiB (scripts/bench-hash.sh $mib 0 2 4)"
scripts/bench-hash.sh "$mib" 0 2 4 | tee /tmp/swarmec-bench-hash.txt
python3 - "$bound" <<'PY'
import sys
bound = float(sys.argv[1])
rows = [l.split() for l in open("/tmp/swarmec-bench-hash.txt") if l[:1].isdigit()]
print(f"{'level':6} {'enc':9} {'MB/s':>8} {'/bound':>7} {'/2xbound':>9}")
for level, enc, secs, mbps, rss in rows:
    m = float(mbps)
    print(f"{level:6} {enc:9} {m:8.1f} {m/bound:7.2f} {m/(2*bound):9.2f}")
PY
half=$((mib / 2))
echo "== upload to redb and download, $half MiB (cargo run --release --example bench_download -- $half 0 2 4)"
cargo run --quiet --release --example bench_download -- "$half" 0 2 4 | tee /tmp/swarmec-bench-dl.txt
python3 - "$bound" <<'PY'
import sys
bound = float(sys.argv[1])
def f(x):
    try: return float(x)
    except ValueError: return None
print(f"{'level':9} {'upload/bound':>12} {'clean/bound':>12} {'lossy/bound':>12}")
for l in open("/tmp/swarmec-bench-dl.txt"):
    c = [x.strip() for x in l.strip().strip("|").split("|")]
    if len(c) < 5 or f(c[2]) is None: continue
    up, clean, lossy = f(c[2]), f(c[3]), f(c[4])
    r = lambda v: f"{v/bound:12.2f}" if v is not None else f"{'-':>12}"
    print(f"{c[0]:9} {r(up)} {r(clean)} {r(lossy)}")
PY
echo "== CLI upload and download, $mib MiB at level 2: wall time and peak RSS"
cargo build --quiet --release
dir=$(mktemp -d)
file="$dir/data"
python3 -c "
import os
with open('$file','wb') as f:
    for i in range($mib): f.write(os.urandom(1<<20))
"
ref=$(target/release/swarmec hash "$file" --level 2)
for step in upload download; do
  if [ $step = upload ]; then cmd=(target/release/swarmec upload "$file" --level 2 --data-dir "$dir/store");
  else cmd=(target/release/swarmec download "$ref" --data-dir "$dir/store" -o "$dir/out"); fi
  out=$( { /usr/bin/time -f "%e %M" "${cmd[@]}" > /dev/null; } 2>&1 | tail -1 )
  python3 -c "s,k='$out'.split(); print(f'$step: {float(s):.2f} s, {$mib*1048576/1e6/float(s):.1f} MB/s, peak RSS {int(k)//1024} MiB')"
done
cmp "$file" "$dir/out" && echo "download matches"
rm -rf "$dir"
