#!/usr/bin/env bash
# Builds bee v2.8.1 (the reference Swarm node) from its Go module through tools/bee/go.mod, into a
# cache directory kept between runs, and prints the binary's path. Skips the build when the binary is
# already there. A fresh build takes minutes (see tools/bee/README.md); set SWARMEC_CACHE to move the
# cache. Needs Go >= 1.26 and the Go module proxy.
#
#   bee="$(scripts/build-bee.sh)" && "$bee" version
set -euo pipefail

BEE_VERSION=2.8.1
# `git describe --long --always --match ""` of the v2.8.1 tag, as bee's Makefile stamps it.
BEE_COMMIT=7cf5319
# `info.version` of openapi/Swarm.yaml at v2.8.1.
BEE_API_VERSION=8.1.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${SWARMEC_CACHE:-$HOME/.cache/swarmec}"
out="$cache/bee-v$BEE_VERSION/bee"

if [[ -x "$out" ]]; then
    echo "$out"
    exit 0
fi

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

# The ldflags are those of bee's Makefile (`make binary`), so the binary reports itself as bee does.
ldflags="-s -w"
ldflags+=" -X github.com/ethersphere/bee/v2.version=$BEE_VERSION"
ldflags+=" -X github.com/ethersphere/bee/v2.commitHash=$BEE_COMMIT"
ldflags+=" -X github.com/ethersphere/bee/v2/pkg/api.Version=$BEE_API_VERSION"

(
    cd "$root/tools/bee"
    GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$tmp" \
        github.com/ethersphere/bee/v2/cmd/bee
) >&2
mv "$tmp" "$out"
echo "$out"
