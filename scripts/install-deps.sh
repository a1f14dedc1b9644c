#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs everything Shoal's build, tests and testbed need on Debian 12.
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
    # build
    gcc meson ninja-build pkg-config gettext python3 rpcsvc-proto
    libvirt-dev libglib2.0-dev libxml2-dev libjson-c-dev libtirpc-dev
    # checks: formatting, valgrind, libFuzzer (clang's runtime)
    clang-format valgrind clang libclang-rt-14-dev
    # testbed: member hosts are real libvirtd + QEMU
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
    qemu-system-x86 qemu-utils util-linux procps tini
    # the testbed's Linux guest (tests/testbed/linux-guest): kernel, busybox
    linux-image-amd64 busybox-static cpio
    # stock clients the end-to-end tests drive
    python3-libvirt libsys-virt-perl
    # virt-manager under a virtual X server; the test reads its windows
    # through AT-SPI (at-spi2-core, gir1.2-atspi-2.0) on a private D-Bus
    # session (dbus-run-session is in dbus-daemon)
    virt-manager xvfb dbus-daemon at-spi2-core gir1.2-atspi-2.0
    # packaging, unit files, socket activation, shoal+ssh:// over loopback
    debhelper dpkg-dev systemd openssh-server openssh-client netcat-openbsd iproute2
    # man pages; the Japanese locale for the translation test
    scdoc locales
    # the etcd store backend (issue 13): its HTTP client, and etcd for tests
    libcurl4-openssl-dev etcd-server etcd-client
    # the clients end to end (issue 11): cockpit-machines through
    # libvirt-dbus in headless Chromium, prometheus-libvirt-exporter,
    # virt-install --cdrom from an ISO made at test time
    cockpit-ws cockpit-bridge cockpit-machines libvirt-dbus
    chromium chromium-driver python3-selenium
    prometheus-libvirt-exporter virtinst xorriso
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
