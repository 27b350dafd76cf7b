#!/bin/sh
# PYTHON_FROM=distro: nothing to do, the distribution's python3 is used.
# Otherwise builds CPython PYTHON_VERSION from source into /opt/python
# (--enable-shared, so mod_wsgi can embed it; --disable-gil when
# PYTHON_FREE_THREADED=1; profile-guided and link-time optimised when
# PYTHON_OPTIMIZED=1) and stages it under /out/opt/python:
#   PYTHON_FROM=debian   the upstream tarball in Debian's source archive
#   PYTHON_FROM=url      the tarball at PYTHON_URL (e.g. python.org)
#   PYTHON_FROM=local    the tarball copied into /build/python-src
# Leaves the interpreter's path in /build/python for the later steps.
# With the argument `packages`: installs the build packages only (the stage
# that takes the built Python needs the libraries it links).
set -eu
. /mwe/scripts/sources.sh
mkdir -p /out /build
if [ "$PYTHON_FROM" = distro ]; then
    echo python3 > /build/python
    exit 0
fi
# `compile`: the packages were installed by an earlier step (`packages`,
# which holds apt's locked cache mount; a compile of minutes must not).
if [ "${1:-}" != compile ]; then
    apt-get install -y --no-install-recommends xz-utils pkg-config libssl-dev libffi-dev zlib1g-dev \
        libbz2-dev liblzma-dev libsqlite3-dev libreadline-dev libncurses-dev uuid-dev libexpat1-dev >/dev/null
fi
[ "${1:-}" = packages ] && exit 0
mkdir -p /build/python-download && cd /build/python-download
case "$PYTHON_FROM" in
debian)
    apt-get source --download-only "python$PYTHON_VERSION" || true
    tarball=$(ls python"$PYTHON_VERSION"_*.orig.tar.* 2>/dev/null | head -n 1)
    [ -n "$tarball" ] || fail "Debian's source archive for this suite has no python$PYTHON_VERSION tarball; use --python-from with a URL or local tarball"
    ;;
url)
    tarball=python-download.tar.xz
    download "$PYTHON_URL" "$tarball" --python-from
    ;;
local) tarball=$(local_tarball /build/python-src --python-from) ;;
*) fail "unknown PYTHON_FROM '$PYTHON_FROM'" ;;
esac
unpack "$tarball" /build/cpython --python-from "a CPython"
[ -x /build/cpython/configure ] || fail "--python-from: $tarball is not a CPython source tarball (no configure)"
cd /build/cpython
flags="--prefix=/opt/python --enable-shared --with-ensurepip=install LDFLAGS=-Wl,-rpath,/opt/python/lib"
[ "${PYTHON_FREE_THREADED:-0}" = 1 ] && flags="$flags --disable-gil"
make_what="CPython make (about 10 minutes on 2 cores)"
if [ "${PYTHON_OPTIMIZED:-0}" = 1 ]; then
    flags="$flags --enable-optimizations --with-lto"
    # The training run only gathers profiles: since 3.13 a test that fails in a
    # build container (no tty, no network) would fail the whole build.
    export PROFILE_TASK='-m test --pgo --timeout=1200 || true'
    make_what="CPython make with PGO and LTO (instrumented build, training run, optimised build: about 35 minutes on 2 cores)"
fi
echo "configure $flags"
# shellcheck disable=SC2086
quietly /build/cpython-configure.log "CPython configure" ./configure $flags || { tail -30 /build/cpython-configure.log; fail "CPython configure failed"; }
quietly /build/cpython-make.log "$make_what" make -j"$(nproc)" || { tail -40 /build/cpython-make.log; fail "CPython build failed"; }
quietly /build/cpython-install.log "CPython make install" make install || { tail -30 /build/cpython-install.log; fail "CPython install failed"; }
python=$(ls /opt/python/bin/python3.*[0-9t] | grep -v config | head -n 1)
"$python" -c 'import ssl, sqlite3, ctypes, zlib, lzma, bz2' || fail "the built Python lacks a standard module"
# The runtime image carries the interpreter, not its test suite or build tree.
rm -rf /opt/python/lib/python3*/test /opt/python/lib/python3*/*/test /opt/python/lib/python3*/idlelib /opt/python/lib/python3*/tkinter
mkdir -p /out/opt && cp -a /opt/python /out/opt/python
echo "$python" > /build/python
