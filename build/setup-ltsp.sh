#!/bin/sh
# Installs what the LTSP end-to-end test's server needs (Debian's stock ltsp 23 with iPXE and
# nbd-server), only when it is missing: the ltsp package pulls in python3 and systemd, too much
# to install on every run of `npm test`, so the slow test calls this from its own set-up. Package
# scripts must not start daemons: the tests start their own, as children, in a namespace.
set -eu
packages="ltsp ipxe nbd-server squashfs-tools"
missing=""
for package in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "setup-ltsp: missing Debian packages:$missing; install them as root (apt-get install$missing)" >&2
  exit 1
fi
echo "setup-ltsp: installing Debian packages:$missing" >&2
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
