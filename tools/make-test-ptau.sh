#!/usr/bin/env bash
# Makes tests/data/pot11_final.ptau: a powers-of-tau file of power 11
# (circuits up to 2,048 constraints plus public values) prepared for
# phase 2, made once with the pinned snarkjs and committed because the
# preparation takes minutes. One contribution with fixed entropy and a
# public beacon: fine for tests, worthless for real keys.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
snarkjs="$root/tools/node_modules/.bin/snarkjs"
[[ -x "$snarkjs" ]] || bash "$root/.ci/install-tools"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$snarkjs" powersoftau new bn128 11 "$work/p0.ptau"
"$snarkjs" powersoftau contribute "$work/p0.ptau" "$work/p1.ptau" --name=one -e=section9-test-entropy
"$snarkjs" powersoftau beacon "$work/p1.ptau" "$work/p2.ptau" \
    0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 10
"$snarkjs" powersoftau prepare phase2 "$work/p2.ptau" "$work/final.ptau"
mv "$work/final.ptau" "$root/tests/data/pot11_final.ptau"
