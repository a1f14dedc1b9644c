#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shoalctl without a daemon: --help of every command, the errors for bad
# arguments and a missing socket, and its output against a stand-in that
# answers the admin protocol with canned responses. No testbed, no root.
set -uo pipefail
SHOALCTL=$1
here=$(dirname "$0")
. "$here/e2e_lib.sh"

dir=$(mktemp -d /tmp/shoal-shoalctl.XXXXXX)
fake_pid=
cleanup() {
    if [ -n "$fake_pid" ]; then
        kill "$fake_pid" 2>/dev/null
        wait "$fake_pid" 2>/dev/null
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
sock=$dir/virtshoald-admin-sock
c() { "$SHOALCTL" --socket "$sock" "$@"; }

for cmd in "" "host" "host list" "host add" "host remove" \
    "host maintenance" "host restore" "conflicts" "migrations" "status"; do
    # shellcheck disable=SC2086
    ok "shoalctl${cmd:+ $cmd} --help" has "^  shoalctl \[OPTION.*\] ${cmd:-COMMAND}( |$)" \
        "$SHOALCTL" $cmd --help
done
ok "top-level help lists the commands" has '^  host maintenance +Switch' "$SHOALCTL" --help
ok "host --help lists its commands" has '^  maintenance +Switch' "$SHOALCTL" host --help
ok "maintenance --help shows --return" has '[-]-return' "$SHOALCTL" host maintenance --help
ok "--help shows the global options" has '[-]-socket=PATH' "$SHOALCTL" status --help
ok "no command" fails '^shoalctl: error: a command is needed' "$SHOALCTL"
ok "unknown command" fails "^shoalctl: error: unknown command 'frob'" "$SHOALCTL" frob
ok "unknown host command" fails "unknown command 'host frob'" "$SHOALCTL" host frob
ok "group without a command" fails "'host' needs a command" "$SHOALCTL" host
ok "missing argument" fails 'wrong number of arguments; usage: shoalctl host add NAME URI' \
    "$SHOALCTL" host add h1
ok "unknown option" fails '^shoalctl: error: Unknown option --frob' "$SHOALCTL" status --frob
ok "on|off checked" fails "'maybe' is neither 'on' nor 'off'" c host maintenance h1 maybe
ok "--return only with off" fails "[-]-return applies only to 'off'" \
    c host maintenance h1 on --return
ok "missing socket: names it, suggests --socket" \
    fails "cannot connect to the admin socket '$sock'.*--socket" c status
ok "missing socket: exit status 1" eval "c status; [ \$? -eq 1 ]"

# A stand-in daemon: one canned response per command.
/usr/bin/python3 - "$sock" <<'PY' &
import json, os, socket, sys
path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path + ".tmp")
srv.listen(8)
os.rename(path + ".tmp", path)
hosts = [
    {"name": "h1", "uri": "qemu+tcp://h1/system", "migration_uri": None,
     "state": "online", "maintenance": False, "last_error": None,
     "memory_kib": 16777216, "cpus": 8, "committed_memory_kib": 4194304,
     "committed_vcpus": 6, "domains": 3, "running": 2, "cpu_load": 0.25},
    {"name": "h2", "uri": "qemu+tcp://h2/system", "migration_uri": None,
     "state": "unreachable", "maintenance": True,
     "last_error": "unable to connect to server", "memory_kib": 0,
     "cpus": 0, "committed_memory_kib": 0, "committed_vcpus": 0,
     "domains": 0, "running": 0},
]
migrations = [
    {"id": 7, "domain": "web-1", "from": "h1", "to": "h3",
     "reason": "maintenance of 'h1'", "state": "running",
     "started": "2024-05-01T10:00:00Z", "duration_ms": 12500,
     "data_total": 1000, "data_processed": 420, "progress": 0.42,
     "downtime_ms": None, "error": None},
    {"id": 6, "domain": "db-1", "from": "h2", "to": "h1", "reason": "virsh",
     "state": "failed", "started": "2024-05-01T09:00:00Z",
     "duration_ms": 800, "data_total": 0, "data_processed": 0,
     "progress": None, "downtime_ms": None, "error": "migration aborted"},
]
def answer(req):
    cmd = req.get("command")
    if cmd == "host-list":
        return hosts
    if cmd == "migrations":
        return migrations
    if cmd == "status":
        return {"hosts": 2, "hosts_online": 1, "hosts_maintenance": 1,
                "domains": 3, "running": 2, "migrations_running": 1}
    if cmd in ("host-add", "host-remove") and req.get("name") != "busy":
        return {}
    if cmd == "host-maintenance" and req.get("name") == "bad":
        return {"migrated": 1, "rehomed": 0, "failed": 2,
                "errors": ["cannot migrate 'a': boom", "cannot migrate 'b': boom"]}
    if cmd == "host-maintenance":
        return {"migrated": 3, "rehomed": 1, "failed": 0, "errors": []}
    if cmd == "conflicts":
        return [{"kind": "duplicate", "domain": "db",
                 "uuid": "b2222222-2222-4222-8222-222222222222",
                 "hosts": ["h1", "h2"]},
                {"kind": "missing", "domain": "web",
                 "uuid": "a1111111-1111-4111-8111-111111111111",
                 "hosts": ["h3"]}]
    if cmd == "host-restore":
        return {"restored": req.get("domains", ["web", "db"])}
    raise KeyError(cmd)
