#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The python3-libvirt half of e2e_conformance.sh: each call below runs
# through virtshoald and on the domain's host directly, and the results
# must be equal, errors included (code, error domain, message). Prints one
# line per call: "same NAME", "differs NAME: shoal ... host ..." or, for a
# call listed in DIFFERS, "skip NAME: why".
#
# Usage: e2e_conformance.py SHOAL_URI HOST_URI DOMAIN OFF_DOMAIN DISK_XML

import sys

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)


def result(func):
    try:
        return ('ok', func())
    except libvirt.libvirtError as e:
        return ('error', e.get_error_code(), e.get_error_domain(),
                e.get_error_message())


def names(objs):
    return sorted(o.getName() for o in objs)


def keys(value):
    # counters that move on their own: their names and types stay
    if isinstance(value, dict):
        return sorted((k, type(v).__name__) for k, v in value.items())
    return type(value).__name__


def snapshots(dom):
    """Create, inspect and remove two snapshots: the state is as before."""
    out = []
    a = dom.snapshotCreateXML(
        '<domainsnapshot><name>py-a</name></domainsnapshot>')
    b = dom.snapshotCreateXML(
        '<domainsnapshot><name>py-b</name></domainsnapshot>')
    out.append(names(dom.listAllSnapshots()))
    out.append(dom.hasCurrentSnapshot())
    out.append(dom.snapshotCurrent().getName())
    out.append(b.getParent().getName())
    out.append(b.isCurrent())
    out.append(b.hasMetadata())
    out.append(a.numChildren())
    out.append(names(a.listAllChildren()))
    out.append('<name>py-b</name>' in b.getXMLDesc())
    out.append(dom.snapshotLookupByName('py-a').getName())
    out.append(result(lambda: dom.snapshotLookupByName('nosuch')))
    out.append(dom.revertToSnapshot(a))
    out.append(a.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN))
    out.append(names(dom.listAllSnapshots()))
    return out


def iothreads(dom):
    out = [dom.addIOThread(11, libvirt.VIR_DOMAIN_AFFECT_LIVE)]
    out.append("iothread id='11'" in dom.XMLDesc(0))
    out.append(dom.delIOThread(11, libvirt.VIR_DOMAIN_AFFECT_LIVE))
    return out


def hotplug(dom, xml):
    live = libvirt.VIR_DOMAIN_AFFECT_LIVE
    out = [dom.attachDeviceFlags(xml, live)]
    out.append('sdb' in dom.XMLDesc(0))
    out.append(dom.detachDeviceFlags(xml, live))
    return out


# Calls whose answers differ by design, and why.
NODE_CPU_MAP = ('python3-libvirt sizes its CPU maps with virNodeGetCPUMap '
                '(NODE_GET_CPU_MAP, a node call Shoal does not answer yet)')
DIFFERS = {
    'vcpus': NODE_CPU_MAP,
    'vcpuPinInfo': NODE_CPU_MAP,
    'emulatorPinInfo': NODE_CPU_MAP,
    'ioThreadInfo': NODE_CPU_MAP,
}


