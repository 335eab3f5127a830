#!/usr/bin/env bash
# Browser test of the dashboard: starts `agentry serve` (mock LLM, temporary
# SQLite database, server/web as the web root) on a free port and drives Debian's
# Chromium through it with playwright-core, then Debian's Firefox ESR with
# puppeteer-core (WebDriver BiDi).
#
#   tests/browser/run.sh [path/to/agentry] [artifact-dir]
#
# Defaults: build/agentry, tests/browser/artifacts/ (screenshots, server.log).
# Needs /usr/bin/chromium and /usr/bin/firefox-esr (tools/bootstrap installs
# both), node >= 20 and npm. A missing browser is a failure, never a skip.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
agentry="${1:-$root/build/agentry}"
artifacts="${2:-$here/artifacts}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
firefox="${FIREFOX:-/usr/bin/firefox-esr}"

fail() { echo "browser test: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

[ -x "$chromium" ] || fail "no Chromium at $chromium: install it (apt-get install -y chromium, or tools/bootstrap)"
[ -x "$firefox" ] || fail "no Firefox at $firefox: install it (apt-get install -y firefox-esr, or tools/bootstrap)"
command -v node >/dev/null || fail "node is not installed (apt-get install -y nodejs)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || fail "node $(node --version) is too old: playwright-core needs node >= 20"
command -v npm >/dev/null || fail "npm is not installed (it comes with node >= 20; Debian: apt-get install -y npm)"
[ -x "$agentry" ] || fail "no agentry binary at $agentry (build it, or pass its path as the first argument)"

mkdir -p "$artifacts"
artifacts="$(cd "$artifacts" && pwd)"

# playwright-core and puppeteer-core only: neither downloads a browser.
( cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error ) \
  || fail "npm ci failed in $here"

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
base="http://127.0.0.1:$port"

# The mock LLM, whatever the caller's environment says about a real provider.
env -u OPENAI_API_KEY -u AGENTRY_LLM_PROVIDER -u AGENTRY_DB \
  AGENTRY_MOCK_LATENCY_MS=150 \
  "$agentry" serve --port "$port" --db "sqlite:$tmp/agentry.db" \
  --scripts "$root/scripts" --web-root "$root/server/web" \
  --shutdown-grace 1 >"$artifacts/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 150); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$artifacts/server.log" >&2; fail "agentry serve exited at start"; }
  sleep 0.1
done
curl -fsS "$base/readyz" >/dev/null 2>&1 || { cat "$artifacts/server.log" >&2; fail "agentry serve not ready on $base"; }

# Each test stops itself after 100 s; timeout is the backstop for a hung browser.
run_browser_test() {
  local name=$1 status=0
  shift
  echo "== $name"
  timeout -k 5 150 "$@" "$base" "$artifacts" || status=$?
  [ "$status" -eq 124 ] && echo "browser test ($name): timed out" && echo "0 passed, 1 failed"
  return "$status"
}
status=0
CHROMIUM="$chromium" run_browser_test chromium node "$here/dashboard.test.mjs" || status=1
FIREFOX="$firefox" run_browser_test firefox node "$here/dashboard.firefox.test.mjs" || status=1
exit "$status"
