#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package: debian/ builds a .deb with dpkg-buildpackage -us -uc
# -b, the package holds every file meson install puts in place, and
# installing it on this machine (apt-get install ./shoal_*.deb, which
# resolves the dependencies as on a fresh machine) gives a working daemon:
# the installed virtshoald, started by hand with private sockets and state
# and libvirt's test driver (test:///default) as its one member host,
# serves virsh and the installed shoalctl. Then apt-get purge removes it.
#
# What is packaged is the committed tree, HEAD, exported with git archive:
# what a release would ship, and not the uncommitted edits of whoever
# shares the checkout. Root only (dpkg, apt); no testbed. The package is
# installed only if no shoal package and no virtshoald is on the machine
# already, and purged at any exit if this test installed it.
set -uo pipefail
SRCDIR=$1
here=$(dirname "$0")
. "$here/e2e_lib.sh"

# skip DESC REASON: a TAP line for a check this machine cannot run
skip() {
    e2e_n=$((e2e_n + 1))
    echo "ok $e2e_n - $1 # SKIP $2"
}

if [ "$(id -u)" -ne 0 ]; then
    skip "the Debian package" "needs root (dpkg, apt-get)"
    e2e_finish
fi
for tool in git dpkg-buildpackage:dpkg-dev dh:debhelper apt-get:apt; do
    if ! command -v "${tool%%:*}" >/dev/null; then
        skip "the Debian package" "no ${tool%%:*} (package ${tool##*:}; scripts/install-deps.sh)"
        e2e_finish
    fi
done
if ! git -c safe.directory="$SRCDIR" -C "$SRCDIR" rev-parse --verify -q HEAD >/dev/null; then
    skip "the Debian package" "$SRCDIR is not a git checkout with a commit"
    e2e_finish
fi

dir=$(mktemp -d /var/tmp/shoal-deb.XXXXXX)
# apt-get reads a local .deb as user _apt
chmod 755 "$dir"
E2E_DIR=$dir # e2e_finish shows $E2E_DIR/daemon.log
: >"$dir/daemon.log"
installed=false
daemon_pid=