def calls(dom, off, disk_xml):
    return [
        ('memoryStats', lambda: keys(dom.memoryStats())),
        ('blockStats', lambda: len(dom.blockStats('vda'))),
        ('blockStatsFlags', lambda: keys(dom.blockStatsFlags('vda', 0))),
        ('interfaceStats', lambda: dom.interfaceStats('nosuch')),
        ('blockInfo', lambda: dom.blockInfo('vda', 0)),
        ('controlInfo', lambda: dom.controlInfo(0)),
        ('diskErrors', lambda: dom.diskErrors(0)),
        ('vcpus', lambda: len(dom.vcpus()[0])),
        ('vcpuPinInfo', lambda: dom.vcpuPinInfo(0)),
        ('emulatorPinInfo', lambda: dom.emulatorPinInfo(0)),
        ('ioThreadInfo', lambda: dom.ioThreadInfo(0)),
        ('getCPUStats', lambda: dom.getCPUStats(True)),
        ('schedulerType', lambda: dom.schedulerType()),
        ('schedulerParameters', lambda: dom.schedulerParameters()),
        ('memoryParameters', lambda: dom.memoryParameters(0)),
        ('blkioParameters', lambda: dom.blkioParameters(0)),
        ('numaParameters', lambda: dom.numaParameters(0)),
        ('perfEvents', lambda: dom.perfEvents(0)),
        ('blockIoTune', lambda: dom.blockIoTune('vda', 0)),
        ('interfaceParameters', lambda: dom.interfaceParameters('nosuch', 0)),
        ('interfaceAddresses', lambda: dom.interfaceAddresses(0)),
        ('fsInfo', lambda: dom.fsInfo(0)),
        ('hostname', lambda: dom.hostname(0)),
        ('getTime', lambda: dom.getTime(0)),
        ('guestInfo', lambda: dom.guestInfo(0, 0)),
        ('guestVcpus', lambda: dom.guestVcpus(0)),
        ('authorizedSSHKeysGet', lambda: dom.authorizedSSHKeysGet('root')),
        ('blockJobInfo', lambda: dom.blockJobInfo('vda', 0)),
        ('isUpdated', lambda: dom.isUpdated()),
        ('launchSecurityInfo', lambda: dom.launchSecurityInfo(0)),
        ('managedSaveGetXMLDesc', lambda: dom.managedSaveGetXMLDesc(0)),
        ('migrateGetMaxSpeed', lambda: dom.migrateGetMaxSpeed(0)),
        ('migrateGetMaxDowntime', lambda: dom.migrateGetMaxDowntime(0)),
        ('migrateGetCompressionCache',
         lambda: dom.migrateGetCompressionCache(0)),
        ('listAllCheckpoints', lambda: names(dom.listAllCheckpoints(0))),
        ('checkpointLookupByName',
         lambda: dom.checkpointLookupByName('nosuch', 0)),
        ('backupGetXMLDesc', lambda: dom.backupGetXMLDesc(0)),
        ('setMemoryStatsPeriod', lambda: dom.setMemoryStatsPeriod(0, 0)),
        ('injectNMI', lambda: dom.injectNMI(0)),
        ('sendKey', lambda: dom.sendKey(libvirt.VIR_KEYCODE_SET_LINUX, 0,
                                        [30], 1, 0)),
        ('blockResize', lambda: dom.blockResize('vda', 1048576,
                                                libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)),
        ('fSTrim', lambda: dom.fSTrim(None, 0, 0)),
        ('setUserPassword', lambda: dom.setUserPassword('root', 'x', 0)),
        ('pMWakeup', lambda: dom.pMWakeup(0)),
        ('iothreads', lambda: iothreads(dom)),
        ('hotplug', lambda: hotplug(dom, disk_xml)),
        ('snapshots', lambda: snapshots(off)),
    ]


def transcript(uri, name, off_name, disk_xml):
    conn = libvirt.open(uri)
    try:
        dom = conn.lookupByName(name)
        off = conn.lookupByName(off_name)
        return [(n, result(f)) for n, f in calls(dom, off, disk_xml)]
    finally:
        conn.close()


def main():
    shoal_uri, host_uri, name, off_name, disk = sys.argv[1:]
    with open(disk, encoding='utf-8') as f:
        disk_xml = f.read()
    shoal = transcript(shoal_uri, name, off_name, disk_xml)
    host = transcript(host_uri, name, off_name, disk_xml)
    for (n, a), (_, b) in zip(shoal, host):
        if n in DIFFERS:
            print('skip %s: %s' % (n, DIFFERS[n]))
        elif a == b:
            print('same %s' % n)
        else:
            print('differs %s: shoal %r host %r' % (n, a, b))


if __name__ == '__main__':
    main()
