#!/bin/sh
# Leaves the mod_wsgi source tree at /build/mod_wsgi.
#   MOD_WSGI_SOURCE=debian  upstream (orig) tarball from Debian's source archive
#                           for this suite, version MOD_WSGI_VERSION if set
#   MOD_WSGI_SOURCE=local   the tarball or tree copied into /build/mod_wsgi-src
set -eu
mkdir -p /build/download && cd /build/download
case "$MOD_WSGI_SOURCE" in
debian)
    # The .dsc or debian.tar.xz may be missing from the archive; apt still
    # verifies and keeps the orig tarball, which is all that is needed.
    apt-get source --download-only "mod-wsgi${MOD_WSGI_VERSION:+=$MOD_WSGI_VERSION-*}" || true
    tarball=$(ls mod-wsgi_*.orig.tar.gz 2>/dev/null | head -n 1)
    if [ -z "$tarball" ]; then
        echo "mwe-image: could not download mod-wsgi${MOD_WSGI_VERSION:+ $MOD_WSGI_VERSION} from Debian's source archive" >&2
        exit 1
    fi
    ;;
local)
    tarball=$(ls /build/mod_wsgi-src/*.tar.gz /build/mod_wsgi-src/*.tgz 2>/dev/null | head -n 1 || true)
    if [ -z "$tarball" ]; then
        if [ -f /build/mod_wsgi-src/setup.py ]; then
            cp -a /build/mod_wsgi-src /build/mod_wsgi
            exit 0
        fi
        echo "mwe-image: --mod-wsgi-source holds neither a tarball nor a source tree with setup.py" >&2
        exit 1
    fi
    ;;
*)
    echo "mwe-image: unknown MOD_WSGI_SOURCE '$MOD_WSGI_SOURCE'" >&2
    exit 1
    ;;
esac
mkdir -p /build/mod_wsgi
tar -xzf "$tarball" -C /build/mod_wsgi --strip-components=1
test -f /build/mod_wsgi/setup.py
