#!/bin/sh
# Builds the mod_wsgi Python package (which carries the Apache module) the
# way `pip install mod_wsgi` does, and stages it under /out.
set -eu
cd /build/mod_wsgi
python3 -m pip install --no-build-isolation --no-index --no-deps \
    --break-system-packages --root-user-action=ignore --target /build/mod_wsgi-installed . 2>&1
site=$(python3 -c 'import site; print(site.getsitepackages()[0])')
mkdir -p "/out$site"
cp -a /build/mod_wsgi-installed/mod_wsgi /build/mod_wsgi-installed/mod_wsgi-*.dist-info "/out$site/"
