#!/bin/sh
# setup-server inside a mwe-image image: writes a server root with httpd.conf
# (this image's configuration), envvars (sourced before Apache starts; yours to
# edit, never overwritten) and apachectl (start, stop, graceful-stop, restart,
# graceful, configtest, status), with the options given here cached in it.
# Everything else was decided when the image was built: change it with
# `mwe-image setup-server APP ...` or `mwe-image build` on the host.
set -eu

usage() {
    cat <<'EOF'
usage: setup-server --server-root DIRECTORY [--port NUMBER] [--processes NUMBER]
                    [--threads NUMBER] [--log-level LEVEL] [--stop-timeout SECONDS]
                    [--reload-on-changes]

Writes DIRECTORY/httpd.conf, DIRECTORY/envvars and DIRECTORY/apachectl; then
DIRECTORY/apachectl start|stop|graceful-stop|restart|graceful|configtest|status.
Re-run it with new options to change them.
EOF
}

fail() {
    echo "setup-server: $*" >&2
    exit 2
}

number() { # FLAG VALUE
    case $2 in
        '' | *[!0-9]*) fail "$1: '$2' is not a whole number; give digits only" ;;
    esac
}

command_line="setup-server $*"
root=
settings=
while [ $# -gt 0 ]; do
    flag=${1%%=*}
    case $1 in
        --*=*) value=${1#*=} shifts=1 ;;
        *) value=${2-} shifts=2 ;;
    esac
    case $flag in
        -h | --help) usage; exit 0 ;;
        --reload-on-changes)
            settings="$settings MWE_RELOAD_ON_CHANGES=1"
            shift
            continue ;;
        --server-root) root=$value ;;
        --port | --processes | --threads | --stop-timeout)
            number "$flag" "$value"
            case $flag in
                --port) settings="$settings PORT=$value" ;;
                --processes) settings="$settings MWE_PROCESSES=$value" ;;
                --threads) settings="$settings MWE_THREADS=$value" ;;
                --stop-timeout) settings="$settings MWE_STOP_TIMEOUT=$value" ;;
            esac ;;
        --log-level)
            case $value in
                emerg | alert | crit | error | warn | notice | info | debug) settings="$settings MWE_LOG_LEVEL=$value" ;;
                *) fail "--log-level: '$value' is not one of emerg, alert, crit, error, warn, notice, info, debug" ;;
            esac ;;
        --*) fail "$flag is fixed when the image is built; rebuild with mwe-image setup-server APP $flag ... (here: --server-root, --port, --processes, --threads, --log-level, --stop-timeout, --reload-on-changes)" ;;
        *) fail "unexpected argument '$1'; see setup-server --help" ;;
    esac
    [ $# -ge "$shifts" ] || fail "$flag needs a value"
    shift "$shifts"
done

[ -n "$root" ] || fail "--server-root is required; give the directory to write the server root to"
case $root in
    /*) ;;
    *) fail "--server-root: '$root' is not an absolute path" ;;
esac
case $root in
    *[!A-Za-z0-9_./-]*) fail "--server-root: '$root' has characters other than letters, digits and _ . / -; choose another directory" ;;
esac

mkdir -p "$root"
cp "${MWE_HTTPD_CONF:-/etc/mwe-image/httpd.conf}" "$root/httpd.conf.new"
mv "$root/httpd.conf.new" "$root/httpd.conf"
if [ ! -e "$root/envvars" ]; then
    cat >"$root/envvars" <<'EOF'
# Sourced by apachectl before Apache starts (after the image's --envvars-script,
# if any). Export what the application reads at import time, e.g.
#   export DATABASE_URL=postgres://...
# setup-server never overwrites this file.
EOF
fi

# The image's own --envvars-script first, then this server root's.
envvars=${MWE_ENVVARS:+$MWE_ENVVARS:}$root/envvars
{
    echo "#!${MWE_SHELL_EXECUTABLE:-/bin/sh}"
    echo "# Written by: $command_line" | tr -d '\n\r'
    echo
    echo '# The options are cached here; re-run setup-server to change them.'
    for setting in $settings; do echo "export $setting"; done
    echo "export MWE_HTTPD_CONF=$root/httpd.conf MWE_RUNTIME_DIR=$root MWE_ENVVARS=$envvars"
    echo 'exec /usr/local/bin/mwe-entrypoint apachectl "${1:?usage: apachectl start|stop|graceful-stop|restart|graceful|configtest|status}"'
} >"$root/apachectl.new"
chmod 755 "$root/apachectl.new"
mv "$root/apachectl.new" "$root/apachectl"
echo "Server root $root written; run $root/apachectl start"
