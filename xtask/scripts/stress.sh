#!/usr/bin/env bash
# The whole test suite RUNS times in a row (default 10) while a parallel build loads the
# machine: the check that no test races the clock (ARCHITECTURE.md "Tests"). The load is a
# loop building the CLI chain in a temporary clone with its own target directory, the
# API crate touched before each build so everything above it compiles again.
#
# Usage: xtask/scripts/stress.sh            (P2C_VPN_REQUIRE_SYSTEM_TOOLS=1 is set: no skips)
# Env:   RUNS (default 10)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RUNS=${RUNS:-10}
export P2C_VPN_REQUIRE_SYSTEM_TOOLS=1
load=$(mktemp -d /tmp/p2c-vpn-stress.XXXXXX)
git clone -q . "$load/src"
cleanup() { touch "$load/done"; wait 2>/dev/null || true; rm -rf "$load"; }
trap cleanup EXIT
cargo test --workspace --no-run -q
( while [[ ! -e $load/done ]]; do
    touch "$load/src/crates/p2c-vpn-api/src/lib.rs"
    CARGO_TARGET_DIR=$load/target cargo build -q -p p2c-vpn-cli --manifest-path "$load/src/Cargo.toml" >/dev/null 2>&1 || true
  done ) &
failed=0
for i in $(seq "$RUNS"); do
  start=$SECONDS
  log=$load/run-$i.log
  if cargo test --workspace >"$log" 2>&1; then result=ok; else result=FAILED; failed=$((failed + 1)); fi
  printf 'run %d: %s in %d s, load %s, %s\n' "$i" "$result" $((SECONDS - start)) \
    "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(grep -h '^test result' "$log" | awk '{p += $4; f += $6} END {print p " passed, " f " failed"}')"
  if [[ $result == FAILED ]]; then grep -A30 '^failures:' "$log" | head -60 >&2; fi
done
printf '%d of %d runs failed\n' "$failed" "$RUNS"
[[ $failed == 0 ]]
