# SPDX-License-Identifier: LGPL-2.1-or-later
"""python3-libvirt against virtshoald: a domain's whole life.

Usage: e2e_lifecycle.py SHOAL_URI XML_FILE NAME HOST_URI
The domain in XML_FILE (named NAME) must be placed on the host at HOST_URI.
"""
import sys
import xml.dom.minidom

import libvirt

uri, xml_file, name, host_uri = sys.argv[1:5]
libvirt.registerErrorHandler(lambda ctx, err: None, None)


def step(what):
    print("# python: " + what, flush=True)


def fails(code, func, *args):
    try:
        func(*args)
    except libvirt.libvirtError as e:
        assert e.get_error_code() == code, (e.get_error_code(), str(e))
        return
    raise AssertionError("%s%r succeeded" % (func.__name__, args))


def state(dom):
    return dom.state()[0]


conn = libvirt.open(uri)
host = libvirt.open(host_uri)
with open(xml_file) as f:
    xml_text = f.read()

step("defineXML")
dom = conn.defineXML(xml_text)
assert dom.name() == name, dom.name()
assert dom.isPersistent() == 1
assert state(dom) == libvirt.VIR_DOMAIN_SHUTOFF, state(dom)
on_host = host.lookupByName(name)
assert on_host.UUIDString() == dom.UUIDString(), "not placed on " + host_uri
assert conn.lookupByName(name).UUIDString() == dom.UUIDString()

step("create")
assert dom.create() == 0
assert state(dom) == libvirt.VIR_DOMAIN_RUNNING, state(dom)
assert dom.isActive() == 1 and dom.ID() > 0, dom.ID()
desc = xml.dom.minidom.parseString(dom.XMLDesc(0))
assert desc.getElementsByTagName("name")[0].firstChild.data == name

step("setVcpusFlags live")
dom.setVcpusFlags(2, libvirt.VIR_DOMAIN_AFFECT_LIVE)
assert dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE) == 2
assert dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG) == 1
assert host.lookupByName(name).vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE) == 2
fails(libvirt.VIR_ERR_INVALID_ARG, dom.setVcpusFlags, 5,
      libvirt.VIR_DOMAIN_AFFECT_LIVE)

step("setMemoryFlags")
dom.setMemoryFlags(32768, libvirt.VIR_DOMAIN_AFFECT_LIVE)
dom.setMemoryFlags(32768, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
inactive = xml.dom.minidom.parseString(
    dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
cur = inactive.getElementsByTagName("currentMemory")[0]
assert cur.firstChild.data == "32768", cur.toxml()
assert dom.maxMemory() == 65536, dom.maxMemory()
fails(libvirt.VIR_ERR_INVALID_ARG, dom.setMemoryFlags, 1 << 20,
      libvirt.VIR_DOMAIN_AFFECT_LIVE)

step("suspend, resume")
dom.suspend()
assert state(dom) == libvirt.VIR_DOMAIN_PAUSED, state(dom)
dom.resume()
assert state(dom) == libvirt.VIR_DOMAIN_RUNNING, state(dom)

step("destroy")
dom.destroy()
assert state(dom) == libvirt.VIR_DOMAIN_SHUTOFF, state(dom)
assert dom.isActive() == 0 and dom.ID() == -1

step("undefine")
dom.undefine()
fails(libvirt.VIR_ERR_NO_DOMAIN, conn.lookupByName, name)
fails(libvirt.VIR_ERR_NO_DOMAIN, host.lookupByName, name)
assert name not in [d.name() for d in conn.listAllDomains()]
host.close()
conn.close()
print("ok")
