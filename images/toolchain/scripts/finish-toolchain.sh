#!/bin/sh
# Compiles the entrypoint, adds the diagnostics applications and mod_wsgi.express, links the module
# at a stable path and records the facts the host needs to render config.
set -eu
python=$(cat /build/python)
site=$("$python" -c 'import site; print(site.getsitepackages()[0])')
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
module=$(ls "/out$site"/mod_wsgi/server/mod_wsgi-py*.so | head -n 1)

mkdir -p /out/usr/local/bin /out/usr/local/lib/mwe-image
gcc -Os -Wall -Wextra -Werror -o /out/usr/local/bin/mwe-entrypoint /build/entrypoint/entrypoint.c
strip /out/usr/local/bin/mwe-entrypoint
ln -sf mwe-entrypoint /out/usr/local/bin/mwe-healthcheck

if [ ! -d "/out$site/mod_wsgi/diagnostics" ]; then
    cp -a /build/diagnostics "/out$site/mod_wsgi/diagnostics"
fi
# mod_wsgi.express: the Django app (manage.py runmodwsgi) and the Django build step.
rm -rf "/out$site/mod_wsgi/express"
cp -a /build/express "/out$site/mod_wsgi/express"
ln -sf "${module#/out}" /out/usr/local/lib/mwe-image/mod_wsgi.so

directives=""
for d in WSGIFreeThreading WSGITelemetryService WSGITelemetryOptions WSGITelemetryInterval \
         WSGITelemetrySlowRequests WSGIPythonWarnings \
         WSGIPerInterpreterGIL WSGISocketRotation WSGIDestroyInterpreter; do
    if grep -q "$d" "$module"; then directives="$directives\"$d\","; fi
done
mod_wsgi_version=$(cd "/out$site" && "$python" -c 'import mod_wsgi; print(getattr(mod_wsgi, "version", ""))' 2>/dev/null || true)
if [ -z "$mod_wsgi_version" ]; then
    mod_wsgi_version=$(ls -d "/out$site"/mod_wsgi-*.dist-info | sed 's/.*mod_wsgi-\(.*\)\.dist-info/\1/')
fi
gil_disabled=$("$python" -c 'import sysconfig; print("true" if sysconfig.get_config_var("Py_GIL_DISABLED") else "false")')
apache_version=$(dpkg-query -W -f '${Version}' apache2-dev 2>/dev/null || echo unknown)
cat > /out/usr/local/lib/mwe-image/toolchain.json <<JSON
{
  "pythonVersion": "$pyver",
  "pythonHome": "$("$python" -c 'import sys; print(sys.prefix)')",
  "pythonFreeThreaded": $gil_disabled,
  "apacheVersion": "$apache_version",
  "modWsgiVersion": "$mod_wsgi_version",
  "modulePath": "${module#/out}",
  "moduleLink": "/usr/local/lib/mwe-image/mod_wsgi.so",
  "modulesDirectory": "$(apxs -q LIBEXECDIR)",
  "httpdExecutable": "$(apxs -q SBINDIR)/$(apxs -q TARGET)",
  "sitePackages": "$site",
  "directives": [${directives%,}],
  "apacheModules": [$(ls "$(apxs -q LIBEXECDIR)" | sed -n 's/^mod_\(.*\)\.so$/"\1"/p' | paste -sd, -)],
  "locales": [$(locale -a 2>/dev/null | sed 's/.*/"&"/' | paste -sd, -)]
}
JSON
if [ "$python" = python3 ]; then
    python_packages="libpython$pyver-stdlib libpython$pyver"
else
    # A CPython built here: the packages of the shared libraries it links to.
    python_packages=$(find /opt/python -name '*.so*' -type f -exec ldd {} + 2>/dev/null \
        | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | grep -v '^/opt/python' | sort -u \
        | while read -r library; do
              dpkg -S "$library" 2>/dev/null || dpkg -S "/usr$library" 2>/dev/null || dpkg -S "$(readlink -f "$library")" 2>/dev/null
          done | grep -E '^[a-z0-9.+-]+(:[a-z0-9]+)?(, [a-z0-9.+-]+(:[a-z0-9]+)?)*: /' \
          | sed 's/: \/.*//' | tr ',' '\n' | sed 's/:.*//; s/ //g' | grep -v -- '-dev$' | sort -u | tr '\n' ' ')
fi
echo "apache2-bin media-types procps apache2-utils $python_packages" > /out/usr/local/lib/mwe-image/runtime-packages.txt
cat /out/usr/local/lib/mwe-image/toolchain.json
