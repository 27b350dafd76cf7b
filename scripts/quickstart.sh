#!/usr/bin/env bash
# The main job on a fresh machine: provision, build the example app into an
# image, and serve it on http://127.0.0.1:8000/ in the foreground (Ctrl-C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
node bin/mwe-image.js build examples/hello/wsgi.py --url-alias /static/ examples/hello/static/
echo "Serving on http://127.0.0.1:8000/ (Ctrl-C to stop)" >&2
exec docker run --rm -p 127.0.0.1:8000:8000 mwe-app/hello:latest
