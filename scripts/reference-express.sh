#!/usr/bin/env bash
# Installs the real mod_wsgi-express from PyPI on this host, for side-by-side
# comparisons: a venv made with Debian's /usr/bin/python3 (Debian packages
# python3-dev, python3-venv, apache2-dev, apache2-bin installed with apt when
# missing), then `pip install mod_wsgi==VERSION mod-wsgi-telemetry` with the
# host's pip configuration (pip.conf and the caller's PIP_* variables: index,
# certificates, proxy).
#   scripts/reference-express.sh VERSION [DIR]   -> DIR/venv/bin/mod_wsgi-express
# Idempotent: does nothing when DIR already holds an install of that version.
# Prints the path of mod_wsgi-express last; everything else goes to stderr.
set -euo pipefail
usage() { echo "usage: $0 VERSION [DIR]  (e.g. $0 6.1.1)" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
version=$1
[[ $version =~ ^[0-9]+(\.[0-9]+)*([a-z]+[0-9]+)?$ ]] || { echo "$0: '$version' is not a mod_wsgi version (e.g. 6.1.1)" >&2; exit 2; }
dir=${2:-/tmp/mwe-reference}
express="$dir/venv/bin/mod_wsgi-express"
stamp="$dir/.installed-mod_wsgi-$version"
if [ -e "$stamp" ] && [ -x "$express" ]; then
    echo "$express"
    exit 0
fi

packages=(python3-dev python3-venv apache2-dev apache2-bin)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "$0: installing ${missing[*]} with apt" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# A fresh venv per version: no stale module or script of another version.
# Only a directory this script made (or an empty one) is ever removed.
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && ! compgen -G "$dir/.installed-mod_wsgi-*" >/dev/null && [ ! -e "$dir/venv/pyvenv.cfg" ]; then
    echo "$0: $dir is not empty and holds no reference install; give another DIR" >&2
    exit 2
fi
rm -rf "$dir" && mkdir -p "$dir"
/usr/bin/python3 -m venv "$dir/venv"
# mod_wsgi compiles against the Apache that apxs (apache2-dev) names and the venv's Python.
if ! "$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check --use-pep517 "mod_wsgi==$version" mod-wsgi-telemetry >&2; then
    echo "$0: pip could not install mod_wsgi==$version (is PyPI, or the index in PIP_INDEX_URL/pip.conf, reachable from this host?)" >&2
    exit 1
fi
[ -x "$express" ] || { echo "$0: pip installed mod_wsgi==$version but $express is missing" >&2; exit 1; }
installed=$("$dir/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mod_wsgi"))')
[ "$installed" = "$version" ] || { echo "$0: asked for mod_wsgi $version, pip installed $installed" >&2; exit 1; }
touch "$stamp"
echo "$express"
