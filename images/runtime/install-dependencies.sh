#!/bin/sh
# Installs the application's dependencies into a virtualenv at /opt/venv, in
# a build stage on the toolchain image (compilers available for sdists).
# Usage: install-dependencies.sh PYTHON requirements|pyproject|none [PIP-ARGUMENT...]
# extra-requirements.txt (what the options add, e.g. the telemetry ingester) is installed too.
set -eu
python=$1 kind=$2
shift 2
cd /tmp/dependencies
case "$kind" in
pyproject)
    # The [project] dependencies only: the application itself runs from /srv/app.
    "$python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb")).get("project", {}).get("dependencies", [])))' > requirements.txt
    ;;
none)
    : > requirements.txt
    ;;
esac
{ echo; cat extra-requirements.txt; } >> requirements.txt
"$python" -m venv --without-pip --system-site-packages /opt/venv
if ! "$python" -m pip --version >/dev/null 2>&1; then "$python" -m ensurepip >/dev/null; fi
"$python" -m pip --python /opt/venv/bin/python install --no-cache-dir --disable-pip-version-check \
    --no-input --progress-bar off "$@" -r requirements.txt
# A stable path for mod_wsgi's python-path, whatever the Python version.
ln -s "$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" /opt/venv/site-packages
