#!/usr/bin/env bash
# Issue 12's network benchmark: an 8-node loopback cluster (one `swarmec node` process per node)
# against the local store, on the same file in the same run. For each level: a local upload into a
# fresh data directory and a download from it, then a stamped upload through node 0 and a download
# through node 5 of a fresh cluster (so that no node holds a chunk of an earlier level) as a
# libp2p client (`download --peer`), and through node 6's HTTP API (`GET /bytes/{ref}`, what bee-js
# and curl do; another node, so that neither download finds the other's retrievals cached), each
# result byte-compared with the input. Prints MB/s (10^6 bytes per second of the file's size),
# the network/local ratios against issue 12's targets (upload >= 0.25, download >= 0.5), the CPU
# seconds each process spent in each phase (from /proc/PID/stat and /usr/bin/time) and the nodes'
# peak RSS (VmHWM). Builds nothing; all data lives in one mktemp directory, removed on exit.
#
#   scripts/bench-network.sh [SIZE_MIB] [LEVELS]     # default 256 "0 2"; SWARMEC=path/to/swarmec
#   STORAGE_RADIUS=R  starts the nodes with `--storage-radius R` (default 0: in 8 nodes every node
#                     is in every neighbourhood, so pull sync copies every chunk to all of them)
#   PERF_OUT=FILE  also records `perf record -g` of the nodes during each network upload (FILE.LEVEL)
#                  and of the whole machine during the `--peer` download (FILE.LEVEL.down) and
#                  of the API node during its download (FILE.LEVEL.api)
#   SHOW_STATUS=1  prints the API node's `GET /status` (reserve size, radius) before its download
set -uo pipefail
size_mib=${1:-256}
levels=${2:-"0 2"}
nodes=8
up_node=0
down_node=5
api_node=6
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
swarmec=${SWARMEC:-$root/target/release/swarmec}
[[ -x "$swarmec" ]] || { echo "no swarmec binary at $swarmec (cargo build --release, or set SWARMEC)"; exit 2; }
work=$(mktemp -d)
pids=()
stop_nodes() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    pids=()
}
cleanup() {
    stop_nodes
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bytes=$((size_mib * 1048576))
head -c "$bytes" /dev/urandom > "$work/file"
cat "$work/file" > /dev/null

now() { date +%s.%N; }
mbps() { echo "scale=1; $bytes / 1000000 / ($2 - $1)" | bc; }
ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }
# CPU seconds (user + system) a live process has used so far.
cpu_of() { awk -v t="$(getconf CLK_TCK)" '{ print ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Runs a command under /usr/bin/time; its CPU seconds and peak RSS (KiB) go to $work/time.
timed() { /usr/bin/time -f '%U %S %M' -o "$work/time" "$@"; }
client_cpu() { awk '{ printf "%.1f", $1 + $2 }' "$work/time"; }
client_rss() { awk '{ printf "%d", $3 / 1024 }' "$work/time"; }
# Every node's CPU seconds so far, space-separated (node 0 first).
node_cpus() { for i in $(seq 0 $((nodes - 1))); do cpu_of "${pids[$i]}"; done | paste -sd' '; }
# With PERF_OUT set, starts `perf record -g` into $1 with the target options that follow.
perf_pid=
perf_start() {
    [[ -n "${PERF_OUT:-}" ]] || return 0
    local out=$1
    shift
    perf record -q -g "$@" -o "$out" 2> /dev/null &
    perf_pid=$!
}
perf_stop() { [[ -z "$perf_pid" ]] || { kill -INT "$perf_pid"; wait "$perf_pid"; }; perf_pid=; }
# Whether a download (exit status $1) wrote exactly the file to $2; says why not ($3: which,
# $4: its stderr).
fetched() {
    [[ $1 -eq 0 ]] && cmp -s "$work/file" "$2" && return 0
    echo "$3 failed: $(tail -n1 "$4")"
    return 1
}

# Starts node $1 (bootstrapping through $2 if given) in $work/net/n$1; waits for its `ready`
# (30 s at most); sets $listen.
start() {
    local i=$1 boot=${2:-}
    mkdir -p "$work/net/n$i"
    local args=(node --data-dir "$work/net/n$i" --listen /ip4/127.0.0.1/tcp/0 --network-id 10
        --storage-radius "${STORAGE_RADIUS:-0}")
    [[ -n "$boot" ]] && args+=(--bootstrap "$boot")
    [[ $i -eq $api_node ]] && args+=(--api 127.0.0.1:0)
    "$swarmec" "${args[@]}" > "$work/net/n$i.out" 2> "$work/net/n$i.err" &
    pids[$i]=$!
    for _ in $(seq 1 600); do
        grep -q '^ready' "$work/net/n$i.out" 2>/dev/null && break
        sleep 0.05
    done
    grep -q '^ready' "$work/net/n$i.out" || { echo "node $i not ready after 30 s: $(tail -n1 "$work/net/n$i.err")"; exit 1; }
    listen=$(grep -m1 '^listen ' "$work/net/n$i.out" | cut -d' ' -f2)
    [[ $i -eq $api_node ]] && api=$(grep -m1 '^api ' "$work/net/n$i.out" | cut -d' ' -f2)
}

# The batch must hold one upload's chunks (at most ~3.3 per data chunk, at paranoid) in 2^16
# buckets. One `swarmec upload` process leases a bucket's slots 16 at a time (LEASE_SLOTS), so a
# bucket holding k chunks uses 16 * ceil(k / 16) slots. With a mean load m per bucket the fullest
# of 65536 buckets stays below m + 10 sqrt(m) (Poisson tail ~ 1e-20); round that up by a lease,
# then to a power of two, and take at least depth 24 (256 slots per bucket: 256 MiB at level 2 is
# ~79k chunks, mean 1.2, fullest bucket ~10). Immutable: a full bucket fails loudly.
mean=$(echo "$bytes / 4096 * 4 / 65536" | bc -l)
need=$(echo "$mean + 10 * sqrt($mean) + 16" | bc -l)
depth=24
while (( $(echo "2^($depth - 16) < $need" | bc) )); do depth=$((depth + 1)); done

echo "swarmec $("$swarmec" --version 2>/dev/null | head -n1), $(nproc) cores, file ${size_mib} MiB random, $nodes nodes, storage radius ${STORAGE_RADIUS:-0}, batch depth $depth"
summary=()
failures=0
for level in $levels; do
    echo "== level $level"
    # Local baseline: a fresh data directory.
    rm -rf "$work/local" "$work/out"
    mkdir -p "$work/local"
    t0=$(now)
    ref=$(timed "$swarmec" upload "$work/file" --level "$level" --data-dir "$work/local" 2> "$work/err") \
        || { echo "local upload failed: $(tail -n1 "$work/err")"; exit 1; }
    t1=$(now)
    lu_cpu=$(client_cpu)
    lu_rss=$(client_rss)
    timed "$swarmec" download "$ref" -o "$work/out" --data-dir "$work/local" 2> "$work/err" \
        || { echo "local download failed: $(tail -n1 "$work/err")"; exit 1; }
    t2=$(now)
    ld_cpu=$(client_cpu)
    ld_rss=$(client_rss)
    cmp -s "$work/file" "$work/out" || { echo "local download differs from the file"; exit 1; }
    local_up=$(mbps "$t0" "$t1")
    local_down=$(mbps "$t1" "$t2")
    printf 'local   upload   %6.1f s %7s MB/s  (cpu %s s, rss %s MiB)  %s\n' "$(echo "$t1 - $t0" | bc)" "$local_up" "$lu_cpu" "$lu_rss" "$ref"
    printf 'local   download %6.1f s %7s MB/s  (cpu %s s, rss %s MiB)\n' "$(echo "$t2 - $t1" | bc)" "$local_down" "$ld_cpu" "$ld_rss"
    rm -rf "$work/local" "$work/out"

    # A fresh cluster and a fresh batch.
    rm -rf "$work/net"
    mkdir -p "$work/net/uploader"
    t=$(now)
    start 0
    first=$listen
    addrs=("$first")
    for i in $(seq 1 $((nodes - 1))); do
        start "$i" "$first"
        addrs+=("$listen")
    done
    printf 'cluster of %d ready in %.1f s\n' "$nodes" "$(echo "$(now) - $t" | bc)"
    batch=$("$swarmec" stamp create --depth "$depth" --amount 1 --immutable --data-dir "$work/net/uploader") \
        || { echo "stamp create failed"; exit 1; }

    cpu0=($(node_cpus))
    perf_start "${PERF_OUT:-}.$level" -p "$(IFS=,; echo "${pids[*]}")"
    t0=$(now)
    nref=$(timed "$swarmec" upload "$work/file" --level "$level" --peer "${addrs[$up_node]}" --network-id 10 \
        --stamp "$batch" --data-dir "$work/net/uploader" 2> "$work/err")
    ok=$?
    t1=$(now)
    nu_cpu=$(client_cpu)
    nu_rss=$(client_rss)
    cpu1=($(node_cpus))
    perf_stop
    if [[ $ok -ne 0 ]]; then
        echo "network upload through node $up_node failed: $(tail -n1 "$work/err")"
        failures=$((failures + 1))
        stop_nodes
        continue
    fi
    [[ "$nref" == "$ref" ]] || echo "note: network reference $nref differs from the local one"
    perf_start "${PERF_OUT:-}.$level.down" -a
    timed "$swarmec" download "$nref" -o "$work/out" --peer "${addrs[$down_node]}" --network-id 10 2> "$work/err"
    ok=$?
    perf_stop
    t2=$(now)
    nd_cpu=$(client_cpu)
    nd_rss=$(client_rss)
    cpu2=($(node_cpus))
    [[ -n "${SHOW_STATUS:-}" ]] && { curl -sf "$api/status"; echo; }
    perf_start "${PERF_OUT:-}.$level.api" -p "${pids[$api_node]}"
    timed curl -sf -o "$work/out.api" "$api/bytes/$nref" 2> "$work/err.api"
    ok2=$?
    perf_stop
    t3=$(now)
    cpu3=($(node_cpus))
    if ! fetched "$ok" "$work/out" "network download through node $down_node" "$work/err" \
        || ! fetched "$ok2" "$work/out.api" "download through node $api_node's API" "$work/err.api"; then
        failures=$((failures + 1))
        stop_nodes
        continue
    fi
    net_up=$(mbps "$t0" "$t1")
    net_down=$(mbps "$t1" "$t2")
    api_down=$(mbps "$t2" "$t3")
    printf 'network upload   %6.1f s %7s MB/s  (client cpu %s s, rss %s MiB) via node %d\n' "$(echo "$t1 - $t0" | bc)" "$net_up" "$nu_cpu" "$nu_rss" "$up_node"
    printf 'network download %6.1f s %7s MB/s  (client cpu %s s, rss %s MiB) via node %d, identical\n' "$(echo "$t2 - $t1" | bc)" "$net_down" "$nd_cpu" "$nd_rss" "$down_node"
    printf 'api     download %6.1f s %7s MB/s  (curl) via node %d, identical\n' "$(echo "$t3 - $t2" | bc)" "$api_down" "$api_node"
    line_up="node cpu s during upload:  " line_down="node cpu s during download:" line_api="node cpu s during api get: " line_rss="node peak RSS MiB:         "
    sum_up=0 sum_down=0 sum_api=0
    for i in $(seq 0 $((nodes - 1))); do
        u=$(echo "${cpu1[$i]} - ${cpu0[$i]}" | bc)
        d=$(echo "${cpu2[$i]} - ${cpu1[$i]}" | bc)
        a=$(echo "${cpu3[$i]} - ${cpu2[$i]}" | bc)
        sum_up=$(echo "$sum_up + $u" | bc)
        sum_down=$(echo "$sum_down + $d" | bc)
        sum_api=$(echo "$sum_api + $a" | bc)
        line_up+=$(printf ' %5.1f' "$u")
        line_down+=$(printf ' %5.1f' "$d")
        line_api+=$(printf ' %5.1f' "$a")
        hwm=$(awk '/^VmHWM/ { printf "%d", $2 / 1024 }' "/proc/${pids[$i]}/status" 2>/dev/null)
        line_rss+=$(printf ' %5s' "${hwm:-?}")
    done
    echo "$line_up  (sum $sum_up)"
    echo "$line_down  (sum $sum_down)"
    echo "$line_api  (sum $sum_api)"
    echo "$line_rss"
    # Stored chunks per node (redb files' size is a rough proxy): the spread of the load.
    line_du="node data dir MiB:         "
    for i in $(seq 0 $((nodes - 1))); do line_du+=$(printf ' %5d' "$(du -sm "$work/net/n$i" | cut -f1)"); done
    echo "$line_du"
    stop_nodes
    rm -rf "$work/out" "$work/out.api"
    r_up=$(ratio "$net_up" "$local_up")
    r_down=$(ratio "$net_down" "$local_down")
    r_api=$(ratio "$api_down" "$local_down")
    met_up=$([[ $(echo "$r_up >= 0.25" | bc) -eq 1 ]] && echo met || echo "NOT met")
    met_down=$([[ $(echo "$r_down >= 0.5" | bc) -eq 1 ]] && echo met || echo "NOT met")
    met_api=$([[ $(echo "$r_api >= 0.5" | bc) -eq 1 ]] && echo met || echo "NOT met")
    summary+=("$(printf '%-5s %9s %9s %9s %9s %9s %9s (%s) %9s (%s) %9s (%s)' "$level" "$local_up" "$net_up" "$local_down" "$net_down" "$api_down" "$r_up" "$met_up" "$r_down" "$met_down" "$r_api" "$met_api")")
done

echo
printf '%-5s %9s %9s %9s %9s %9s %21s %21s %21s\n' level "local up" "net up" "local dn" "net dn" "api dn" "up net/local>=0.25" "down net/local>=0.5" "api dn/local>=0.5"
for s in "${summary[@]}"; do echo "$s"; done
[[ $failures -eq 0 ]]
