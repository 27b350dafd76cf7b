#!/usr/bin/env bash
# The main job on a fresh machine: provision, build the example app into an
# image, and serve it on http://127.0.0.1:8000/ in the foreground (Ctrl-C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
# start-server builds the image (cached after the first run) and serves it in the foreground,
# published on 127.0.0.1, through the Engine API; Ctrl-C is a graceful stop.
exec node bin/mwe-image.js start-server examples/hello/wsgi.py --url-alias /static/ examples/hello/static/
