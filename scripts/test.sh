#!/usr/bin/env bash
# The whole test suite (npm test): installs the Debian packages the system tests need when they
# are missing (as root), installs npm packages if needed, builds, type-checks, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package that provides it
declare -A PROVIDES=(
  [faketime]=faketime
  [promtool]=prometheus
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

# System tests must run, not skip, when the suite is run this way.
export HB_REQUIRE_SYSTEM=1
shopt -s nullglob
node --import tsx --test --test-reporter=spec \
  tests/unit/*.test.ts tests/cli/*.test.ts tests/system/*.test.ts
