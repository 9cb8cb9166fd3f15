#!/bin/sh
# Installs the Debian packages named as arguments that are not installed yet, without letting
# their scripts start daemons (a policy-rc.d that refuses, unless the machine has one): the
# tests start their own as children. Needs root only when something is missing. Used by
# build/setup.sh (the packages of build/debian-packages.txt) and build/setup-ltsp.sh.
set -eu
missing=""
for package in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "setup: missing Debian packages:$missing; install them as root (apt-get install$missing)" >&2
  exit 1
fi
echo "setup: installing Debian packages:$missing" >&2
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
exit 0
