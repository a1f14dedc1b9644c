/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshot and checkpoint metadata follows its domain when Shoal migrates
 * it: libvirt keeps that metadata on the host, and a migration leaves it
 * behind. Before the move the metadata is read and removed from the
 * source (metadata only: the state stays where it is); afterwards it is
 * redefined, parents first, the current snapshot marked, on whichever
 * host runs the domain: the destination, or the source again when the
 * move failed. A snapshot whose memory state is in a file of its own
 * cannot follow: its domain does not move.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "util_cleanup.h"
#include "util_error.h"
#include "util_log.h"

struct _shoalSnapshotMove {
    char *domain;           /* its name, for messages */
    GPtrArray *snapshots;   /* XML, parents first */
    char *currentSnapshot;  /* name, or NULL */
    GPtrArray *checkpoints; /* XML, parents first */
};

void
shoalSnapshotMoveFree(shoalSnapshotMove *move)
{
    if (!move)
        return;
    g_free(move->domain);
    g_ptr_array_unref(move->snapshots);
    g_free(move->currentSnapshot);
    g_ptr_array_unref(move->checkpoints);
    g_free(move);
}

static shoalSnapshotMove *
snapshotMoveNew(virDomainPtr dom)
{
    shoalSnapshotMove *move = g_new0(shoalSnapshotMove, 1);

    move->domain = g_strdup(virDomainGetName(dom));
    move->snapshots = g_ptr_array_new_with_free_func(g_free);
    move->checkpoints = g_ptr_array_new_with_free_func(g_free);
    return move;
}

/* The file an external memory snapshot keeps the guest's memory in. */
char *
shoalSnapshotMemoryFile(const char *xml)
{
    g_autoptr(xmlDoc) doc =
        xmlReadMemory(xml, strlen(xml), "snapshot.xml", NULL,
                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                          XML_PARSE_NOWARNING);
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) obj = NULL;

    if (!doc)
        return NULL;
    ctx = xmlXPathNewContext(doc);
    obj =
        xmlXPathEvalExpression((const xmlChar
                                    *) "string(/domainsnapshot/memory[@snapshot='external']/@file)",
                               ctx);
    if (!obj || !obj->stringval || !*obj->stringval)
        return NULL;
    return g_strdup((const char *) obj->stringval);
}

/* One snapshot's metadata, unless its state cannot follow the domain. */
static bool
snapshotMoveReadOne(shoalSnapshotMove *move,
                    virDomainSnapshotPtr snap,
                    const char *hostName,
                    GError **error)
{
    g_autofree char *xml =
        virDomainSnapshotGetXMLDesc(snap, VIR_DOMAIN_XML_SECURE);
    g_autofree char *memory = NULL;

    if (!xml) {
        shoalErrorFromLibvirt(error, hostName);
        return false;
    }
    if ((memory = shoalSnapshotMemoryFile(xml))) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED,
                    _("Operation not supported: snapshot '%1$s' of domain '%2$s' keeps its memory state in '%3$s' on host '%4$s', which cannot follow the domain"),
                    virDomainSnapshotGetName(snap), move->domain, memory,
                    hostName);
        return false;
    }
    if (virDomainSnapshotIsCurrent(snap, 0) == 1)
        move->currentSnapshot = g_strdup(virDomainSnapshotGetName(snap));
    g_ptr_array_add(move->snapshots, g_steal_pointer(&xml));
    return true;
}

