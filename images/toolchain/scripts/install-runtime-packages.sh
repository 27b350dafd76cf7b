#!/bin/sh
# The Debian packages the runtime image needs (Apache, libpython, or the
# libraries a Python and an httpd built here link to), named in
# /build/runtime-packages.txt and installed here as well: the app image's
# assembly starts from the toolchain, so an app build needs no apt round of its
# own. Runs beside mod_wsgi's compile (the mod-wsgi stage), and byte-compiles
# the Debian Python packages whose compile install-build-deps.sh put off.
set -eu
python=$(cat /build/python)
apxs=$(cat /build/apxs)
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
# The Debian packages (not -dev) of the shared libraries the files under the
# given directories link to, outside those directories.
library_packages() {
    for directory in "$@"; do
        find "$directory" -name '*.so*' -type f -exec ldd {} + 2>/dev/null
        find "$directory" -path '*/bin/*' -type f -exec ldd {} + 2>/dev/null
    done | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | grep -v -e '^/opt/python' -e '^/opt/apache' | sort -u \
        | while read -r library; do
              dpkg -S "$library" 2>/dev/null || dpkg -S "/usr$library" 2>/dev/null || dpkg -S "$(readlink -f "$library")" 2>/dev/null
          done | grep -E '^[a-z0-9.+-]+(:[a-z0-9]+)?(, [a-z0-9.+-]+(:[a-z0-9]+)?)*: /' \
          | sed 's/: \/.*//' | tr ',' '\n' | sed 's/:.*//; s/ //g' | grep -v -- '-dev$' | sort -u | tr '\n' ' '
}
if [ "$python" = python3 ]; then
    python_packages="libpython$pyver-stdlib libpython$pyver"
else
    # A CPython built here: the packages of the shared libraries it links to.
    python_packages=$(library_packages /opt/python)
fi
if [ "$apxs" = /opt/apache/bin/apxs ]; then
    # An httpd built here: the packages of the libraries it links to (APR, PCRE2, ...).
    apache_packages=$(library_packages /out/opt/apache)
else
    apache_packages="apache2-bin media-types apache2-utils"
fi
echo "procps $apache_packages $python_packages" > /build/runtime-packages.txt
missing=$(for package in $(cat /build/runtime-packages.txt); do
    dpkg-query -W -f '${Status}\n' "$package" 2>/dev/null | grep -q ' installed$' || echo "$package"
done)
if [ -n "$missing" ]; then
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null
fi
rm /usr/bin/py3compile
dpkg-divert --local --rename --remove /usr/bin/py3compile
py3compile /usr/lib/python3/dist-packages
