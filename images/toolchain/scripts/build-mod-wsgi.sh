#!/bin/sh
# Builds the mod_wsgi Python package (which carries the Apache module) the
# way `pip install mod_wsgi` does, against the Apache whose apxs is in
# /build/apxs, and stages it under /out.
set -eu
python=$(cat /build/python)
APXS=$(cat /build/apxs)
export APXS
cd /build/mod_wsgi
site=$("$python" -c 'import site; print(site.getsitepackages()[0])')
mkdir -p "/out$site"
if [ "$python" = python3 ]; then
    python3 -m pip install --no-build-isolation --no-index --no-deps \
        --break-system-packages --root-user-action=ignore --target /build/mod_wsgi-installed . 2>&1
    cp -a /build/mod_wsgi-installed/mod_wsgi /build/mod_wsgi-installed/mod_wsgi-*.dist-info "/out$site/"
else
    # A CPython built here has no setuptools of its own; Debian's (pure Python)
    # can build but not install for it, so build and copy the package tree.
    PYTHONPATH=/usr/lib/python3/dist-packages "$python" setup.py build 2>&1
    cp -a build/lib.*/mod_wsgi "/out$site/"
fi
