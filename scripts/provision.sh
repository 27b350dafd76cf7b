#!/usr/bin/env bash
# Makes a fresh Debian/Ubuntu machine ready for mwe-image: Docker engine,
# debootstrap, wrk and haproxy (for the load tests), podman and docker-compose
# (for the manifest test) installed, dockerd running, node
# modules installed and compiled, and a base image present (pulled where
# possible, else made with debootstrap).
# Idempotent: each step is skipped when already done. Needs root for apt/dockerd.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[provision] $*" >&2; }
engine_up() { curl -sf --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; }

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v curl >/dev/null || missing+=(curl)
command -v wrk >/dev/null || missing+=(wrk)   # the reliability tests' load generator
command -v shellcheck >/dev/null || missing+=(shellcheck)   # npm run lint
# install-module's test loads a module into this host's Apache: on Debian 12, its apache2 and libpython3.11.
if grep -q '^VERSION_CODENAME=bookworm$' /etc/os-release 2>/dev/null; then
    [ -x /usr/sbin/apache2 ] || missing+=(apache2-bin)
    ldconfig -p | grep -q 'libpython3\.11\.so\.1\.0' || missing+=(libpython3.11)
fi
command -v strace >/dev/null || missing+=(strace)   # the runtime test traces a daemon process's system calls
command -v haproxy >/dev/null || missing+=(haproxy)   # the rolling-replacement test's load balancer
# The manifest test's consumers: podman kube play (catatonit makes its pod pause
# image, runc is the runtime its containers.conf names) and docker-compose.
command -v podman >/dev/null || missing+=(podman)
command -v catatonit >/dev/null || missing+=(catatonit)
command -v runc >/dev/null || missing+=(runc)
command -v docker-compose >/dev/null || missing+=(docker-compose)
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    # Only the binary is wanted: the tests start their own HAProxy on 127.0.0.1.
    service haproxy stop >/dev/null 2>&1 || true
fi

if ! engine_up; then
    say "starting dockerd (log: /tmp/mwe-dockerd.log)"
    nohup dockerd >/tmp/mwe-dockerd.log 2>&1 &
    for _ in $(seq 90); do engine_up && break; sleep 1; done
    engine_up || { tail -20 /tmp/mwe-dockerd.log >&2; say "dockerd did not start"; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    say "installing node modules"
    npm ci --no-audit --no-fund --loglevel=error >&2
fi
npm run --silent build >&2

base=${MWE_BASE_IMAGE:-debian:trixie-slim}
if ! curl -sf --unix-socket /var/run/docker.sock "http://localhost/images/$base/json" >/dev/null; then
    curl -sf --unix-socket /var/run/docker.sock -X POST "http://localhost/images/create?fromImage=$base" >/dev/null 2>&1 \
        || { say "cannot pull $base; making it with debootstrap (about a minute)"; node bin/mwe-image.js base bootstrap >&2; }
fi
say "ready"
