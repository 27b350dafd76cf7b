#!/bin/sh
# Compiles the entrypoint, adds the diagnostics applications and mod_wsgi.express, links the module
# at a stable path and records the facts the host needs to render config.
set -eu
python=$(cat /build/python)
apxs=$(cat /build/apxs)
site=$("$python" -c 'import site; print(site.getsitepackages()[0])')
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
module=$(ls "/out$site"/mod_wsgi/server/mod_wsgi-py*.so | head -n 1)

mkdir -p /out/usr/local/bin /out/usr/local/lib/mwe-image
gcc -Os -Wall -Wextra -Werror -o /out/usr/local/bin/mwe-entrypoint /build/entrypoint/entrypoint.c
strip /out/usr/local/bin/mwe-entrypoint
ln -sf mwe-entrypoint /out/usr/local/bin/mwe-healthcheck
# A python3 on PATH (docker exec CONTAINER python3, the image build's Python
# steps): CPython's own main (Programs/python.c) linked to the shared
# libpython the runtime image has anyway, or the interpreter built here.
if [ "$python" = python3 ]; then
    printf '#include <Python.h>\nint main(int argc, char **argv) { return Py_BytesMain(argc, argv); }\n' > /build/python3.c
    # shellcheck disable=SC2046
    gcc -Os -o /out/usr/local/bin/python3 /build/python3.c $(python3-config --cflags --embed --ldflags)
    strip /out/usr/local/bin/python3
else
    ln -sf "$python" /out/usr/local/bin/python3
fi

if [ ! -d "/out$site/mod_wsgi/diagnostics" ]; then
    cp -a /build/diagnostics "/out$site/mod_wsgi/diagnostics"
fi
# mod_wsgi.express: the Django app (manage.py runmodwsgi) and the Django build step.
rm -rf "/out$site/mod_wsgi/express"
cp -a /build/express "/out$site/mod_wsgi/express"
ln -sf "${module#/out}" /out/usr/local/lib/mwe-image/mod_wsgi.so

directives=""
# Names as mod_wsgi registers them (mod_wsgi 6 docs); the config uses one only where the module has it.
for d in WSGIFreeThreading WSGITelemetryService WSGITelemetryOptions WSGISlowRequests \
         WSGISwitchInterval WSGIPythonWarnings \
         WSGIPerInterpreterGIL WSGISocketRotation WSGIDestroyInterpreter; do
    if grep -q "$d" "$module"; then directives="$directives\"$d\","; fi
done
daemon_options=""
# WSGIDaemonProcess options that came with mod_wsgi 6 (its WSGIDaemonProcess docs), emitted only where known.
for option in interrupt-timeout response-flush-delay switch-interval; do
    if grep -q -- "$option" "$module"; then daemon_options="$daemon_options\"$option\","; fi
done
mod_wsgi_version=$(cd "/out$site" && "$python" -c 'import mod_wsgi; print(getattr(mod_wsgi, "version", ""))' 2>/dev/null || true)
if [ -z "$mod_wsgi_version" ]; then
    mod_wsgi_version=$(ls -d "/out$site"/mod_wsgi-*.dist-info 2>/dev/null | sed 's/.*mod_wsgi-\(.*\)\.dist-info/\1/')
fi
if [ -z "$mod_wsgi_version" ]; then
    # Built with setup.py (no dist-info): the version the source tree declares.
    mod_wsgi_version=$(sed -n 's/^#define MOD_WSGI_VERSION_STRING "\(.*\)"$/\1/p' /build/mod_wsgi/src/server/wsgi_version.h 2>/dev/null || true)
fi
gil_disabled=$("$python" -c 'import sysconfig; print("true" if sysconfig.get_config_var("Py_GIL_DISABLED") else "false")')
if [ "$apxs" = /opt/apache/bin/apxs ]; then
    apache_from=source
    apache_version=$(/opt/apache/bin/httpd -v | sed -n 's|^Server version: Apache/\([^ ]*\).*|\1|p')
    mime_types=/opt/apache/conf/mime.types
    rotatelogs=/opt/apache/bin/rotatelogs
else
    apache_from=distro
    apache_version=$(dpkg-query -W -f '${Version}' apache2-dev 2>/dev/null || echo unknown)
    mime_types=/etc/mime.types
    rotatelogs=/usr/bin/rotatelogs
fi
modules_dir=$("$apxs" -q LIBEXECDIR)
cat > /out/usr/local/lib/mwe-image/toolchain.json <<JSON
{
  "pythonVersion": "$pyver",
  "pythonHome": "$("$python" -c 'import sys; print(sys.prefix)')",
  "pythonFreeThreaded": $gil_disabled,
  "apacheVersion": "$apache_version",
  "apacheFrom": "$apache_from",
  "modWsgiVersion": "$mod_wsgi_version",
  "modulePath": "${module#/out}",
  "moduleLink": "/usr/local/lib/mwe-image/mod_wsgi.so",
  "modulesDirectory": "$modules_dir",
  "httpdExecutable": "$("$apxs" -q SBINDIR)/$("$apxs" -q TARGET)",
  "mimeTypes": "$mime_types",
  "rotatelogsExecutable": "$rotatelogs",
  "sitePackages": "$site",
  "directives": [${directives%,}],
  "daemonOptions": [${daemon_options%,}],
  "apacheModules": [$(ls "$modules_dir" | sed -n 's/^mod_\(.*\)\.so$/"\1"/p' | paste -sd, -)],
  "locales": [$(locale -a 2>/dev/null | sed 's/.*/"&"/' | paste -sd, -)]
}
JSON
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
if [ "$apache_from" = distro ]; then
    apache_packages="apache2-bin media-types apache2-utils"
else
    # An httpd built here: the packages of the libraries it links to (APR, PCRE2, ...).
    apache_packages=$(library_packages /out/opt/apache)
fi
echo "procps $apache_packages $python_packages" > /out/usr/local/lib/mwe-image/runtime-packages.txt
cat /out/usr/local/lib/mwe-image/toolchain.json
