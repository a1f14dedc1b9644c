/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <gio/gio.h>

#include "cluster.h"
#include "driver_dispatch.h"
#include "driver_stream.h"

/* An event registration of one client (CALLBACK_REGISTER_ANY). */
typedef struct _shoalDriverEventCallback {
    int callbackId;
    int eventId;
    bool hasDomain;
    unsigned char uuid[VIR_UUID_BUFLEN];
} shoalDriverEventCallback;

/*
 * One connected client. Reference counted: the server holds one
 * reference while the socket is open, every call in flight holds one.
 */
struct _shoalDriverClient {
    gint refs;
    unsigned id;               /* immutable */
    char idStr[16];            /* immutable: id for log fields */
    shoalDriverServer *server; /* borrowed: the server outlives clients */
    GSocketConnection *conn;   /* main thread only */
    GSocket *socket;           /* main thread only */
    GSource *inSource;         /* main thread only */
    GSource *outSource;        /* main thread only */
    bool socketReadOnly;       /* immutable: came in on the -ro socket */
    char *denied; /* immutable, (nullable): why the read-write socket
                   * refuses this peer; every call gets it as its error */
    uid_t uid;    /* immutable: SO_PEERCRED */

    GByteArray *inBuf;        /* main thread only: partial packet */
    guint32 inWant;           /* main thread only: 0 = length unknown */
    gsize outOffset;          /* main thread only: sent of the head */
    gint64 lastRecvUs;        /* main thread only */
    unsigned pingsUnanswered; /* main thread only */

    /* the fields below: driver_client.c only */
    GMutex lock;
    bool open;             /* protected by lock: CONNECT_OPEN done */
    bool readOnly;         /* protected by lock */
    bool asQemu;           /* protected by lock: opened qemu:///system */
    bool keepalive;        /* protected by lock: feature 10 asked */
    bool closing;          /* protected by lock: no more input */
    bool gone;             /* protected by lock: socket closed */
    unsigned inflight;     /* protected by lock: calls running */
    GQueue outQueue;       /* protected by lock: GBytes to send */
    gsize outQueued;       /* protected by lock: bytes in outQueue */
    bool overflow;         /* protected by lock: outQueued went too far */
    GHashTable *callbacks; /* protected by lock: id → EventCallback */
    GHashTable *streams;   /* protected by lock: serial → stream */
    GHashTable *opening;   /* protected by lock: worker → stream its call
                            * opens, until the reply is queued */
    int nextCallbackId;    /* protected by lock */
};

shoalDriverClient *shoalDriverClientNew(shoalDriverServer *server,
                                        unsigned id,
                                        GSocketConnection *conn,
                                        bool socketReadOnly);

shoalDriverClient *shoalDriverClientRef(shoalDriverClient *client);

void shoalDriverClientUnref(shoalDriverClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDriverClient, shoalDriverClientUnref)

void shoalDriverClientStart(shoalDriverClient *client);

void shoalDriverClientSend(shoalDriverClient *client, GBytes *packet);

void shoalDriverClientCallDone(shoalDriverClient *client);

void shoalDriverClientCloseAfterFlush(shoalDriverClient *client);

void shoalDriverClientClose(shoalDriverClient *client);

bool shoalDriverClientKeepaliveTick(shoalDriverClient *client,
                                    gint64 nowUs,
                                    unsigned intervalS,
                                    unsigned count);

shoalCluster *shoalDriverClientGetCluster(shoalDriverClient *client);

bool shoalDriverClientIsReadOnly(shoalDriverClient *client);

bool shoalDriverClientGetOpen(shoalDriverClient *client, bool *readOnly);

void shoalDriverClientSetOpen(shoalDriverClient *client,
                              bool open,
                              bool readOnly);

void shoalDriverClientSetQemu(shoalDriverClient *client);

bool shoalDriverClientIsQemu(shoalDriverClient *client);

void shoalDriverClientSetKeepalive(shoalDriverClient *client);

int shoalDriverClientAddEventCallback(shoalDriverClient *client,
                                      shoalDriverEventCallback *cb);

bool shoalDriverClientRemoveEventCallback(shoalDriverClient *client,
                                          int callbackId);

GArray *shoalDriverClientMatchEventCallbacks(shoalDriverClient *client,
                                             int eventId,
                                             const unsigned char *uuid);

void shoalDriverClientCallBegin(shoalDriverClient *client);

void shoalDriverClientSetOpening(shoalDriverClient *client,
                                 shoalDriverStream *stream);

void shoalDriverClientCallReplied(shoalDriverClient *client,
                                  const shoalMessageHeader *call,
                                  GBytes *reply);

void shoalDriverClientStreamPacket(shoalDriverClient *client,
                                   const shoalMessageHeader *hdr,
                                   GBytes *packet);

void shoalDriverClientRemoveStream(shoalDriverClient *client,
                                   shoalDriverStream *stream);

shoalDriverStream *shoalDriverClientNewStream(
    shoalDriverClient *client,
    const shoalDriverStreamHostOps *hostOps,
    gpointer host,
    GDestroyNotify hostFree);
