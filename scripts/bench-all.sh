#!/usr/bin/env bash
# Issue 15's benchmark tables in one run: the per-core 8-lane BMT bound from our own kernel bench;
# `swarmec hash` and `swarmec upload` (into a fresh embedded store, fsync included) of one SIZE MiB
# file at levels 0, 2 and 4, plain and encrypted, with wall time and peak RSS of each, as ratios to
# that bound and upload to hash; download without and with maximal recoverable loss (the
# bench_download example, half the size); the chunk store designs side by side (benches/store.rs
# with fjall, 128 MiB); the CLI download of the level-2 upload.
# Usage: scripts/bench-all.sh [SIZE_MIB] (default 512). Prints the load average before and after:
# other work on the machine skews every number, the ratios of one run less so.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-512}
echo "== machine"
lscpu | grep -E "Model name|^CPU\(s\)"
for f in avx2 avx512f avx512bw avx512vl gfni; do grep -qw "$f" /proc/cpuinfo && echo "has $f" || echo "no $f"; done | paste -sd" "
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --quiet --release --bin swarmec
bin=target/release/swarmec
echo "== per-core 8-lane BMT bound (cargo bench --bench bmt -- keccak_f1600_bmt_bound)"
cargo bench --quiet --bench bmt -- keccak_f1600_bmt_bound --warm-up-time 1 --measurement-time 3 >/dev/null
scripts/criterion-medians.py keccak_f1600_bmt_bound
bound=$(scripts/criterion-medians.py keccak_f1600_bmt_bound | sort -k4 -n | tail -1 | awk '{print $4}')
echo "bound: $bound MB/s per core; two cores: $(python3 -c "print(2*$bound)") MB/s"

dir=$(mktemp -d -p "${TMPDIR:-/tmp}" swarmec-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
file="$dir/data"
# Non-repeating input: every chunk differs (a repeated block would be stored once).
head -c "$((mib << 20))" /dev/urandom > "$file"
cat "$file" > /dev/null

# Runs a command under /usr/bin/time; prints "seconds peak-RSS-KiB".
timed() {
  /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > /dev/null
  cat "$dir/time"
}

echo "== swarmec hash and upload, $mib MiB"
printf "%-6s %-9s %9s %9s %8s %9s %9s %8s %8s %9s\n" \
  level enc "hash MB/s" "/2xbound" "RSS MiB" "upl MB/s" "/2xbound" "RSS MiB" "upl/hash" "disk MiB"
for level in 0 2 4; do
  for enc in plain encrypted; do
    flag=(); [ "$enc" = encrypted ] && flag=(--encrypt)
    read -r hs hk < <(timed "$bin" hash "$file" --level "$level" "${flag[@]}")
    rm -rf "$dir/store"
    read -r us uk < <(timed "$bin" upload "$file" --level "$level" "${flag[@]}" --data-dir "$dir/store")
    disk=$(du -sm "$dir/store" | cut -f1)
    python3 - "$mib" "$bound" "$level" "$enc" "$hs" "$hk" "$us" "$uk" "$disk" <<'PY'
import sys
mib, bound = int(sys.argv[1]), float(sys.argv[2])
level, enc = sys.argv[3], sys.argv[4]
hs, hk, us, uk, disk = float(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8]), sys.argv[9]
mb = mib * 1048576 / 1e6
h, u = mb / max(hs, 1e-9), mb / max(us, 1e-9)
print(f"{level:6} {enc:9} {h:9.1f} {h/(2*bound):9.2f} {hk//1024:8} {u:9.1f} {u/(2*bound):9.2f} {uk//1024:8} {u/h:8.2f} {disk:>9}")
PY
  done
done

echo "== CLI download of the level-2 upload ($mib MiB)"
rm -rf "$dir/store"
ref=$("$bin" upload "$file" --level 2 --data-dir "$dir/store" 2>/dev/null | tail -1 | awk '{print $NF}')
read -r ds dk < <(timed "$bin" download "$ref" --data-dir "$dir/store" -o "$dir/out")
cmp "$file" "$dir/out" && echo "download matches"
python3 -c "print(f'download: {$ds:.2f} s, {$mib*1048576/1e6/max($ds,1e-9):.1f} MB/s, peak RSS {$dk//1024} MiB')"
rm -rf "$dir/store" "$dir/out"

half=$((mib / 2))
echo "== download without and with maximal loss, $half MiB (cargo run --release --example bench_download -- $half 0 2 4)"
cargo run --quiet --release --example bench_download -- "$half" 0 2 4 | tee "$dir/dl.txt"
python3 - "$bound" "$dir/dl.txt" <<'PY'
import sys
bound = float(sys.argv[1])
def f(x):
    try: return float(x)
    except ValueError: return None
print(f"{'level':9} {'upload/bound':>12} {'clean/bound':>12} {'lossy/bound':>12}")
for l in open(sys.argv[2]):
    c = [x.strip() for x in l.strip().strip("|").split("|")]
    if len(c) < 5 or f(c[2]) is None: continue
    up, clean, lossy = f(c[2]), f(c[3]), f(c[4])
    r = lambda v: f"{v/bound:12.2f}" if v is not None else f"{'-':>12}"
    print(f"{c[0]:9} {r(up)} {r(clean)} {r(lossy)}")
PY

echo "== chunk store designs, 128 MiB (cargo bench --bench store --features bench-fjall -- 128)"
cargo bench --quiet --bench store --features bench-fjall -- 128
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
