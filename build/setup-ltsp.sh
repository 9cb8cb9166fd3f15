#!/bin/sh
# Installs what the LTSP end-to-end test's server needs (Debian's stock ltsp 23 with iPXE and
# nbd-server), only when it is missing: the ltsp package pulls in python3 and systemd, too much
# to install on every run of `npm test`, so the slow test calls this from its own set-up.
set -eu
exec sh "$(dirname "$0")/install-debian-packages.sh" ltsp ipxe nbd-server squashfs-tools
