#!/bin/sh
# Prepares a checkout for the demo and the tests on Debian 12, idempotently: installs missing
# Debian packages (build/debian-packages.txt), runs npm ci when package-lock.json changed, and
# builds dist/. Used by `npm test` and `npm run demo`; needs root only to install packages.
set -eu
cd "$(dirname "$0")/.."

# shellcheck disable=SC2046
sh build/install-debian-packages.sh $(sed -e 's/#.*//' build/debian-packages.txt)

stamp=node_modules/.vdd-setup-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

npm run --silent build