while True:
    conn, _ = srv.accept()
    f = conn.makefile("rwb")
    for line in f:
        req = json.loads(line)
        try:
            resp = {"ok": True, "result": answer(req)}
        except KeyError:
            resp = {"ok": False, "error": {"code": 55, "message":
                    "Requested operation is not valid: host 'busy' holds domains"}}
        f.write(json.dumps(resp).encode() + b"\n")
        f.flush()
    conn.close()
PY
fake_pid=$!
eventually 10 test -S "$sock"

ok "host list: a table" has '^NAME +STATE +MAINT +VMS +RUNNING +LOAD +CPUS +VCPUS +MEMORY +COMMITTED +ERROR$' c host list
ok "host list: a host's row" has '^h1 +online +no +3 +2 +25% +8 +6 +16.0 GiB +4.0 GiB$' c host list
ok "host list: an unreachable host's error" has '^h2 +unreachable +yes +0 +0 +- +0 +0 +- +0 bytes +unable to connect to server$' c host list
ok "host list --json: the result, pretty" has '^  \{$' c host list --json
ok "--json before the command" has '"name": "h1"' "$SHOALCTL" --json --socket "$sock" host list
ok "migrations: a table" has '^ID +DOMAIN +FROM +TO +STATE +PROGRESS +DURATION +DOWNTIME +REASON/ERROR$' c migrations
ok "migrations: in flight" has "^ 7 +web-1 +h1 +h3 +running +42% +12.5 s +- +maintenance of 'h1'$" c migrations
ok "migrations: failed, with its error" has '^ 6 +db-1 +h2 +h1 +failed +- +800 ms +- +migration aborted$' c migrations
ok "status" has '^Hosts in maintenance: +1$' c status
ok "host add" has "^host 'h3' added$" c host add h3 qemu+tcp://h3/system --migration-uri tcp://h3
ok "host remove" has "^host 'h3' removed$" c host remove h3
ok "host remove refused: the daemon's message" \
    fails "^shoalctl: error: Requested operation is not valid: host 'busy' holds domains$" c host remove busy
ok "maintenance on" has "^host 'h1' is in maintenance: 3 domains migrated, 1 re-homed$" \
    c host maintenance h1 on
ok "maintenance off --return" has "^host 'h1' is out of maintenance: 3 domains migrated back, 1 re-homed$" \
    c host maintenance h1 off --return
ok "maintenance with failures: each error, exit 1" \
    fails "cannot migrate 'b': boom.*2 domains could not be moved for host 'bad'" \
    eval "c host maintenance bad on 2>&1 | tr '\n' ' '; exit \${PIPESTATUS[0]}"

ok "conflicts: a table" has '^KIND +DOMAIN +UUID +HOSTS$' c conflicts
ok "conflicts: a duplicate, with its hosts" \
    has '^duplicate +db +b2222222-2222-4222-8222-222222222222 +h1,h2$' c conflicts
ok "conflicts: a missing definition, with its host" \
    has '^missing +web +a1111111-1111-4111-8111-111111111111 +h3$' c conflicts
ok "host restore NAME DOMAIN: the domains defined again" \
    has "^domain 'web' defined again on host 'h3'$" c host restore h3 web
ok "host restore NAME: all it lacks" has "^domain 'db' defined again on host 'h3'$" c host restore h3
ok "host restore without a host: usage" \
    fails 'usage: shoalctl host restore NAME \[DOMAIN\.\.\.\]' c host restore

echo "1..$e2e_n"
[ "$e2e_failed" -eq 0 ]
