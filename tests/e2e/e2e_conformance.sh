#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end, differentially: each virsh command of e2e_conformance.table
# through virtshoald and on the domain's host directly; the outputs must
# match once what differs by design (domain ids, creation times) is
# normalised. One TAP line per row.
set -uo pipefail
E2E_VIRTSHOALD=$1
E2E_TESTBED=$2
here=$(dirname "$0")
. "$here/e2e_lib.sh"
table=${E2E_CONFORMANCE_TABLE:-$here/e2e_conformance.table}

e2e_start 2 'h1:hog-conf,conf-off@off;h2:conf-idle'
HOST=$(e2e_host_uri h1)
DIR=$E2E_DIR/tb/shared
cat >"$DIR/disk.xml" <<XML
<disk type='file' device='disk'><driver name='qemu' type='raw'/>
  <source file='$DIR/extra.img'/><target dev='sdb' bus='usb'/></disk>
XML
# (USB: a SeaBIOS guest cannot acknowledge a PCI unplug, a USB one needs
# nothing from the guest)
echo '<disk type=' >"$DIR/bad.xml"
echo "<cpu mode='custom' match='exact'><model>qemu64</model></cpu>" >"$DIR/cpu.xml"
truncate -s 1M "$DIR/extra.img"

listed() { virsh -q -c "$URI" list --all --name | grep -c '^hog-conf$\|^conf-off$\|^conf-idle$'; }
three() { [ "$(listed)" -eq 3 ]; }
ok "the cluster lists the three guests" eventually 60 three

# What differs by design: domain ids (Shoal numbers its own), creation
# times (each run creates its own snapshots), and for 'status' rows all
# but the first word of each line (a statistic's name, not its value).
normalise() {
    sed -E -e 's/^(Id: +)[0-9]+$/\1N/' \
        -e "s/(<domain [^>]*id=')[0-9]+'/\1N'/" \
        -e 's/<creationTime>[0-9]+</<creationTime>T</' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [+-][0-9]{4}/TIME/g' \
        -e "s#$E2E_DIR#DIR#g"
}

# run URI MODE ARGS...: the normalised transcript of one virsh command
run() {
    local uri=$1 mode=$2 out err rc
    shift 2
    out=$(timeout 60 virsh -c "$uri" "$@" 2>"$E2E_DIR/stderr")
    rc=$?
    err=$(cat "$E2E_DIR/stderr")
    if [ "$mode" = status ]; then
        out=$(awk '{ sub(/=.*/, "=", $1); print $1 }' <<<"$out")
    fi
    printf 'exit %d\n%s\n--- stderr\n%s\n' "$rc" "$out" "$err" | normalise
}

# compare SHOAL HOST: the two transcripts, with a diff if they differ
compare() {
    [ "$1" = "$2" ] && return 0
    diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^</host: /; s/^>/shoal:/'
    return 1
}

# The rows of one block: modes, commands and reasons, in order.
modes=()
cmds=()
whys=()
rows=0
run_block() {
    local i side uri args
    local -a shoal host
    for side in shoal host; do
        uri=$URI
        [ $side = host ] && uri=$HOST
        for i in "${!cmds[@]}"; do
            args=${cmds[$i]//\{dom\}/hog-conf}
            args=${args//\{off\}/conf-off}
            args=${args//\{dir\}/$DIR}
            # shellcheck disable=SC2086 # the table's words are virsh's
            if [ $side = shoal ]; then
                shoal[$i]=$(run "$uri" "${modes[$i]}" $args)
            else
                host[$i]=$(run "$uri" "${modes[$i]}" $args)
            fi
        done
    done
    for i in "${!cmds[@]}"; do
        rows=$((rows + 1))
        if [ "${modes[$i]}" = differs ]; then
            e2e_n=$((e2e_n + 1))
            echo "ok $e2e_n - ${cmds[$i]} # SKIP differs: ${whys[$i]}"
            continue
        fi
        ok "${cmds[$i]} (${modes[$i]})" compare "${shoal[$i]}" "${host[$i]}"
    done
    modes=()
    cmds=()
    whys=()
}

while IFS= read -r line; do
    case $line in
    '#'* | '') continue ;;
    '== '*)
        [ ${#cmds[@]} -gt 0 ] && run_block
        continue ;;
    esac
    IFS='|' read -r mode cmd why <<<"$line"
    mode=${mode// /}
    cmd=$(sed -E 's/^ +| +$//g' <<<"$cmd")
    why=$(sed -E 's/^ +| +$//g' <<<"$why")
    case $mode in
    same | status) ;;
    differs) [ -n "$why" ] || { echo "Bail out! '$cmd' differs without a reason"; exit 1; } ;;
    *) echo "Bail out! bad mode '$mode' in the table"; exit 1 ;;
    esac
    modes+=("$mode")
    cmds+=("$cmd")
    whys+=("$why")
done <"$table"
[ ${#cmds[@]} -gt 0 ] && run_block
echo "# $rows commands compared"

# The same for python3-libvirt calls: one TAP line per call.
py_report=$E2E_DIR/python.out
py_same() { [ "$1" = same ] || { printf '%s\n' "$2"; return 1; }; }
py_failed() { cat "$py_report"; return 1; }
if /usr/bin/python3 "$here/e2e_conformance.py" "$URI" "$HOST" hog-conf conf-off \
    "$DIR/disk.xml" >"$py_report" 2>&1; then
    while read -r verdict call rest; do
        if [ "$verdict" = skip ]; then
            e2e_n=$((e2e_n + 1))
            echo "ok $e2e_n - python3-libvirt ${call%:} # SKIP differs: $rest"
            continue
        fi
        ok "python3-libvirt ${call%:}" py_same "$verdict" "$rest"
    done <"$py_report"
else
    ok "python3-libvirt calls ran" py_failed
fi

e2e_finish
