#!/usr/bin/env bash
# Issue 12's check of a loopback network as a new user would run it: eight `swarmec node` processes,
# a 5 MB file uploaded at level 3 through one node as soon as that node is ready, downloaded through
# another, RUNS times in a row (a fresh network each time); then two of the eight are killed and the
# last file must still come back. Prints one line per run and a summary; exits 1 on any failure.
#
#   scripts/loopback-cluster.sh [RUNS]        # default 20; SWARMEC=path/to/swarmec
set -uo pipefail
runs=${1:-20}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
swarmec=${SWARMEC:-$root/target/release/swarmec}
[[ -x "$swarmec" ]] || { echo "no swarmec binary at $swarmec (cargo build --release, or set SWARMEC)"; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
head -c 5000000 /dev/urandom > "$work/file"

# One postage batch for the whole script, owned by the uploader's data directory. The same file
# falls in the same buckets every run; a `swarmec upload` that exits cleanly takes one slot per
# chunk, but one that crashes loses the rest of its leases (blocks of 16 slots per bucket,
# LEASE_SLOTS in src/stamps/issuer.rs). An immutable batch of depth 16 + ceil(log2(16 x RUNS)) (25
# for 20 runs: 512 slots per bucket) has room for that in every run, and were it to fill, the upload
# would fail with "bucket full" instead of silently overwriting earlier stamps as a mutable one does.
depth=17
while (( (1 << (depth - 16)) < 16 * runs )); do depth=$((depth + 1)); done
mkdir -p "$work/uploader"
batch=$("$swarmec" stamp create --depth "$depth" --amount 1 --immutable --data-dir "$work/uploader") \
    || { echo "stamp create failed"; exit 2; }

# Starts node $1 (bootstrapping through $2 if given); waits for its `ready`; sets $listen.
start() {
    local i=$1 boot=${2:-}
    mkdir -p "$work/n$i"
    local args=(node --data-dir "$work/n$i" --listen /ip4/127.0.0.1/tcp/0 --network-id 10)
    [[ -n "$boot" ]] && args+=(--bootstrap "$boot")
    "$swarmec" "${args[@]}" > "$work/n$i.out" 2> "$work/n$i.err" &
    pids[$i]=$!
    for _ in $(seq 1 200); do
        grep -q '^ready' "$work/n$i.out" 2>/dev/null && break
        sleep 0.05
    done
    listen=$(grep -m1 '^listen ' "$work/n$i.out" | cut -d' ' -f2)
}

failures=0
for run in $(seq 1 "$runs"); do
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    pids=()
    rm -rf "$work"/n*
    start 0
    first=$listen
    addrs=("$first")
    for i in $(seq 1 7); do
        start "$i" "$first"
        addrs+=("$listen")
    done
    up=$((run % 8))
    down=$(((run + 3) % 8))
    t0=$(date +%s.%N)
    if ! ref=$("$swarmec" upload "$work/file" --level 3 --peer "${addrs[$up]}" --network-id 10 \
        --stamp "$batch" --data-dir "$work/uploader" 2> "$work/up.err"); then
        echo "run $run: upload through node $up failed: $(tail -n1 "$work/up.err")"
        failures=$((failures + 1))
        continue
    fi
    t1=$(date +%s.%N)
    if "$swarmec" download "$ref" -o "$work/out" --peer "${addrs[$down]}" --network-id 10 2> "$work/down.err" \
        && cmp -s "$work/file" "$work/out"; then
        t2=$(date +%s.%N)
        printf 'run %d: ok (upload via %d %.1f s, download via %d %.1f s)\n' "$run" "$up" \
            "$(echo "$t1 - $t0" | bc)" "$down" "$(echo "$t2 - $t1" | bc)"
    else
        echo "run $run: download through node $down failed: $(tail -n1 "$work/down.err")"
        failures=$((failures + 1))
    fi
done

# Kill two nodes (not the one downloaded through) and read the last file again.
killed=0
for i in 1 2 3 4 5 6 7; do
    [[ $i -eq $down ]] && continue
    kill -KILL "${pids[$i]}" 2>/dev/null && killed=$((killed + 1))
    [[ $killed -eq 2 ]] && break
done
if "$swarmec" download "$ref" -o "$work/out" --peer "${addrs[$down]}" --network-id 10 2> "$work/down.err" \
    && cmp -s "$work/file" "$work/out"; then
    echo "after killing 2 of 8: ok"
else
    echo "after killing 2 of 8: failed: $(tail -n1 "$work/down.err")"
    failures=$((failures + 1))
fi
echo "$runs runs, $failures failures"
[[ $failures -eq 0 ]]
