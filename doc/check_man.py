#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks that the manual pages name everything a user can type.

Every long option of virtshoald and shoalctl (from their --help), every
shoalctl command and its options, and every configuration key the daemon
reads (from the sources) must appear in the page that documents it.

Usage: check_man.py DOCDIR SRCROOT VIRTSHOALD SHOALCTL
"""

import os
import re
import subprocess
import sys


def page(docdir, name):
    with open(os.path.join(docdir, name + ".scd"), encoding="utf-8") as f:
        # scdoc's escapes and emphasis do not count
        return re.sub(r"[*\\]", "", f.read())


def help_text(*argv):
    env = dict(os.environ, LC_ALL="C", LANGUAGE="")
    return subprocess.run(argv, env=env, check=True, capture_output=True,
                          text=True).stdout


def long_options(text):
    return set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", text, re.M)) - {
        "--help"}


def commands(text):
    block = text.split("Commands:", 1)[1].split("\n\n", 1)[0]
    return [line.strip().split("  ")[0]
            for line in block.splitlines() if line.strip()]


def config_keys(srcroot):
    with open(os.path.join(srcroot, "src", "conf", "daemon_config.c"),
              encoding="utf-8") as f:
        daemon = f.read()
    with open(os.path.join(srcroot, "src", "sched", "sched_config.c"),
              encoding="utf-8") as f:
        sched = f.read()
    keys = set(re.findall(r'\{ "\w+", "(\w+)",', daemon))
    keys |= set(re.findall(
        r'g_key_file_get_\w+\(\s*kf,\s*[^,]+,\s*"(\w+)"', daemon))
    keys |= set(re.findall(r'\{ "(\w+)", CONFIG_', sched))
    return keys


def main():
    docdir, srcroot, virtshoald, shoalctl = sys.argv[1:5]
    missing = []

    daemon_page = page(docdir, "virtshoald.8")
    for opt in sorted(long_options(help_text(virtshoald, "--help"))):
        if opt not in daemon_page:
            missing.append("virtshoald.8: option " + opt)

    ctl_page = page(docdir, "shoalctl.1")
    top = help_text(shoalctl, "--help")
    for opt in sorted(long_options(top)):
        if opt not in ctl_page:
            missing.append("shoalctl.1: option " + opt)
    for cmd in commands(top):
        if not re.search(r"^## " + re.escape(cmd) + r"\b", ctl_page, re.M):
            missing.append("shoalctl.1: command '%s' has no section" % cmd)
        for opt in sorted(long_options(help_text(shoalctl, *cmd.split(),
                                                 "--help"))):
            if opt not in ctl_page:
                missing.append("shoalctl.1: option %s of '%s'" % (opt, cmd))

    conf_page = page(docdir, "virtshoald.conf.5")
    keys = config_keys(srcroot)
    if len(keys) < 10:
        missing.append("check_man.py: found only %d configuration keys in "
                       "the sources; update its patterns" % len(keys))
    for key in sorted(keys):
        if not re.search(r"^" + re.escape(key) + r"\b", conf_page, re.M) and \
                not re.search(r"^" + r"\w+ \(default [^)]*\), " +
                              re.escape(key) + r"\b", conf_page, re.M):
            missing.append("virtshoald.conf.5: key " + key)

    for m in missing:
        print("not documented: " + m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
