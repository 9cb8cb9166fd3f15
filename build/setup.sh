#!/bin/sh
# Prepares a checkout for the demo and the tests on Debian 12, idempotently: installs missing
# Debian packages (build/debian-packages.txt), runs npm ci when package-lock.json changed, and
# builds dist/. Used by `npm test` and `npm run demo`; needs root only to install packages.
set -eu
cd "$(dirname "$0")/.."

missing=""
for package in $(sed -e 's/#.*//' build/debian-packages.txt); do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing="$missing $package"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages:$missing; install them as root (apt-get install$missing)" >&2
    exit 1
  fi
  echo "setup: installing Debian packages:$missing" >&2
  # Package scripts must not start daemons here: the tests start their own as children.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    guard=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get -q update >/dev/null && apt-get -q install -y --no-install-recommends $missing >/dev/null ||
    { [ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
  [ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
fi

stamp=node_modules/.vdd-setup-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

npm run --silent build
