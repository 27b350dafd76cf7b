#!/bin/sh
# Builds the mod_wsgi Python package (which carries the Apache module) the
# way `pip install mod_wsgi` does, against the Apache whose apxs is in
# /build/apxs, and stages it under /out. With Debian's compiled module
# (--mod-wsgi debian-package) it lays that out the same way instead.
set -eu
python=$(cat /build/python)
APXS=$(cat /build/apxs)
export APXS
site=$("$python" -c 'import site; print(site.getsitepackages()[0])')
# This stage's /out holds only the package built here: the toolchain stage
# merges it into its own /out, which already has the rest.
rm -rf /out
mkdir -p "/out$site"
if [ -d /build/mod_wsgi-package ]; then
    version=$(cat /build/mod_wsgi-package/VERSION)
    tag=$("$python" -c 'import sys; print("py%d%d" % sys.version_info[:2])')
    mkdir -p "/out$site/mod_wsgi/server" "/out$site/mod_wsgi-$version.dist-info"
    cp /build/mod_wsgi-package/usr/lib/apache2/modules/mod_wsgi.so "/out$site/mod_wsgi/server/mod_wsgi-$tag.so"
    # A package for the diagnostics and express parts; mod_wsgi imports it as its Python side.
    echo "# mod_wsgi $version: the module is Debian's libapache2-mod-wsgi-py3." > "/out$site/mod_wsgi/__init__.py"
    printf 'Metadata-Version: 2.1\nName: mod_wsgi\nVersion: %s\n' "$version" > "/out$site/mod_wsgi-$version.dist-info/METADATA"
    exit 0
fi
sh /mwe/scripts/patch-mod-wsgi.sh
cd /build/mod_wsgi
if grep -q ' /root/.cache/ccache ' /proc/self/mountinfo; then
    # BuildKit: compile through ccache, whose cache is a mount that outlives this build.
    CC="ccache $("$python" -c 'import sysconfig; print(sysconfig.get_config_var("CC"))')"
    export CC
fi
# setuptools compiles an extension's sources one after another unless told otherwise.
printf '\n[build_ext]\nparallel = %s\n' "$(nproc)" >> setup.cfg
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