static bool
snapshotMoveReadSnapshots(shoalSnapshotMove *move,
                          virDomainPtr dom,
                          const char *hostName,
                          GError **error)
{
    virDomainSnapshotPtr *snaps = NULL;
    int n = virDomainListAllSnapshots(dom, &snaps,
                                      VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL);
    bool ok = true;
    int i;

    if (n < 0) {
        shoalErrorFromLibvirt(error, hostName);
        return false;
    }
    for (i = 0; i < n; i++) {
        if (ok)
            ok = snapshotMoveReadOne(move, snaps[i], hostName, error);
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
    return ok;
}

static bool
snapshotMoveReadCheckpoints(shoalSnapshotMove *move,
                            virDomainPtr dom,
                            const char *hostName,
                            GError **error)
{
    virDomainCheckpointPtr *cps = NULL;
    int n = virDomainListAllCheckpoints(dom, &cps,
                                        VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL);
    bool ok = true;
    int i;

    if (n < 0) {
        /* a host without checkpoints has none to move */
        if (virGetLastErrorCode() == VIR_ERR_NO_SUPPORT) {
            virResetLastError();
            return true;
        }
        shoalErrorFromLibvirt(error, hostName);
        return false;
    }
    for (i = 0; i < n; i++) {
        char *xml = ok ? virDomainCheckpointGetXMLDesc(cps[i], 0) : NULL;

        if (ok && !xml) {
            shoalErrorFromLibvirt(error, hostName);
            ok = false;
        } else if (xml) {
            g_ptr_array_add(move->checkpoints, g_strdup(xml));
            free(xml);
        }
        virDomainCheckpointFree(cps[i]);
    }
    free(cps);
    return ok;
}

/* Removes the metadata from @dom's host, children first. */
static bool
snapshotMoveDrop(virDomainPtr dom, const char *hostName, GError **error)
{
    virDomainSnapshotPtr *snaps = NULL;
    virDomainCheckpointPtr *cps = NULL;
    int n;
    int i;
    bool ok = true;

    n = virDomainListAllSnapshots(dom, &snaps,
                                  VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL);
    for (i = n - 1; i >= 0; i--) {
        if (ok &&
            virDomainSnapshotDelete(snaps[i],
                                    VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY) <
                0) {
            shoalErrorFromLibvirt(error, hostName);
            ok = false;
        }
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
    n = virDomainListAllCheckpoints(dom, &cps,
                                    VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL);
    for (i = n - 1; i >= 0; i--) {
        if (ok &&
            virDomainCheckpointDelete(cps[i],
                                      VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY) <
                0) {
            shoalErrorFromLibvirt(error, hostName);
            ok = false;
        }
        virDomainCheckpointFree(cps[i]);
    }
    free(cps);
    virResetLastError();
    return ok;
}

/**
 * shoalSnapshotMoveTake:
 * @dom: the domain on @hostName, about to move
 *
 * Reads @dom's snapshot and checkpoint metadata and removes it from
 * @hostName. Call under the domain's job. Returns: (transfer full): what
 * shoalSnapshotMovePut() redefines, or NULL with @error when some state
 * cannot follow the domain (nothing was removed then).
 */
shoalSnapshotMove *
shoalSnapshotMoveTake(virDomainPtr dom, const char *hostName, GError **error)
{
    g_autoptr(shoalSnapshotMove) move = snapshotMoveNew(dom);
    g_autoptr(GError) err = NULL;

    if (!snapshotMoveReadSnapshots(move, dom, hostName, error) ||
        !snapshotMoveReadCheckpoints(move, dom, hostName, error))
        return NULL;
    if (!snapshotMoveDrop(dom, hostName, &err)) {
        /* what went stays on the domain's host */
        shoalSnapshotMovePut(move, dom, hostName);
        g_propagate_prefixed_error(error, g_steal_pointer(&err),
                                   _("cannot move the snapshots of '%1$s': "),
                                   move->domain);
        return NULL;
    }
    return g_steal_pointer(&move);
}

typedef struct {
    const char *hostName;
    GError *error; /* out: why the snapshots cannot follow */
} snapshotMoveCheckCall;

static int
snapshotMoveCheckRun(virDomainPtr dom, gpointer opaque)
{
    snapshotMoveCheckCall *call = opaque;
    g_autoptr(shoalSnapshotMove) move = snapshotMoveNew(dom);

    return snapshotMoveReadSnapshots(move, dom, call->hostName, &call->error)
               ? 0
               : -1;
}

/**
 * shoalClusterSnapshotMoveCheck:
 *
 * Whether the snapshots of @uuid could follow it to another host: a move
 * the scheduler planned is dropped, before it starts, when they cannot.
 */
bool
shoalClusterSnapshotMoveCheck(shoalCluster *cluster,
                              const unsigned char *uuid,
                              const char *hostName,
                              GError **error)
{
    snapshotMoveCheckCall call = { hostName, NULL };
    g_autoptr(GError) callError = NULL;

    if (shoalClusterDomainCall(cluster, uuid, 0, snapshotMoveCheckRun, &call,
                               &callError) >= 0)
        return true;
    g_propagate_error(error,
                      call.error ? call.error : g_steal_pointer(&callError));
    return false;
}

/**
 * shoalSnapshotMovePut:
 * @dom: the domain on @hostName, where it runs now
 *
 * Redefines the metadata shoalSnapshotMoveTake() read, parents first,
 * the current snapshot marked. Failures are logged: the domain runs.
 */
void
shoalSnapshotMovePut(const shoalSnapshotMove *move,
                     virDomainPtr dom,
                     const char *hostName)
{
    guint i;

    for (i = 0; i < move->snapshots->len; i++) {
        virDomainSnapshotPtr snap =
            virDomainSnapshotCreateXML(dom, move->snapshots->pdata[i],
                                       VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE);

        if (snap)
            virDomainSnapshotFree(snap);
        else
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_HOST(hostName),
                             SHOAL_LOG_DOMAIN(move->domain), "MESSAGE",
                             "cannot redefine a snapshot of '%s' on '%s': %s",
                             move->domain, hostName, virGetLastErrorMessage());
    }
    if (move->currentSnapshot) {
        virDomainSnapshotPtr snap =
            virDomainSnapshotLookupByName(dom, move->currentSnapshot, 0);
        g_autofree char *xml =
            snap ? virDomainSnapshotGetXMLDesc(snap, VIR_DOMAIN_XML_SECURE)
                 : NULL;
        virDomainSnapshotPtr again =
            xml ? virDomainSnapshotCreateXML(dom, xml,
                                             VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE |
                                                 VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
                : NULL;

        if (again)
            virDomainSnapshotFree(again);
        if (snap)
            virDomainSnapshotFree(snap);
    }
    for (i = 0; i < move->checkpoints->len; i++) {
        virDomainCheckpointPtr cp =
            virDomainCheckpointCreateXML(dom, move->checkpoints->pdata[i],
                                         VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE);

        if (cp)
            virDomainCheckpointFree(cp);
        else
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_HOST(hostName),
                             SHOAL_LOG_DOMAIN(move->domain), "MESSAGE",
                             "cannot redefine a checkpoint of '%s' on '%s': %s",
                             move->domain, hostName, virGetLastErrorMessage());
    }
    virResetLastError();
}

/**
 * shoalClusterSnapshotMoveFinish:
 * @move: (transfer full) (nullable): from shoalSnapshotMoveTake()
 * @hostName: where the domain runs now
 *
 * After a move, whether it succeeded or not: the metadata goes where the
 * domain is.
 */
void
shoalClusterSnapshotMoveFinish(shoalCluster *cluster,
                               shoalSnapshotMove *move,
                               const unsigned char *uuid,
                               const char *hostName)
{
    g_autoptr(shoalSnapshotMove) owned = move;
    g_autoptr(shoalHost) host = NULL;
    virConnectPtr conn = NULL;
    virDomainPtr dom = NULL;

    if (!move || (move->snapshots->len == 0 && move->checkpoints->len == 0))
        return;
    if ((host = shoalClusterLookupHost(cluster, hostName, NULL)) &&
        (conn = shoalHostGetConnection(host, NULL)) &&
        (dom = virDomainLookupByUUID(conn, uuid))) {
        shoalSnapshotMovePut(move, dom, hostName);
        virDomainFree(dom);
    } else {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_HOST(hostName),
                         SHOAL_LOG_DOMAIN(move->domain), "MESSAGE",
                         "cannot find '%s' on '%s' to give it back %u snapshots",
                         move->domain, hostName, move->snapshots->len);
    }
    virResetLastError();
    if (conn)
        virConnectClose(conn);
}
