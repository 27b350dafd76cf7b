#!/bin/sh
# APACHE_FROM=distro: nothing to build; Debian's apache2 (apache2-dev's apxs) is used.
# Otherwise builds Apache httpd into /opt/apache and stages what runs under
# /out/opt/apache (binaries, the modules, mime.types; no headers, manual or
# build files):
#   APACHE_FROM=debian   the apache2 upstream (orig) tarball in Debian's source
#                        archive: the base suite's, else the newest another suite
#                        (bookworm, trixie) serves
#   APACHE_FROM=url      the tarball at APACHE_URL (e.g. from downloads.apache.org)
#   APACHE_FROM=local    the tarball copied into /build/apache-src
# httpd is built against Debian's APR, APR-util and PCRE2 (libapr1-dev,
# libaprutil1-dev, libpcre2-dev): the same upstream libraries, patched by the
# distribution, and the runtime image installs their runtime packages. Only
# the modules the generated configuration can load are built, all shared.
# Leaves the apxs to build mod_wsgi with in /build/apxs.
# With the argument `packages`: installs the build packages only (the stage
# that takes the built httpd needs APR and the other libraries it links).
set -eu
. /mwe/scripts/sources.sh
mkdir -p /out /build
if [ "$APACHE_FROM" = distro ]; then
    command -v apxs > /build/apxs
    exit 0
fi
apt-get install -y --no-install-recommends libapr1-dev libaprutil1-dev libpcre2-dev zlib1g-dev libnghttp2-dev libssl-dev \
    bzip2 xz-utils >/dev/null
[ "${1:-}" = packages ] && exit 0
mkdir -p /build/apache-download && cd /build/apache-download
case "$APACHE_FROM" in
debian)
    suite_version=$(apt-cache showsrc apache2 | sed -n 's/^Version: //p' | head -n 1)
    options=$(all_suites_apt)
    # shellcheck disable=SC2086
    other_versions=$(apt-cache $options showsrc apache2 | sed -n 's/^Version: //p' | sort -ruV)
    tarball=
    for version in $suite_version $other_versions; do
        # The .dsc or debian.tar.xz may be missing; apt still keeps a verified orig tarball.
        # shellcheck disable=SC2086
        apt-get $options source --download-only "apache2=$version" >/dev/null 2>&1 || true
        tarball=$(ls apache2_*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n 1 || true)
        [ -n "$tarball" ] && break
    done
    [ -n "$tarball" ] || fail "--apache source: Debian's source archive serves no apache2 tarball (versions listed: $(echo $suite_version $other_versions)); give --apache the URL or path of an httpd tarball"
    [ "$version" = "$suite_version" ] || echo "Debian's source archive has no tarball for the suite's apache2 $suite_version; building $version's"
    ;;
url)
    tarball=apache-download.tar
    download "$APACHE_URL" "$tarball" --apache
    ;;
local) tarball=$(local_tarball /build/apache-src --apache) ;;
*) fail "unknown APACHE_FROM '$APACHE_FROM'" ;;
esac
unpack "$tarball" /build/httpd --apache "an httpd"
[ -x /build/httpd/configure ] && [ -f /build/httpd/include/ap_release.h ] || fail "--apache: $tarball is not an httpd source tarball (no configure, no include/ap_release.h)"
cd /build/httpd
modules="unixd authn_core authz_core authz_host mime rewrite alias dir env headers filter reqtimeout log_config
         autoindex status deflate cgi cgid http2 proxy proxy_http ssl auth_basic auth_digest authz_user"
echo "configure httpd with modules:" $modules
./configure --prefix=/opt/apache --with-apr=/usr/bin/apr-1-config --with-apr-util=/usr/bin/apu-1-config \
    --with-pcre=/usr/bin/pcre2-config --enable-so --enable-modules=none --enable-mods-shared="$(echo $modules)" \
    --enable-mpms-shared="event worker prefork" >/build/httpd-configure.log 2>&1 \
    || { tail -30 /build/httpd-configure.log; fail "--apache: httpd configure failed"; }
quietly /build/httpd-make.log "httpd make" make -j"$(nproc)" || { tail -40 /build/httpd-make.log; fail "--apache: httpd build failed"; }
make install >/build/httpd-install.log 2>&1 || { tail -30 /build/httpd-install.log; fail "--apache: httpd install failed"; }
for module in $modules mpm_event mpm_worker mpm_prefork; do
    [ -f "/opt/apache/modules/mod_$module.so" ] || fail "--apache: the httpd build made no mod_$module.so"
done
/opt/apache/bin/httpd -v
# What runs, stripped: httpd, apachectl (and its envvars), rotatelogs, the modules, mime.types.
mkdir -p /out/opt/apache/bin /out/opt/apache/conf
cp -a /opt/apache/bin/httpd /opt/apache/bin/apachectl /opt/apache/bin/envvars /opt/apache/bin/rotatelogs /out/opt/apache/bin/
cp -a /opt/apache/modules /out/opt/apache/modules && rm -f /out/opt/apache/modules/httpd.exp
cp -a /opt/apache/conf/mime.types /out/opt/apache/conf/
strip --strip-unneeded /out/opt/apache/bin/httpd /out/opt/apache/bin/rotatelogs /out/opt/apache/modules/*.so
# apxs needs only what make install put under /opt/apache, not the build tree.
rm -rf /build/httpd /build/apache-download
echo /opt/apache/bin/apxs > /build/apxs
