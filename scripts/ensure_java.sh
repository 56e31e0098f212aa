#!/bin/sh
# Spark (the engine for clusters, tested in local mode) needs a Java runtime. When `java` is
# missing, install Debian's openjdk-17-jre-headless with apt-get (as root, or with sudo -n).
set -eu
command -v java >/dev/null 2>&1 && exit 0
say() { printf 'make: %s\n' "$*" >&2; }
if ! command -v apt-get >/dev/null 2>&1; then
    say "no java and no apt-get: install a Java 17 runtime for the Spark engine and its tests"
    exit 1
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
say "installing openjdk-17-jre-headless (Java for the Spark engine)"
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    openjdk-17-jre-headless >/dev/null
command -v java >/dev/null 2>&1
