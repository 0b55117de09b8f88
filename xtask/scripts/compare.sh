#!/usr/bin/env bash
# Whole-process comparison: p2c-vpn CLI vs curl vs Huawei's official Python SDK, against two
# servers: the local mock (`p2c-vpn-mock --no-auth`: curl cannot sign, so every client talks
# to the same unauthenticated server; the CLI and SDK still compute and send their
# signatures), and a static server (nginx serving pages this script generates from the
# mock), which does no work per request, so its ratios are the clients' own cost.
#
# Usage: xtask/scripts/compare.sh [compare|static|static-paired|startup|memory|all]
#        xtask/scripts/compare.sh cold-start [REV...]
#        (`cargo xtask bench`; `compare` runs both servers and prints both tables, `static`
#        the static server only, `static-paired` its workloads as interleaved rounds with
#        paired ratios to curl: xtask/scripts/paired.py)
# Env:   RUNS (hyperfine runs, default 30), PORT (default 18787), STATIC_PORT (default 18788),
#        VENV (default target/bench/venv; created from PyPI when missing, with
#        huaweicloudsdkvpn SDK_VERSION, default 3.1.219), NO_SDK=1 to skip the SDK.
#        nginx (Debian's nginx-light) is installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
MODE=${1:-all}
RUNS=${RUNS:-30}
PORT=${PORT:-18787}
OUT=$ROOT/target/bench
VENV=${VENV:-$OUT/venv}
# The SDK version BENCHMARKS.md was measured with.
SDK_VERSION=${SDK_VERSION:-3.1.219}
mkdir -p "$OUT"

say() { printf '\n==> %s\n' "$*" >&2; }

need_hyperfine() {
  command -v hyperfine >/dev/null && return
  say "installing hyperfine (apt)"
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
}

build_release() { # the binaries the runtime benchmarks measure (not needed for cold-start)
  say "cargo build --release -p p2c-vpn-cli -p p2c-vpn-mock"
  cargo build -q --release -p p2c-vpn-cli -p p2c-vpn-mock
}
BIN=$ROOT/target/release
CLI=$BIN/p2c-vpn
MOCK_PID=
NGINX_PID=
cleanup() {
  [[ -n $MOCK_PID ]] && kill "$MOCK_PID" 2>/dev/null
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null
  MOCK_PID= NGINX_PID=
  wait 2>/dev/null || true
}
trap cleanup EXIT

start_mock() { # gateways as ID:COUNT...
  cleanup
  local args=()
  for g in "$@"; do args+=(--gateway "$g"); done
  "$BIN/p2c-vpn-mock" --listen "127.0.0.1:$PORT" --no-auth --churn 0 --project-id P "${args[@]}" \
    >"$OUT/mock.log" 2>&1 &
  MOCK_PID=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return
    sleep 0.1
  done
  echo "mock did not start; see $OUT/mock.log" >&2; exit 1
}

EP=http://127.0.0.1:$PORT
STATIC_PORT=${STATIC_PORT:-18788}
SEP=http://127.0.0.1:$STATIC_PORT
# The CLI needs credentials to sign with; the mock ignores them (--no-auth).
export HUAWEICLOUD_SDK_AK=BENCHAK HUAWEICLOUD_SDK_SK=bench-secret-key
unset HUAWEICLOUD_SDK_CREDENTIALS_FILE || true

setup_sdk() {
  [[ ${NO_SDK:-} == 1 ]] && return 1
  if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import huaweicloudsdkvpn' 2>/dev/null; then
    say "creating $VENV with huaweicloudsdkvpn + huaweicloudsdkcore $SDK_VERSION (PyPI)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "huaweicloudsdkvpn==$SDK_VERSION" "huaweicloudsdkcore==$SDK_VERSION"
  fi
  "$VENV/bin/python" -c 'import huaweicloudsdkcore, importlib.metadata as m; print("huaweicloudsdkvpn", m.version("huaweicloudsdkvpn"))' >&2
}

# Medians and ratios from hyperfine's JSON: "× p2c-vpn" = other / (first p2c-vpn command),
# "÷ curl" = this / curl (the issue's goals are written this way: ≤ 1.5 is 1.5× curl or less).
report() { # json...
  python3 - "$@" <<'PY'
import json, sys
for path in sys.argv[1:]:
    res = json.load(open(path))["results"]
    base = next((r for r in res if r["command"].startswith("p2c-vpn")), res[0])
    curl = next((r for r in res if r["command"].startswith("curl")), None)
    print(f"\n{path.rsplit('/', 1)[-1]}")
    print(f"| {'command':<34} | {'median':>10} | {'mean ± σ':>20} | {'user':>9} | {'× p2c-vpn':>9} | {'÷ curl':>7} |")
    print(f"|{'-'*36}|{'-'*12}|{'-'*22}|{'-'*11}|{'-'*11}|{'-'*9}|")
    for r in res:
        ms = lambda s: f"{s*1000:.1f} ms"
        vs_curl = f"{r['median']/curl['median']:.2f}" if curl else "-"
        print(f"| {r['command']:<34} | {ms(r['median']):>10} | {ms(r['mean']) + ' ± ' + ms(r['stddev']):>20} | {ms(r['user']):>9} | {r['median']/base['median']:>8.2f}× | {vs_curl:>7} |")
PY
}

