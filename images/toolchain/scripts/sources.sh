# Sourced by the build scripts that fetch source tarballs.
fail() { echo "mwe-image: $*" >&2; exit 1; }

# download URL FILE OPTION: fetches URL into FILE or fails naming OPTION and the reason.
download() {
    python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$1" "$2" 2>/build/download.err \
        || fail "$3: could not download $1 ($(tail -n 1 /build/download.err)); check the URL"
}

# local_tarball DIR OPTION: prints the tarball copied into DIR, or fails naming OPTION.
local_tarball() {
    set -- "$(ls "$1"/* 2>/dev/null | head -n 1)" "$2"
    [ -n "$1" ] || fail "$2 holds no tarball"
    echo "$1"
}

# unpack TARBALL DIR OPTION WHAT: extracts TARBALL's top directory into DIR, or
# fails naming OPTION and what the tarball should have held.
unpack() {
    mkdir -p "$2"
    tar -xf "$1" -C "$2" --strip-components=1 || fail "$3: $1 is not $4 source tarball"
}

# Makes an apt state of its own that lists bookworm's and trixie's sources (so
# that any suite's upstream tarball can be fetched) and prints the apt options
# that select it.
all_suites_apt() {
    uri=$(grep -rhoE 'https?://[^ ]+/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -n 1)
    mkdir -p /build/apt-src/lists/partial /build/apt-src/parts
    for suite in bookworm trixie; do echo "deb-src ${uri:-http://deb.debian.org/debian} $suite main"; done > /build/apt-src/sources.list
    options="-o Dir::Etc::SourceList=/build/apt-src/sources.list -o Dir::Etc::SourceParts=/build/apt-src/parts -o Dir::State::Lists=/build/apt-src/lists"
    # shellcheck disable=SC2086
    apt-get $options update >/dev/null || fail "could not read Debian's source archive"
    echo "$options"
}

# quietly LOG LABEL COMMAND...: runs COMMAND with its output in LOG and, while
# it runs, prints a line every 20 s (elapsed time and the log's last line), so
# a long compile is not minutes of silence. Returns COMMAND's status.
quietly() {
    log=$1 label=$2
    shift 2
    "$@" >"$log" 2>&1 &
    job=$!
    started=$(date +%s)
    while ! wait_for "$job" 20; do
        echo "$label: $(($(date +%s) - started))s, $(tail -n 1 "$log" | cut -c1-100)"
    done
    wait "$job"
}

# wait_for PID SECONDS: true once PID has ended, false if it still runs after SECONDS.
wait_for() {
    i=0
    while [ "$i" -lt "$2" ]; do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 1
        i=$((i + 1))
    done
    ! kill -0 "$1" 2>/dev/null
}
