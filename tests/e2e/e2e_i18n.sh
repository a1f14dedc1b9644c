#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: Shoal's messages in Japanese. virtshoald runs with
# LANG=ja_JP.UTF-8 and, like libvirtd, answers every client in its own
# language: virsh and python3-libvirt show its translated errors whatever
# their locale. shoalctl's own messages follow shoalctl's locale.
#
# The catalogues come from the build tree (SHOAL_LOCALEDIR, set by
# meson: build/po holds ja/LC_MESSAGES/shoal.mo). The ja_JP.UTF-8 locale
# is generated here if this machine lacks it (Debian's locales package).
set -uo pipefail
E2E_VIRTSHOALD=$1
E2E_TESTBED=$2
E2E_SHOALCTL=$3
here=$(dirname "$0")
. "$here/e2e_lib.sh"

JA=ja_JP.UTF-8
if [ -z "${SHOAL_LOCALEDIR:-}" ] || [ ! -f "$SHOAL_LOCALEDIR/ja/LC_MESSAGES/shoal.mo" ]; then
    echo "Bail out! no ja/LC_MESSAGES/shoal.mo under SHOAL_LOCALEDIR (${SHOAL_LOCALEDIR:-unset})"
    exit 1
fi
export SHOAL_LOCALEDIR
if ! locale -a 2>/dev/null | grep -ix 'ja_JP\.utf-\?8' >/dev/null; then
    localedef -i ja_JP -f UTF-8 "$JA" >/dev/null 2>&1 || {
        echo "Bail out! cannot generate the $JA locale (needs Debian's locales package)"
        exit 1
    }
fi

e2e_start 2 'h1:i18n-a;h2:'
# the clients keep the C locale unless a test says otherwise: the
# language of a Shoal error is the daemon's
v() { virsh -c "$URI" "$@"; }
ja() { LC_ALL=$JA LANG=$JA LANGUAGE=ja "$@"; }
ctl() { "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
listed() { v -q list --all --name | grep -x i18n-a >/dev/null; }

# up first: a daemon stopped before it has started would take the test's
# exit trap with it
ok "the daemon serves the domain" eventually 60 listed
# the daemon again, now in Japanese; LANGUAGE would take precedence
e2e_daemon_stop
LC_ALL=$JA LANG=$JA LANGUAGE=ja e2e_daemon_start
ok "the daemon in Japanese serves the domain" eventually 60 listed
lookup() {
    /usr/bin/python3 -c '
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
conn = libvirt.open(sys.argv[1])
try:
    conn.lookupByName("nosuch")
except libvirt.libvirtError as e:
    print(e.get_error_message())
    sys.exit(1)
' "$URI"
}
ok "python3-libvirt (C locale) reads the daemon's Japanese error" \
    fails "ドメインが見つかりません: 名前 'nosuch' に一致するドメインはありません" lookup
ok "python3-libvirt (Japanese locale) reads the same error" \
    fails "ドメインが見つかりません: 名前 'nosuch' に一致するドメインはありません" ja lookup
ok "virsh (Japanese locale) shows Shoal's refusal of a destination" \
    fails "移行先 'shoal://nosuch/' はメンバーホストではありません" \
    ja virsh -c "$URI" migrate --live --p2p i18n-a shoal://nosuch/
ok "virsh (C locale) shows it in Japanese too: the daemon's language" \
    fails "移行先 'shoal://nosuch/' はメンバーホストではありません" \
    v migrate --live --p2p i18n-a shoal://nosuch/
still_on_h1() {
    virsh -c "$(e2e_host_uri h1)" list --name | grep -x i18n-a >/dev/null && return 0
    echo "h1: $(virsh -c "$(e2e_host_uri h1)" domstate --reason i18n-a 2>&1)"
    echo "h2: $(virsh -c "$(e2e_host_uri h2)" list --all --name 2>&1)"
    return 1
}
ok "the refused migration left the domain where it was" still_on_h1

# shoalctl: its own words follow its locale, the daemon's follow the daemon
ok "shoalctl's usage error is in Japanese" \
    fails "'maybe' は 'on' でも 'off' でもありません" ja ctl host maintenance h1 maybe
ok "shoalctl's status labels are in Japanese" has '^ホスト: +2$' ja ctl status
ok "shoalctl's host list headers are in Japanese" has '^名前 ' ja ctl host list
# (in the C locale GLib would print the daemon's Japanese as '?')
ok "shoalctl shows the daemon's Japanese refusal" \
    fails "'nosuch' という名前のホストはありません" ja ctl host remove nosuch
ok "shoalctl --help is in Japanese" has 'メンバーホスト' ja ctl --help

e2e_finish
