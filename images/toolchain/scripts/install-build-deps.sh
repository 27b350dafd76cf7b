#!/bin/sh
# Build dependencies for mod_wsgi and the entrypoint, plus deb-src entries so
# that `apt-get source` can fetch upstream tarballs from Debian's archive.
set -eu
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
fi
if [ -f /etc/apt/sources.list ]; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/mwe-src.list
fi
apt-get update
apt-get install -y --no-install-recommends \
    apache2-dev python3-dev python3-pip python3-setuptools python3-wheel \
    gcc libc6-dev make ca-certificates
rm -rf /var/cache/apt/archives/*.deb
