#!/usr/bin/env bash
# bee-js's MerkleTree against `swarmec hash --level 0` on the same generated file: the same root, and
# the throughput of each. Usage: scripts/bench-beejs.sh [SIZE_MIB] (default 256).
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-256}
cargo build --release --quiet
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp tests/js/package.json tests/js/package-lock.json scripts/beejs-merkle.mjs "$scratch/"
(cd "$scratch" && npm ci --no-audit --no-fund --silent >/dev/null)
python3 -c "
import hashlib,sys
with open('$scratch/data','wb') as f:
    for i in range($mib):
        f.write(b''.join(hashlib.sha256((i*32768+j).to_bytes(8,'little')).digest() for j in range(32768)))
"
start=$(date +%s.%N)
ours=$(target/release/swarmec hash "$scratch/data" --level 0)
end=$(date +%s.%N)
theirs=$(cd "$scratch" && node beejs-merkle.mjs data)
python3 - "$ours" "$theirs" "$start" "$end" "$mib" <<'PY'
import json, sys
ours, theirs, start, end, mib = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
size = mib * 1048576
secs = end - start
print(f"same root: {ours == theirs['reference']} ({ours})")
print(f"swarmec hash --level 0: {secs:.2f} s, {size/1e6/secs:.1f} MB/s")
print(f"bee-js MerkleTree:      {theirs['seconds']:.2f} s, {theirs['mb_per_s']:.1f} MB/s")
print(f"ratio: {theirs['seconds']/secs:.1f}x")
PY
