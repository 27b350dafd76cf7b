#!/bin/sh
# A CPython built here is staged whole under /out/opt/python; the runtime image
# needs the interpreter, its shared library, the standard library and the
# mod_wsgi package, not what builds or tests Python. Strips the shared
# objects' debug info and drops: test suites and their byte code, IDLE,
# tkinter, turtledemo, ensurepip and pip, lib2to3, the static libpython,
# headers, pkgconfig files and the -config scripts.
# (The toolchain's own /opt/python keeps all of it, for building modules.)
set -eu
[ -d /out/opt/python ] || exit 0
cd /out/opt/python
before=$(du -sm . | cut -f1)
for lib in lib/python3*; do
    rm -rf "$lib"/test "$lib"/idlelib "$lib"/tkinter "$lib"/turtledemo "$lib"/turtle.py "$lib"/ensurepip "$lib"/lib2to3 \
        "$lib"/site-packages/pip "$lib"/site-packages/pip-*.dist-info \
        "$lib"/config-*/*.a "$lib"/config-*/python.o
    find "$lib" -depth -type d \( -name test -o -name tests -o -name idle_test \) -exec rm -rf {} +
done
rm -rf include lib/pkgconfig lib/*.a bin/idle3* bin/pip3* bin/*-config share/man
find . -type f \( -name '*.so' -o -name '*.so.*' \) -exec strip --strip-unneeded {} +
strip --strip-unneeded bin/python3.*[0-9t]
echo "slimmed /out/opt/python from $before MB to $(du -sm . | cut -f1) MB"