# exited PID: the process is gone or a zombie (kill -0 counts zombies)
exited() {
    [ ! -e "/proc/$1" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# stop_daemon: SIGTERM, up to 10 s to exit, then SIGKILL; returns its status
stop_daemon() {
    local t rc
    [ -n "$daemon_pid" ] || return 0
    kill -TERM "$daemon_pid" 2>/dev/null
    for ((t = 0; t < 100; t++)); do
        exited "$daemon_pid" && break
        sleep 0.1
    done
    kill -KILL "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    rc=$?
    daemon_pid=
    return $rc
}

apt() {
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 "$@"
}

cleanup() {
    stop_daemon
    if $installed; then
        apt purge shoal >/dev/null 2>&1
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# took START: a TAP comment with the seconds since START
took() {
    echo "# $1 took $((SECONDS - $2)) s"
}

# 1. Build the package from the committed tree
src=$dir/shoal
export_tree() {
    mkdir "$src" &&
        git -c safe.directory="$SRCDIR" -C "$SRCDIR" archive --format=tar HEAD | tar -x -C "$src"
}
ok "git archive HEAD exports the tree with its debian/" eval 'export_tree && test -f "$src/debian/rules"'

# nocheck: the unit and integration suites run in CI from the build tree
# (meson test); here only the packaging is under test. debian/rules then
# skips building the tests too.
build() {
    (cd "$src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) >"$dir/build.log" 2>&1 || {
        echo "dpkg-buildpackage failed; the end of its output:"
        tail -38 "$dir/build.log"
        return 1
    }
}
start=$SECONDS
ok "dpkg-buildpackage -us -uc -b" build
took "dpkg-buildpackage" "$start"

debs=("$dir"/shoal_*.deb)
ok "it made one shoal_*.deb" eval '[ ${#debs[@]} -eq 1 ] && test -f "${debs[0]}"'
[ $e2e_failed -eq 0 ] || e2e_finish
deb=${debs[0]}
dpkg-deb -c "$deb" >"$dir/contents" 2>&1

# in_package MODE PATH: the package holds PATH (mode as ls -l shows it)
in_package() {
    awk -v m="$1" -v p=".$2" '$1 == m && $6 == p { found = 1 } END { exit !found }' "$dir/contents" || {
        echo "no $1 $2 in dpkg-deb -c:"
        cat "$dir/contents"
        return 1
    }
}
# the files meson install puts in place (e2e_install.sh checks them there)
for f in /usr/sbin/virtshoald /usr/bin/shoalctl; do
    ok "the package holds $f, executable" in_package -rwxr-xr-x "$f"
done
units=(virtshoald.service virtshoald.socket virtshoald-ro.socket virtshoald-admin.socket)
man_pages=(man8/virtshoald.8 man1/shoalctl.1 man5/virtshoald.conf.5 man7/shoal-metadata.7)
for f in /etc/shoal/virtshoald.conf "${units[@]/#//lib/systemd/system/}" \
    "${man_pages[@]/#//usr/share/man/}" \
    /usr/share/locale/ja/LC_MESSAGES/shoal.mo /usr/share/shoal/schemas/placement-1.rng; do
    case $f in /usr/share/man/*) f=$f.gz ;; esac # dh_compress
    ok "the package holds $f" in_package -rw-r--r-- "$f"
done
ok "the configuration is a conffile" has '^/etc/shoal/virtshoald\.conf$' dpkg-deb -I "$deb" conffiles
# a package that lacks a file is not installed
[ $e2e_failed -eq 0 ] || e2e_finish

# 2. Install it, unless this machine has Shoal installed already: an
# operator's installation is not ours to replace or purge
status=$(dpkg-query -W -f='${db:Status-Status}' shoal 2>/dev/null)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
    skip "installing the package" "package shoal is already on this machine ($status)"
    e2e_finish
fi
for f in /usr/sbin/virtshoald /usr/bin/shoalctl; do
    if [ -e "$f" ]; then
        skip "installing the package" "$f exists already, not from package shoal"
        e2e_finish
    fi
done

start=$SECONDS
installed=true # from here on, an exit purges it
ok "apt-get install ./$(basename "$deb")" apt install "$deb"
took "apt-get install" "$start"
ok "package shoal is installed" has '^install ok installed$' dpkg-query -W -f='${Status}\n' shoal
ok "the programs belong to it" has '^shoal: /usr/sbin/virtshoald$' dpkg -S /usr/sbin/virtshoald
[ $e2e_failed -eq 0 ] || e2e_finish

# 3. The installed files only: no build tree, no SHOAL_LOCALEDIR
unset SHOAL_LOCALEDIR
version=$(dpkg-query -W -f='${Version}' shoal)
version=${version%-*}
ok "virtshoald --version is the package's version" \
    has "^virtshoald \\(Shoal\\) ${version//./\\.}\$" /usr/sbin/virtshoald --version
ok "virtshoald reads /etc/shoal/virtshoald.conf by default" \
    has '\(default /etc/shoal/virtshoald\.conf\)' /usr/sbin/virtshoald --help
ok "the service runs the installed daemon" \
    grep -qxF 'ExecStart=/usr/sbin/virtshoald $VIRTSHOALD_ARGS' /lib/systemd/system/virtshoald.service
if command -v systemd-analyze >/dev/null; then
    verify() {
        local out
        out=$(cd /lib/systemd/system && systemd-analyze verify "${units[@]}" 2>&1) || {
            printf '%s\n' "$out"
            return 1
        }
        [ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
    }
    ok "systemd-analyze verify the installed units" verify
else
    skip "systemd-analyze verify the installed units" "no systemd-analyze (package systemd)"
fi
for page in virtshoald.8 shoalctl.1 virtshoald.conf.5 shoal-metadata.7; do
    ok "man -w finds $page" \
        has "^/usr/share/man/man${page##*.}/$page\\.gz\$" man -w "${page##*.}" "${page%.*}"
done

# The daemon speaks Japanese from the installed catalogue if this machine
# has the locale (e2e_i18n.sh generates it); otherwise English. Its
# errors reach shoalctl in the daemon's language; shoalctl needs a UTF-8
# locale to print them (C.UTF-8: its own messages stay English).
JA=ja_JP.UTF-8
lang=C
locale -a 2>/dev/null | grep -ix 'ja_JP\.utf-\?8' >/dev/null && lang=$JA
sock=$dir/sock
(
    trap - EXIT INT TERM
    exec env LC_ALL=$lang LANG=$lang /usr/sbin/virtshoald --socket-dir "$sock" \
        --state-dir "$dir/state" --host default=test:///default --verbose >>"$dir/daemon.log" 2>&1
) &
daemon_pid=$!
URI="shoal+unix:///system?socket=$sock/virtshoald-sock"
ok "the installed virtshoald creates its sockets" eventually 30 eval "
    test -S '$sock/virtshoald-sock' && test -S '$sock/virtshoald-sock-ro' &&
    test -S '$sock/virtshoald-admin-sock'"
ok "virsh list --all shows the test driver's domain" \
    eventually 30 has '^ *[0-9]+ +test +running$' virsh -c "$URI" list --all
ok "the installed shoalctl lists the member host" \
    has '^default +online ' /usr/bin/shoalctl --socket "$sock/virtshoald-admin-sock" host list
if [ $lang = $JA ]; then
    ok "in Japanese, its errors come from the installed catalogue" \
        fails "'nosuch' という名前のホストはありません" \
        env LC_ALL=C.UTF-8 /usr/bin/shoalctl --socket "$sock/virtshoald-admin-sock" host remove nosuch
else
    skip "its errors in Japanese" "no $JA locale (locales; e2e_i18n.sh generates it)"
fi
stop_daemon
rc=$?
ok "SIGTERM stops it with status 0" test "$rc" -eq 0
ok "and it removes its sockets" eval "
    ! test -e '$sock/virtshoald-sock' && ! test -e '$sock/virtshoald-sock-ro' &&
    ! test -e '$sock/virtshoald-admin-sock'"

# 4. Purge: nothing of the package stays
start=$SECONDS
ok "apt-get purge shoal" apt purge shoal
took "apt-get purge" "$start"
gone() {
    local s
    s=$(dpkg-query -W -f='${db:Status-Status}' shoal 2>/dev/null)
    [ -z "$s" ] || [ "$s" = not-installed ] || { echo "dpkg: shoal is $s"; return 1; }
}
gone && installed=false # else the exit tries again
ok "the package is gone" gone
ok "/usr/sbin/virtshoald is gone" eval '! test -e /usr/sbin/virtshoald'
ok "/etc/shoal is gone" eval '! test -e /etc/shoal'

e2e_finish