compare() {
  need_hyperfine
  start_mock G500:500 G10K:10000
  local sdk=()
  if setup_sdk; then
    sdk=(-n "python-sdk 500" "$VENV/bin/python $ROOT/xtask/scripts/sdk_list.py --endpoint $EP --project-id P --gateway G500 --limit 500")
  fi
  say "one page of 500 ($RUNS runs each)"
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/list500.json" \
    -n "p2c-vpn 500" "$CLI connections list --endpoint $EP --project-id P --gateway G500 --limit 500 --output json" \
    -n "curl 500" "curl -s $EP/v5/P/p2c-vpn-gateways/G500/connections?limit=500" \
    "${sdk[@]}" >&2
  # curl: one process, 100 URLs on one kept-alive connection (curl's fastest form).
  local urls=""
  for o in $(seq 0 100 9900); do urls+=" $EP/v5/P/p2c-vpn-gateways/G10K/connections?limit=100&offset=$o"; done
  if [[ ${#sdk[@]} -gt 0 ]]; then
    sdk=(-n "python-sdk 10k" "$VENV/bin/python $ROOT/xtask/scripts/sdk_list.py --endpoint $EP --project-id P --gateway G10K --all --page-size 100")
  fi
  say "10,000 connections in 100 pages ($RUNS runs each)"
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/list10k.json" \
    -n "p2c-vpn 10k" "$CLI connections list --endpoint $EP --project-id P --gateway G10K --all --page-size 100 --output json" \
    -n "curl 10k" "curl -s $urls" \
    "${sdk[@]}" >&2
  cleanup
  echo
  echo "mock server"
  report "$OUT/list500.json" "$OUT/list10k.json"
}

# The static server: nginx serving, for each gateway, the pages the mock returns for the
# requests the clients make, as files named LIMIT-OFFSET.json (nginx picks the file from the
# query's `limit` and `offset`, in any order). Gateway IDs are UUIDs, so no client looks a
# name up first.
NGINX=${NGINX:-/usr/sbin/nginx}
S500=5a1e0500-0000-4000-8000-000000000500
S10K=5a1e1000-0000-4000-8000-000000010000
need_nginx() {
  [[ -x $NGINX ]] && return
  say "installing nginx-light (apt)"
  apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null
}

start_static() {
  need_nginx
  local root=$OUT/static
  rm -rf "$root" && mkdir -p "$root/tmp" "$root/pages/$S500" "$root/pages/$S10K"
  start_mock "$S500:500" "$S10K:10000"
  local base=$EP/v5/P/p2c-vpn-gateways
  curl -sf -o "$root/pages/$S500/500-.json" "$base/$S500/connections?limit=500"
  for o in $(seq 0 100 9900); do
    curl -sf -o "$root/pages/$S10K/100-$o.json" "$base/$S10K/connections?limit=100&offset=$o"
  done
  cleanup
  cat >"$root/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $root/nginx.pid;
error_log $root/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $root/tmp; proxy_temp_path $root/tmp; fastcgi_temp_path $root/tmp;
  uwsgi_temp_path $root/tmp; scgi_temp_path $root/tmp;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$STATIC_PORT;
    default_type application/json;
    location ~ ^/v5/P/p2c-vpn-gateways/([0-9a-f-]+)/connections\$ {
      root $root/pages;
      try_files /\$1/\$arg_limit-\$arg_offset.json =404;
    }
  }
}
CONF
  "$NGINX" -p "$root" -c "$root/nginx.conf" >"$root/nginx.out" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 100); do
    curl -sf -o /dev/null "$SEP/v5/P/p2c-vpn-gateways/$S500/connections?limit=500" && return
    sleep 0.1
  done
  echo "nginx did not start; see $root/error.log" >&2; exit 1
}

