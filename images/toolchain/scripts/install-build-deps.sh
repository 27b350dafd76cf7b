#!/bin/sh
# Build dependencies for mod_wsgi and the entrypoint, plus deb-src entries so
# that `apt-get source` can fetch upstream tarballs from Debian's archive.
set -eu
# A BuildKit cache mount on /var/cache/apt keeps downloaded packages between
# builds: Debian's docker-clean hook would delete them after each install.
apt_cache_mounted() { grep -q ' /var/cache/apt ' /proc/self/mountinfo; }
if apt_cache_mounted; then
    rm -f /etc/apt/apt.conf.d/docker-clean
fi
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
fi
if [ -f /etc/apt/sources.list ]; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/mwe-src.list
fi
# The base image's own packages, before any is added: the app image's assembly
# (assemble-rootfs.py) takes their files only where a program needs them.
mkdir -p /build
dpkg-query -W -f '${Package}\n' > /build/base-packages.txt
apt-get update
# Byte-compiling the Debian Python packages installed from here on (pip,
# setuptools and theirs: about 800 modules, a fifth of this step) waits for
# install-runtime-packages.sh, which runs beside mod_wsgi's compile. The
# standard library's bytecode is compiled by its own package, as before.
dpkg-divert --local --rename --add /usr/bin/py3compile
ln -s /bin/true /usr/bin/py3compile
# apache2-dev's headers and apxs, without its dependency on debhelper (Debian's
# packaging tools: perl, man-db, autotools; a third of the packages and of the
# time this step took): the libraries' -dev packages it names are installed,
# its own files unpacked, its version kept for finish-toolchain.sh. ccache is
# for mod_wsgi's compile (build-mod-wsgi.sh).
apt-get install -y --no-install-recommends \
    libapr1-dev libaprutil1-dev libpcre2-dev \
    python3-dev python3-pip python3-setuptools python3-wheel \
    gcc libc6-dev make ca-certificates ccache
mkdir -p /build/apache2-dev && cd /build/apache2-dev
apt-get download apache2-dev
dpkg-deb -x apache2-dev_*.deb /
dpkg-deb -f apache2-dev_*.deb Version > /build/apache2-dev-version
cd / && rm -rf /build/apache2-dev
apt_cache_mounted || rm -rf /var/cache/apt/archives/*.deb
