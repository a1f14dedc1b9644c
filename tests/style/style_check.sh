#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The checked rules of STYLE.md, one TAP line each.
set -uo pipefail
cd "$1"

n=0
failed=0
check() {
    local desc=$1 out
    shift
    n=$((n + 1))
    out=$("$@" 2>&1)
    if [ -z "$out" ]; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        printf '%s\n' "$out" | head -20 | sed 's/^/# /'
        failed=$((failed + 1))
    fi
}

sources=$(git ls-files '*.c' '*.h' 2>/dev/null || find src tests -name '*.[ch]')

not_formatted() {
    local f
    for f in $sources; do
        clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"
    done
}
cpp_comments() {
    grep -nE '^\s*//|[;{}]\s*//' $sources
}
sched_includes() {
    grep -nE '#include\s*[<"](libvirt/|cluster|driver)' src/sched 2>/dev/null -r
}
# The libraries and the ones each may use (architecture review, section
# 4); driver and admin see the cluster through cluster.h alone.
layers='util:
sched:
conf:util
store:util
hosts:util conf
exec:util sched
cluster:util conf store hosts exec sched
driver:util cluster
admin:util cluster'
layer_allowed() {
    printf '%s\n' "$layers" | sed -n "s/^$1://p"
}
layer_includes() {
    # every header of src/ by the library it belongs to (generated ones
    # are the driver's); includes of other files (config.h, system) pass
    local lib allowed file inc owner
    declare -A owners
    for file in src/*/*.h; do
        owner=${file#src/}
        owners[${file##*/}]=${owner%%/*}
    done
    owners[driver_protocol.h]=driver
    owners[driver_dispatch_procs.h]=driver
    for lib in $(printf '%s\n' "$layers" | cut -d: -f1); do
        allowed=" $lib $(layer_allowed "$lib") "
        grep -nE '^#\s*include\s*"[^"]+"' src/"$lib"/*.[ch] |
            sed -E 's/^([^:]+:[0-9]+):.*"([^"]+)".*/\1 \2/' |
            while read -r file inc; do
                owner=${owners[$inc]:-}
                [ -n "$owner" ] || continue
                if [[ $allowed != *" $owner "* ]]; then
                    echo "$file: $lib may not include $inc ($owner)"
                elif [ "$owner" = cluster ] && [ "$lib" != cluster ] &&
                    [ "$inc" != cluster.h ]; then
                    echo "$file: $lib sees the cluster through cluster.h only"
                fi
            done
    done
}
layer_dependencies() {
    # the project's libraries each meson.build names (dependencies and
    # link_with) are the allowed ones
    local lib allowed dep
    for lib in $(printf '%s\n' "$layers" | cut -d: -f1); do
        allowed=" $lib $(layer_allowed "$lib") "
        for dep in $(grep -oE '\b[a-z]+_(dep|lib)\b' src/"$lib"/meson.build |
            sed -E 's/_(dep|lib)$//' | sort -u); do
            [[ $'\n'$layers == *$'\n'$dep:* ]] || continue
            [[ $allowed == *" $dep "* ]] ||
                echo "src/$lib/meson.build: $lib may not depend on $dep"
        done
    done
}
mutable_statics() {
    # file-scope statics that are not const, not functions
    grep -nE '^static\s+[^(]*(=|;)' src -r | grep -v 'const'
}
prefix_errors() {
    grep -nE 'g_prefix_error\(' src -r -A1 | grep -E '_\("' | grep -vE ': "\)'
}
potfiles() {
    diff <(grep -l -E '\b_\("|N_\("' -r src | sort) <(grep -v '^#' po/POTFILES | sort)
}
pipe_grep_q() {
    # under pipefail, grep -q quits at its match and the writer before it
    # may die of SIGPIPE: the pipeline then fails although it matched
    grep -nE '(^|[^|])\|\s*grep\s+-[a-zA-Z]*q' \
        $(git ls-files '*.sh' tests/testbed/testbed 2>/dev/null)
}
mutex_one_file() {
    # a mutex (named by its last two components, as 'jobs->lock') is
    # locked in one .c file, its object's (libvirt's qemu-threads.rst);
    # objects whose struct is private to their file get that from the
    # compiler, this catches the others.
    grep -rnoE '(g_mutex_lock|g_mutex_trylock|g_mutex_locker_new|g_rec_mutex_lock|g_rw_lock_[a-z]+_lock)\(&[A-Za-z_][A-Za-z0-9_>.-]*' \
        src --include='*.c' |
        sed -E 's/^([^:]+):[0-9]+:[a-z_]+\(&/\1 /' |
        awk '{ n = split($2, p, /->|\./); print p[n - 1] "->" p[n], $1 }' |
        sort -u |
        awk '
            { files[$1] = files[$1] " " $2; count[$1]++ }
            END { for (m in count) if (count[m] > 1) print m ": locked in" files[m] }'
}
error_relabels() {
    # a SHOAL_ERROR carries private data (its origin): a GError of another
    # domain becomes one through shoalErrorRetarget(), never in place
    grep -nE '(->|\.)domain\s*=\s*SHOAL_ERROR' src -r
}
untranslated_errors() {
    grep -nE 'g_set_error\([^,]+,[^,]+,[^,]+,\s*"' src -r
}

check "sources are clang-formatted" not_formatted
check "only /* */ comments" cpp_comments
check "sched includes no libvirt, cluster or driver headers" sched_includes
check "each library includes only the libraries it may use" layer_includes
check "each library's meson dependencies are only the allowed ones" layer_dependencies
check "no mutable static variables" mutable_statics
check "g_prefix_error() prefixes end in ': '" prefix_errors
check "po/POTFILES lists exactly the files using _()" potfiles
check "client-facing errors are translated" untranslated_errors
check "no GError relabelled to SHOAL_ERROR in place" error_relabels
check "no grep -q at the end of a shell pipe (pipefail)" pipe_grep_q
check "every mutex is locked in one .c file" mutex_one_file

echo "1..$n"
[ $failed -eq 0 ]