static_compare() {
  need_hyperfine
  start_static
  local base=$SEP/v5/P/p2c-vpn-gateways list=(connections list --endpoint "$SEP" --project-id P)
  local sdk=()
  if setup_sdk; then
    sdk=(-n "python-sdk 500" "$VENV/bin/python $ROOT/xtask/scripts/sdk_list.py --endpoint $SEP --project-id P --gateway $S500 --limit 500")
  fi
  say "static server: one page of 500 ($RUNS runs each)"
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/static500.json" \
    -n "p2c-vpn 500 ndjson" "$CLI ${list[*]} --gateway $S500 --limit 500 --output ndjson" \
    -n "p2c-vpn 500 json" "$CLI ${list[*]} --gateway $S500 --limit 500 --output json" \
    -n "curl 500" "curl -s $base/$S500/connections?limit=500" \
    "${sdk[@]}" >&2
  local urls=""
  for o in $(seq 0 100 9900); do urls+=" $base/$S10K/connections?limit=100&offset=$o"; done
  if [[ ${#sdk[@]} -gt 0 ]]; then
    sdk=(-n "python-sdk 10k" "$VENV/bin/python $ROOT/xtask/scripts/sdk_list.py --endpoint $SEP --project-id P --gateway $S10K --all --page-size 100")
  fi
  say "static server: 10,000 connections in 100 pages ($RUNS runs each)"
  local all="$CLI ${list[*]} --gateway $S10K --all --page-size 100 --output"
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/static10k.json" \
    -n "p2c-vpn 10k ndjson" "$all ndjson" \
    -n "p2c-vpn 10k json" "$all json" \
    -n "p2c-vpn 10k csv" "$all csv" \
    -n "curl 10k" "curl -s $urls" \
    "${sdk[@]}" >&2
  cleanup
  echo
  echo "static server (nginx: the clients' own cost)"
  report "$OUT/static500.json" "$OUT/static10k.json"
}

# The static server's workloads, timed by paired.py: each round runs every command once in a
# shuffled order and the ratio to curl is taken within the round, so a machine whose speed
# drifts from second to second (a shared VM) moves both sides of each ratio together.
static_paired() {
  start_static
  local base=$SEP/v5/P/p2c-vpn-gateways list="$CLI connections list --endpoint $SEP --project-id P"
  local urls=""
  for o in $(seq 0 100 9900); do urls+=" $base/$S10K/connections?limit=100&offset=$o"; done
  say "static server, paired: 10,000 connections in 100 pages ($RUNS rounds)"
  python3 "$ROOT/xtask/scripts/paired.py" --runs "$RUNS" --warmup 3 --ref curl \
    "ndjson=$list --gateway $S10K --all --page-size 100 --output ndjson" \
    "json=$list --gateway $S10K --all --page-size 100 --output json" \
    "csv=$list --gateway $S10K --all --page-size 100 --output csv" \
    "curl=curl -s$urls"
  say "static server, paired: one page of 500 ($RUNS rounds)"
  python3 "$ROOT/xtask/scripts/paired.py" --runs "$RUNS" --warmup 3 --ref curl \
    "ndjson=$list --gateway $S500 --limit 500 --output ndjson" \
    "json=$list --gateway $S500 --limit 500 --output json" \
    "curl=curl -s $base/$S500/connections?limit=500"
  cleanup
}

startup() {
  need_hyperfine
  say "start-up: --help, and a list against a closed port (127.0.0.1:9) with --retries 0"
  hyperfine -N --warmup 5 --runs "$((RUNS * 3))" -i --export-json "$OUT/startup.json" \
    -n "p2c-vpn --help" "$CLI --help" \
    -n "p2c-vpn list, closed port" "$CLI connections list --endpoint http://127.0.0.1:9 --project-id P --gateway G --retries 0" \
    -n "curl, closed port" "curl -s http://127.0.0.1:9/" >&2
  report "$OUT/startup.json"
  if setup_sdk; then
    hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/startup-sdk.json" \
      -n "python-sdk import" "$VENV/bin/python -c 'import huaweicloudsdkvpn.v5, huaweicloudsdkcore.http.http_config'" >&2
    report "$OUT/startup-sdk.json"
  fi
}

memory() {
  start_mock G10K:10000 G50K:50000 G100K:100000
  say "peak RSS of the CLI streaming all connections (--all --output ndjson >/dev/null)"
  printf '| connections | page size | peak RSS (KiB) | wall (s) |\n|---:|---:|---:|---:|\n'
  for g in 10K:10000 50K:50000 100K:100000; do
    local id=G${g%%:*} n=${g##*:}
    for size in 100 500; do
      /usr/bin/time -f '%M %e' -o "$OUT/time.txt" \
        "$CLI" connections list --endpoint "$EP" --project-id P --gateway "$id" --all \
        --page-size "$size" --output ndjson >"$OUT/ndjson.out"
      local lines; lines=$(wc -l <"$OUT/ndjson.out")
      [[ $lines == "$n" ]] || { echo "expected $n lines, got $lines" >&2; exit 1; }
      read -r rss wall <"$OUT/time.txt"
      printf '| %s | %s | %s | %s |\n' "$n" "$size" "$rss" "$wall"
    done
  done
  rm -f "$OUT/ndjson.out"
}

# The README's two commands as a newcomer runs them: a fresh clone with an empty target
# directory (and no CARGO_TARGET_DIR), wall time and target/ size after each. Crates must
# already be in ~/.cargo/registry (no download is timed). Run on idle cores.
#
# `cold-start` clones HEAD and also runs the second command once more (what a developer's
# next run costs; it must compile nothing). `cold-start REV...` clones each revision in
# turn, one row each: give two revisions alternately (`A B A B`) so a machine whose speed
# drifts slows both alike.
cold_start() {
  local revs=("$@") rerun=0
  if [[ ${#revs[@]} -eq 0 ]]; then revs=(HEAD); rerun=1; fi
  printf '| revision | `cargo run -p p2c-vpn-cli -- demo` | `cargo test --workspace` | both | `target/` | tests |\n'
  printf '|---|---:|---:|---:|---:|---|\n'
  local rev
  for rev in "${revs[@]}"; do
    cold_start_one "$rev" "$rerun"
  done
}

cold_start_one() {
  local rev=$1 rerun=$2 dir
  dir=$(mktemp -d /tmp/p2c-vpn-cold.XXXXXX)
  git clone -q "$ROOT" "$dir/p2c-vpn"
  cd "$dir/p2c-vpn"
  git checkout -q "$rev"
  unset CARGO_TARGET_DIR
  cargo fetch -q
  local cmd log logs=() secs=() cmds=("cargo run -p p2c-vpn-cli -- demo" "cargo test --workspace")
  [[ $rerun == 1 ]] && cmds+=("cargo test --workspace")
  for cmd in "${cmds[@]}"; do
    say "$rev: $cmd (cold: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
    log=$dir/${#logs[@]}.log
    logs+=("$log")
    local start=$SECONDS
    $cmd >"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
    secs+=($((SECONDS - start)))
  done
  local tests
  tests=$(grep -h '^test result' "${logs[1]}" \
    | awk '{p += $4; i += $8} END {printf "%d passed, %d ignored", p, i}')
  printf '| `%s` | %d s | %d s | %d s | %s | %s |\n' "$(git rev-parse --short HEAD)" \
    "${secs[0]}" "${secs[1]}" "$((secs[0] + secs[1]))" "$(du -sh target | cut -f1)" "$tests"
  if [[ $rerun == 1 ]]; then
    printf 'the second command once more: %d s\n' "${secs[2]}"
    # Third-party crates the second command compiled again: features that differ between
    # the two builds (see crates/workspace-hack). Our own crates are always compiled again
    # (as test targets), so they are not counted.
    local again
    again=$(comm -12 <(grep -o 'Compiling [^ ]* v[^ ]*' "${logs[0]}" | sort -u) \
                     <(grep -o 'Compiling [^ ]* v[^ ]*' "${logs[1]}" | sort -u) \
            | grep -v -e 'Compiling p2c-vpn' -e 'Compiling xtask' || true)
    printf 'third-party crates the tests compiled again: %d\n' "$(grep -c . <<<"$again" || true)"
    if [[ -n $again ]]; then printf '  %s\n' "$again"; fi
    # The re-run must compile nothing but what tests regenerate (none of it third-party).
    again=$(grep -o 'Compiling [^ ]* v[^ ]*' "${logs[2]}" | sort -u || true)
    printf 'crates the re-run compiled: %d\n' "$(grep -c . <<<"$again" || true)"
    if [[ -n $again ]]; then printf '  %s\n' "$again"; fi
  fi
  cd "$ROOT"
  rm -rf "$dir"
}

case $MODE in
  compare) build_release; compare; static_compare ;;
  static) build_release; static_compare ;;
  static-paired) build_release; static_paired ;;
  # The static server alone, until interrupted (for profiling: perf, callgrind).
  serve-static) start_static; say "static server on $SEP: gateways $S500, $S10K"; wait "$NGINX_PID" ;;
  startup) build_release; startup ;;
  memory) build_release; memory ;;
  cold-start) shift; cold_start "$@" ;;
  all) build_release; compare; static_compare; startup; memory ;;
  *) echo "usage: $0 [compare|static|static-paired|startup|memory|cold-start|all]" >&2; exit 2 ;;
esac
