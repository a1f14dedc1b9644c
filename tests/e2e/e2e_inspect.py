# SPDX-License-Identifier: LGPL-2.1-or-later
"""python3-libvirt against virtshoald: listAllDomains, info() per domain."""
import sys

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
doms = conn.listAllDomains()
names = sorted(d.name() for d in doms)
assert names == ["e2e-a", "e2e-b", "e2e-c", "e2e-off", "hog-e2e"], names
for d in doms:
    state, maxmem, mem, vcpus, cputime = d.info()
    assert maxmem == 65536, (d.name(), maxmem)
    if d.name() == "e2e-off":
        assert state == libvirt.VIR_DOMAIN_SHUTOFF and d.ID() == -1
    else:
        assert state == libvirt.VIR_DOMAIN_RUNNING and d.ID() > 0, d.name()
ids = [d.ID() for d in doms if d.ID() > 0]
assert len(set(ids)) == len(ids), ids
active = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
assert len(active) == 4, len(active)
assert conn.lookupByUUIDString(doms[0].UUIDString()).name() == doms[0].name()
assert conn.getType() == "Shoal"
try:
    conn.lookupByName("nosuch")
    raise AssertionError("lookup of an unknown domain succeeded")
except libvirt.libvirtError as e:
    assert e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN, e.get_error_code()
conn.close()
