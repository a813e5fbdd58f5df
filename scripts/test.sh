#!/usr/bin/env bash
# The whole test suite (npm test): installs the Debian packages the system tests need when they
# are missing (as root), installs npm packages if needed, builds, type-checks, lints, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package that provides it
declare -A PROVIDES=(
  [faketime]=faketime
  [promtool]=prometheus
  [prometheus]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
  [zsh]=zsh
  [fish]=fish
  [prometheus-node-exporter]=prometheus-node-exporter
  [hyperfine]=hyperfine
  [dma]=dma
  [chromium]=chromium
  [monit]=monit
  [cron]=cron
  [ansible-playbook]=ansible-core
  [busybox]=busybox-static
)
missing=()
for cmd in "${!PROVIDES[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PROVIDES[$cmd]}")
done
if ((${#missing[@]} > 0)); then
  if [ "$(id -u)" != 0 ]; then
    echo "test: missing Debian packages: ${missing[*]} (install them: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "test: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  lean=()
  for pkg in "${missing[@]}"; do [ "$pkg" = chromium ] || lean+=("$pkg"); done
  if ((${#lean[@]} > 0)); then apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null; fi
  # Chromium wants its recommended fonts to render the HTML report's text.
  if [[ " ${missing[*]} " == *" chromium "* ]]; then apt-get install -y -qq chromium >/dev/null; fi
  for cmd in "${!PROVIDES[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || { echo "test: $cmd still missing after apt-get install" >&2; exit 1; }
  done
fi

[ -d node_modules ] || npm ci
npm run build --silent
npx tsc --noEmit -p .
npm run lint --silent
npm run format:check --silent

# System tests must run, not skip, when the suite is run this way.
export HB_REQUIRE_SYSTEM=1
shopt -s nullglob

# The tests that wait for a real cron daemon's next minute are idle most of their time: they run
# in a lane of their own, side by side with each other and with the rest of the suite. They share
# one cron daemon; when none runs, the lane starts one and stops it afterwards.
cron_lane=(tests/system/cron-*.test.ts)
rest=()
for f in tests/unit/*.test.ts tests/cli/*.test.ts tests/system/*.test.ts; do
  [[ " ${cron_lane[*]} " == *" $f "* ]] || rest+=("$f")
done
cron_pid() { local p; p=$(cat /run/crond.pid 2>/dev/null) && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = cron ] && echo "$p" || true; }
started_cron=
if [ -z "$(cron_pid)" ] && [ "$(id -u)" = 0 ] && command -v cron >/dev/null; then
  cron -L 15
  for _ in $(seq 50); do [ -n "$(cron_pid)" ] && break; sleep 0.2; done
  started_cron=$(cron_pid)
fi
lane_log=$(mktemp)
trap 'rm -f "$lane_log"; [ -z "$started_cron" ] || kill "$started_cron" 2>/dev/null || true' EXIT
lane=
if ((${#cron_lane[@]} > 0)); then
  node --import tsx --test --test-concurrency="${#cron_lane[@]}" --test-reporter=spec \
    --test-reporter-destination="$lane_log" "${cron_lane[@]}" &
  lane=$!
fi
status=0
node --import tsx --test --test-reporter=spec "${rest[@]}" || status=$?
if [ -n "$lane" ]; then
  wait "$lane" || status=$?
  echo "== the cron lane: ${cron_lane[*]} =="
  cat "$lane_log"
fi
exit "$status"
