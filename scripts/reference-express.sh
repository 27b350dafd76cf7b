#!/usr/bin/env bash
# Builds the real mod_wsgi-express from a mod_wsgi source tarball on this host
# (Debian packages: python3-dev, apache2-dev, ...; a venv with the system
# site-packages; pip install without network), for side-by-side comparisons.
#   scripts/reference-express.sh TARBALL [DIR]   -> DIR/venv/bin/mod_wsgi-express
# Idempotent: does nothing when DIR already holds a build of that tarball.
set -euo pipefail
tarball=$1
dir=${2:-/tmp/mwe-reference}
stamp="$dir/.built-from-$(sha256sum "$tarball" | cut -c1-16)"
[ -e "$stamp" ] && { echo "$dir/venv/bin/mod_wsgi-express"; exit 0; }

packages=(python3-dev python3-venv python3-setuptools python3-wheel python3-pip apache2-dev apache2-bin)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

rm -rf "$dir" && mkdir -p "$dir/src"
tar -xzf "$tarball" -C "$dir/src" --strip-components=1
/usr/bin/python3 -m venv --system-site-packages "$dir/venv"
"$dir/venv/bin/pip" install --quiet --no-build-isolation --no-index "$dir/src" >&2
touch "$stamp"
echo "$dir/venv/bin/mod_wsgi-express"
