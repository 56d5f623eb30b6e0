#!/usr/bin/env bash
# Builds bee v2.8.1 (the reference Swarm node) from its Go module through tools/bee/go.mod, into a
# cache directory kept between runs, and prints the binary's path. Beside it, `bee-dev`: bee v2.8.0's
# `bee dev` (an in-memory node with a mock chain and bee's full HTTP API) built against the same bee
# v2.8.1 packages (tools/bee/beedev), which tests/it/bee_dev.rs runs. Builds only what is absent; a
# fresh build takes minutes (see tools/bee/README.md); set SWARMEC_CACHE to move the cache. Needs
# Go >= 1.26 and the Go module proxy.
#
#   bee="$(scripts/build-bee.sh)" && "$bee" version && "$(dirname "$bee")/bee-dev" --help
set -euo pipefail

BEE_VERSION=2.8.1
# `git describe --long --always --match ""` of the v2.8.1 tag, as bee's Makefile stamps it.
BEE_COMMIT=7cf5319
# `info.version` of openapi/Swarm.yaml at v2.8.1.
BEE_API_VERSION=8.1.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${SWARMEC_CACHE:-$HOME/.cache/swarmec}"
dir="$cache/bee-v$BEE_VERSION"
out="$dir/bee"

# What is missing, as packages of tools/bee's module: bee's command, our port of `bee dev`.
pkgs=()
[[ -x "$out" ]] || pkgs+=(github.com/ethersphere/bee/v2/cmd/bee)
[[ -x "$dir/bee-dev" ]] || pkgs+=(./beedev)
if ((${#pkgs[@]} == 0)); then
    echo "$out"
    exit 0
fi

mkdir -p "$dir"
tmp="$(mktemp -d "$dir/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# The ldflags are those of bee's Makefile (`make binary`), so the binaries report themselves as bee
# does (bee-dev's /health too).
ldflags="-s -w"
ldflags+=" -X github.com/ethersphere/bee/v2.version=$BEE_VERSION"
ldflags+=" -X github.com/ethersphere/bee/v2.commitHash=$BEE_COMMIT"
ldflags+=" -X github.com/ethersphere/bee/v2/pkg/api.Version=$BEE_API_VERSION"

# One `go build` for both: bee's packages are compiled once and linked into each.
(
    cd "$root/tools/bee"
    GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${pkgs[@]}"
) >&2
[[ -x "$tmp/bee" ]] && mv "$tmp/bee" "$out"
[[ -x "$tmp/beedev" ]] && mv "$tmp/beedev" "$dir/bee-dev"
echo "$out"
