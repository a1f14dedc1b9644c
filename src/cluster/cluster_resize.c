/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The executor's virtio-mem resize on a real host: a new <requested>
 * size through virDomainUpdateDeviceFlags(), live, then a bounded wait
 * for the guest to plug or unplug it. A guest that does not is noted,
 * so the scheduler's refused hold leaves it alone for a while.
 */
#include <config.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_call.h"
#include "cluster_internal.h"
#include "cluster_virtiomem.h"
#include "util_error.h"

/* How long the guest has to carry out a request, and how often its
 * live XML is read meanwhile. */
#define RESIZE_WAIT_US (60 * G_USEC_PER_SEC)
#define RESIZE_POLL_US (G_USEC_PER_SEC / 2)

typedef struct _resizeCall {
    unsigned long long requestedKiB;
    gint64 waitUs;
    bool hasDevice;             /* out */
    unsigned long long plugged; /* out: KiB at the end of the wait */
} resizeCall;

/* Reads the device's plugged size; false if the domain has none. */
static bool
resizeReadPlugged(virDomainPtr dom, unsigned long long *plugged)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    shoalVirtioMem mem = { 0 };
    bool has = xml && shoalVirtioMemParse(xml, &mem);

    *plugged = mem.pluggedKiB;
    shoalVirtioMemClear(&mem);
    return has;
}

static int
resizeCallRun(virDomainPtr dom, gpointer opaque)
{
    resizeCall *c = opaque;
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    g_autofree char *device = NULL;
    gint64 until = g_get_monotonic_time() + c->waitUs;

    if (!xml)
        return -1;
    if (!(device = shoalVirtioMemRequestXML(xml, c->requestedKiB)))
        return 0;
    c->hasDevice = true;
    if (virDomainUpdateDeviceFlags(dom, device, VIR_DOMAIN_AFFECT_LIVE) < 0)
        return -1;
    /* the guest plugs whole blocks at its own pace: bounded polling */
    while (resizeReadPlugged(dom, &c->plugged) &&
           c->plugged != c->requestedKiB && g_get_monotonic_time() < until)
        g_usleep(RESIZE_POLL_US);
    return 0;
}

/**
 * shoalClusterResizeVirtioMem:
 * @waitUs: how long the guest has to carry it out, 0 for the default
 *
 * Requests @requestedKiB of the domain's virtio-mem device, under its
 * job. A guest that has not plugged that much at the end of the wait is
 * noted as refusing (VIR_ERR_OPERATION_TIMEOUT).
 */
bool
shoalClusterResizeVirtioMem(shoalCluster *cluster,
                            const unsigned char *uuid,
                            const char *name,
                            unsigned long long requestedKiB,
                            gint64 waitUs,
                            GError **error)
{
    resizeCall c = { requestedKiB, waitUs > 0 ? waitUs : RESIZE_WAIT_US, false,
                     0 };

    if (shoalClusterDomainCall(cluster, uuid,
                               SHOAL_CALL_JOB | SHOAL_CALL_REFRESH,
                               resizeCallRun, &c, error) < 0)
        return false;
    if (!c.hasDevice) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: domain '%1$s' has no virtio-mem device"),
                    name);
        return false;
    }
    if (c.plugged != requestedKiB) {
        shoalClusterNoteRefused(cluster, uuid);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT,
                    _("Timed out during operation: the guest of '%1$s' has %2$llu KiB of %3$llu KiB requested plugged"),
                    name, c.plugged, requestedKiB);
        return false;
    }
    return true;
}
