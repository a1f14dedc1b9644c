/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <rpc/rpc.h>
#include <stdbool.h>

#include <glib.h>

/*
 * The libvirt RPC packet: a 4-byte length that counts itself, a 24-byte
 * header, then the XDR payload.
 */
#define SHOAL_MESSAGE_LEN_SIZE 4
#define SHOAL_MESSAGE_HEADER_SIZE 24
/* libvirt's VIR_NET_MESSAGE_MAX, plus the length word itself */
#define SHOAL_MESSAGE_MAX (33554432 + SHOAL_MESSAGE_LEN_SIZE)
#define SHOAL_MESSAGE_MIN (SHOAL_MESSAGE_LEN_SIZE + SHOAL_MESSAGE_HEADER_SIZE)

typedef enum {
    SHOAL_MESSAGE_TYPE_CALL = 0,
    SHOAL_MESSAGE_TYPE_REPLY = 1,
    SHOAL_MESSAGE_TYPE_MESSAGE = 2,
    SHOAL_MESSAGE_TYPE_STREAM = 3,
    SHOAL_MESSAGE_TYPE_CALL_WITH_FDS = 4,
    SHOAL_MESSAGE_TYPE_REPLY_WITH_FDS = 5,
    SHOAL_MESSAGE_TYPE_STREAM_HOLE = 6,
} shoalMessageType;

typedef enum {
    SHOAL_MESSAGE_STATUS_OK = 0,
    SHOAL_MESSAGE_STATUS_ERROR = 1,
    SHOAL_MESSAGE_STATUS_CONTINUE = 2,
} shoalMessageStatus;

typedef struct _shoalMessageHeader {
    guint32 prog;
    guint32 vers;
    gint32 proc;
    gint32 type;
    guint32 serial;
    gint32 status;
} shoalMessageHeader;

bool shoalMessageDecodeLength(const guint8 *buf, guint32 *len, GError **error);

bool shoalMessageDecodeHeader(const guint8 *buf,
                              size_t len,
                              shoalMessageHeader *hdr,
                              GError **error);

bool shoalMessageDecodePayload(const guint8 *payload,
                               size_t len,
                               xdrproc_t filter,
                               void *data,
                               GError **error);

GBytes *shoalMessageEncode(const shoalMessageHeader *hdr,
                           xdrproc_t filter,
                           void *data,
                           GError **error);

GBytes *shoalMessageEncodeRaw(const shoalMessageHeader *hdr,
                              const void *data,
                              size_t len);
