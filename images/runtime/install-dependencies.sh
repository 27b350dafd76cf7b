#!/bin/sh
# Installs the application's dependencies into a virtualenv at VENV, in
# a build stage on the toolchain image (compilers available for sdists).
# Usage: install-dependencies.sh PYTHON CONTRACT LAYER requirements|pyproject|uv|poetry|pipenv|none [PIP-ARGUMENT...]
# CONTRACT: the toolchain's staged contract.sh, which names the virtualenv (MWE_VENV) and
# where the runtime image's python3 is (beside MWE_ENTRYPOINT). The same packages make
# the same layer: every file of the virtualenv gets CONTRACT's mtime (the toolchain's
# time), and LAYER holds it at its path (hard links) for a COPY onto /.
# extra-requirements.txt (what the options add, e.g. the telemetry ingester) is installed too.
# Index credentials come as a BuildKit secret, /run/secrets/mwe-pip-sources:
# the PIP-ARGUMENTs again, one a line, with the credentials the command line
# has redacted; they replace those (in memory only).
set -eu
python=$1 contract=$2 layer=$3 kind=$4
shift 4
# shellcheck source=/dev/null
. "$contract"
venv=$MWE_VENV
if [ -f /run/secrets/mwe-pip-sources ]; then
    set --
    while IFS= read -r argument || [ -n "$argument" ]; do set -- "$@" "$argument"; done < /run/secrets/mwe-pip-sources
fi
cd /tmp/dependencies
if ! "$python" -m pip --version >/dev/null 2>&1; then "$python" -m ensurepip >/dev/null; fi
# pip's cache only where BuildKit mounts one (it then stays out of the layer).
cache=--no-cache-dir
if grep -q ' /root/.cache/pip ' /proc/self/mountinfo; then cache=; fi
pip_install() {
    target=$1
    shift
    "$python" -m pip --python "$target" install $cache --disable-pip-version-check \
        --no-input --progress-bar off "$@"
}

# A lock's own tool, from the same sources as the dependencies (the PIP-ARGUMENTs),
# into a throwaway virtualenv: only its export reaches $venv.
lock_tool() {
    "$python" -m venv --without-pip /tmp/lock-tool
    pip_install /tmp/lock-tool/bin/python --quiet "$@"
}

case "$kind" in
pyproject)
    # The [project] dependencies only: the application itself is copied into the image as it is.
    "$python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb")).get("project", {}).get("dependencies", [])))' > requirements.txt
    ;;
uv|poetry|pipenv)
    # The lock decides the versions (and hashes): its tool exports them as a
    # requirements file, without the project itself, development dependencies
    # or index URLs (pip's sources are the build's index options, as for any
    # requirements file).
    case "$kind" in
    uv)
        lock_tool "$@" uv
        UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1 /tmp/lock-tool/bin/uv export --frozen --no-emit-project --no-dev \
            --format requirements-txt --quiet --output-file requirements.txt
        ;;
    poetry)
        lock_tool "$@" poetry poetry-plugin-export
        POETRY_NO_INTERACTION=1 POETRY_CACHE_DIR=/tmp/lock-tool/cache /tmp/lock-tool/bin/poetry export \
            --format requirements.txt --without-urls --output requirements.txt
        ;;
    pipenv)
        lock_tool "$@" pipenv
        PIPENV_VERBOSITY=-1 /tmp/lock-tool/bin/pipenv requirements --hash > /tmp/lock-tool/exported.txt
        sed -E '/^(-i|--index-url|--extra-index-url)[ =]/d' /tmp/lock-tool/exported.txt > requirements.txt
        ;;
    esac
    rm -rf /tmp/lock-tool
    echo "Locked versions ($kind):"
    sed -n -E 's/^([A-Za-z0-9][^ ;\\]*).*/  \1/p' requirements.txt
    ;;
none)
    : > requirements.txt
    ;;
esac
# pip sees the virtualenv alone while it installs: a requirement met by the toolchain's own
# packages (pip, setuptools, packaging, typing_extensions, ...) would be missing in the
# runtime image, which has none of them. The runtime's site-packages (mod_wsgi,
# --system-packages) are let in afterwards.
"$python" -m venv --without-pip "$venv"
if grep -q -e '--hash' requirements.txt; then
    # Hash-checking mode covers a whole pip run: what the options add goes in a second one.
    pip_install "$venv/bin/python" --no-compile "$@" -r requirements.txt
    if grep -q '[^[:space:]]' extra-requirements.txt; then pip_install "$venv/bin/python" --no-compile "$@" -r extra-requirements.txt; fi
else
    { echo; cat extra-requirements.txt; } >> requirements.txt
    pip_install "$venv/bin/python" --no-compile "$@" -r requirements.txt
fi
sed -i 's/^include-system-site-packages = false$/include-system-site-packages = true/' "$venv/pyvenv.cfg"
# A stable path for mod_wsgi's python-path, whatever the Python version.
ln -s "$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" "$venv/site-packages"
# Every file at the toolchain's time, then the bytecode compiled (pip was told
# not to: a .pyc records its source file's mtime).
find "$venv" -exec touch -h -r "$contract" {} +
# As pip's own compile step: a file that is not valid Python (a template, test data) stays uncompiled.
"$venv/bin/python" -m compileall -q -j 0 "$venv" >/dev/null || true
find "$venv" -newer "$contract" -exec touch -h -r "$contract" {} +
# A COPY to the virtualenv's path would give the directory it creates the build's
# time; one of LAYER onto / gives each directory the time it has here. There its
# python3 is the runtime image's (the toolchain's is not there): its scripts run.
mkdir -p "$layer$(dirname "$venv")"
cp -a -l "$venv" "$layer$venv"
ln -sfn "$(dirname "$MWE_ENTRYPOINT")/python3" "$layer$venv/bin/python3"
find "$layer" -exec touch -h -r "$contract" {} +
