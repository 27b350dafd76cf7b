#!/bin/sh
# Patches applied to the mod_wsgi source tree at /build/mod_wsgi before it is
# compiled; each one's name goes to /build/mod_wsgi-patches (one a line), which
# finish-toolchain.sh records in toolchain.json. A source a patch does not fit
# (another mod_wsgi version) is compiled without it.
set -eu
cd /build/mod_wsgi
: > /build/mod_wsgi-patches

# server-addr-family: a daemon process rebuilds the connection's local address
# from SERVER_ADDR with apr_sockaddr_info_get(APR_UNSPEC) for every request,
# and APR asks getaddrinfo for AI_ADDRCONFIG with APR_UNSPEC, so glibc dumps
# the host's interface addresses over netlink each time (a socket and about
# six system calls a request). SERVER_ADDR is a numeric address: its form
# gives the family, and getaddrinfo then only parses it.
unspec='apr_sockaddr_info_get(&addr, local_ip, APR_UNSPEC,'
if grep -qF "$unspec" src/server/wsgi_daemon.c; then
    sed -i "s/apr_sockaddr_info_get(&addr, local_ip, APR_UNSPEC,/apr_sockaddr_info_get(\&addr, local_ip, strchr(local_ip, ':') ? APR_INET6 : APR_INET,/" \
        src/server/wsgi_daemon.c
    grep -qF "strchr(local_ip, ':') ? APR_INET6 : APR_INET," src/server/wsgi_daemon.c
    echo server-addr-family >> /build/mod_wsgi-patches
fi
