#!/bin/sh
# Leaves the mod_wsgi source tree at /build/mod_wsgi.
#   MOD_WSGI_SOURCE=debian  upstream (orig) tarball from Debian's source archive
#                           for this suite; version MOD_WSGI_VERSION if set
#   MOD_WSGI_SOURCE=pypi    sdist of mod_wsgi==MOD_WSGI_VERSION, which the host resolved
#                           on its package index and put in /build/mod_wsgi-src
#   MOD_WSGI_SOURCE=url     the tarball at MOD_WSGI_URL
#   MOD_WSGI_SOURCE=local   the tarball or tree copied into /build/mod_wsgi-src
# or, with MOD_WSGI_SOURCE=debian-package, the module Debian compiled for this
# suite (libapache2-mod-wsgi-py3), unpacked at /build/mod_wsgi-package.
set -eu
. /mwe/scripts/sources.sh
mkdir -p /build/download && cd /build/download
case "$MOD_WSGI_SOURCE" in
debian)
    if [ -n "${MOD_WSGI_VERSION:-}" ]; then
        # Any suite's upstream tarball of that version: search bookworm and
        # trixie sources too, in an apt state of their own.
        options=$(all_suites_apt)
        # shellcheck disable=SC2086
        set -- $options
        available=$(apt-cache "$@" showsrc mod-wsgi | sed -n 's/^Version: //p' | sort -u)
        full=$(echo "$available" | grep -E "^([0-9]+:)?${MOD_WSGI_VERSION}-" | head -n 1)
        [ -n "$full" ] || fail "Debian's source archive has no mod-wsgi $MOD_WSGI_VERSION (it has: $(echo $available))"
    else
        set --
        full=$(apt-cache showsrc mod-wsgi | sed -n 's/^Version: //p' | head -n 1)
    fi
    # The .dsc or debian.tar.xz may be missing from the archive; apt still
    # verifies and keeps the orig tarball, which is all that is needed.
    apt-get "$@" source --download-only "mod-wsgi=$full" || true
    tarball=$(ls mod-wsgi_*.orig.tar.gz 2>/dev/null | head -n 1)
    [ -n "$tarball" ] || fail "Debian's source archive lists mod-wsgi $full but has no tarball for it; use --mod-wsgi debian:VERSION (another suite's), pypi:VERSION or a local tarball"
    ;;
debian-package)
    apt-get download libapache2-mod-wsgi-py3 || fail "Debian's archive has no libapache2-mod-wsgi-py3 for this suite"
    package=$(ls libapache2-mod-wsgi-py3_*.deb | head -n 1)
    dpkg-deb -x "$package" /build/mod_wsgi-package
    dpkg-deb -f "$package" Version | sed 's/^[0-9]*://; s/-[^-]*$//' > /build/mod_wsgi-package/VERSION
    exit 0
    ;;
url)
    tarball=mod_wsgi-download.tar.gz
    download "$MOD_WSGI_URL" "$tarball" --mod-wsgi
    ;;
pypi|local)
    tarball=$(ls /build/mod_wsgi-src/*.tar.gz /build/mod_wsgi-src/*.tgz 2>/dev/null | head -n 1 || true)
    if [ -z "$tarball" ]; then
        if [ -f /build/mod_wsgi-src/setup.py ]; then
            cp -a /build/mod_wsgi-src /build/mod_wsgi
            exit 0
        fi
        fail "--mod-wsgi holds neither a tarball nor a source tree with setup.py"
    fi
    ;;
*)
    fail "unknown MOD_WSGI_SOURCE '$MOD_WSGI_SOURCE'"
    ;;
esac
mkdir -p /build/mod_wsgi
tar -xzf "$tarball" -C /build/mod_wsgi --strip-components=1 || fail "$tarball is not a gzipped tarball"
[ -f /build/mod_wsgi/setup.py ] || fail "$tarball does not hold a mod_wsgi source tree (no setup.py)"
