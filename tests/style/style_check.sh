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
layer_includes() {
    grep -nE '#include\s*"driver' src/cluster -r
    grep -nE '#include\s*"cluster_[a-z]+\.h"' src/driver -r
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
untranslated_errors() {
    grep -nE 'g_set_error\([^,]+,[^,]+,[^,]+,\s*"' src -r
}

check "sources are clang-formatted" not_formatted
check "only /* */ comments" cpp_comments
check "sched includes no libvirt, cluster or driver headers" sched_includes
check "cluster never includes driver, driver only cluster.h" layer_includes
check "no mutable static variables" mutable_statics
check "g_prefix_error() prefixes end in ': '" prefix_errors
check "po/POTFILES lists exactly the files using _()" potfiles
check "client-facing errors are translated" untranslated_errors
check "no grep -q at the end of a shell pipe (pipefail)" pipe_grep_q

echo "1..$n"
[ $failed -eq 0 ]
