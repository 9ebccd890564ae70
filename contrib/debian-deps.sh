#!/bin/sh
# Install the Debian 12 packages onionsip needs: to build and run it, or with
# --test also everything its tests drive for real (tor network, coturn,
# baresip, linphonec, packet capture, fuzzing, man page lint).
set -eu

run=""
[ "$(id -u)" -eq 0 ] || run="sudo"

build="build-essential autoconf automake pkg-config libre-dev libevent-dev
libssl-dev libcmocka-dev tor obfs4proxy"
test="python3 coturn baresip-core linphone-cli sox tshark iproute2 strace
clang libclang-rt-14-dev clang-format mandoc xz-utils git procps psmisc"

pkgs=$build
[ "${1:-}" = "--test" ] && pkgs="$build $test"

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! dpkg-query -W -f='${Status}\n' $pkgs 2>/dev/null |
    grep -qv '^install ok installed$' &&
    [ "$(dpkg-query -W $pkgs 2>/dev/null | wc -l)" -eq \
      "$(echo $pkgs | wc -w)" ]; then
	echo "debian-deps: all packages already installed"
	exit 0
fi
$run apt-get update -qq
# shellcheck disable=SC2086
$run apt-get install -y -qq $pkgs
