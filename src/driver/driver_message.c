/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "driver_message.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"

static guint32
messageReadU32(const guint8 *buf)
{
    return ((guint32) buf[0] << 24) | ((guint32) buf[1] << 16) |
           ((guint32) buf[2] << 8) | (guint32) buf[3];
}

static void
messageWriteU32(guint8 *buf, guint32 v)
{
    buf[0] = v >> 24;
    buf[1] = v >> 16;
    buf[2] = v >> 8;
    buf[3] = v;
}

/**
 * shoalMessageDecodeLength:
 * @buf: the first 4 bytes of a packet
 * @len: (out): the whole packet's length, length word included
 *
 * Fails for lengths libvirt would refuse: shorter than a header or longer
 * than VIR_NET_MESSAGE_MAX.
 */
bool
shoalMessageDecodeLength(const guint8 *buf, guint32 *len, GError **error)
{
    guint32 v = messageReadU32(buf);

    if (v < SHOAL_MESSAGE_MIN) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("packet %1$u bytes received from client too small, want %2$u"),
                    v, (unsigned) SHOAL_MESSAGE_MIN);
        return false;
    }
    if (v > SHOAL_MESSAGE_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("packet %1$u bytes received from client too large, want %2$u"),
                    v, (unsigned) SHOAL_MESSAGE_MAX);
        return false;
    }
    *len = v;
    return true;
}

/**
 * shoalMessageDecodeHeader:
 * @buf: a whole packet, length word included
 * @len: its length
 * @hdr: (out): the header
 */
bool
shoalMessageDecodeHeader(const guint8 *buf,
                         size_t len,
                         shoalMessageHeader *hdr,
                         GError **error)
{
    if (len < SHOAL_MESSAGE_MIN) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Unable to decode message header"));
        return false;
    }
    buf += SHOAL_MESSAGE_LEN_SIZE;
    hdr->prog = messageReadU32(buf);
    hdr->vers = messageReadU32(buf + 4);
    hdr->proc = (gint32) messageReadU32(buf + 8);
    hdr->type = (gint32) messageReadU32(buf + 12);
    hdr->serial = messageReadU32(buf + 16);
    hdr->status = (gint32) messageReadU32(buf + 20);
    return true;
}

/**
 * shoalMessageDecodePayload:
 * @payload: the bytes after the header
 * @data: (out caller-allocates): zeroed storage for the decoded struct;
 *   the caller frees its members with xdr_free() whether or not this fails
 *
 * Trailing bytes are ignored, as libvirtd does.
 */
bool
shoalMessageDecodePayload(const guint8 *payload,
                          size_t len,
                          xdrproc_t filter,
                          void *data,
                          GError **error)
{
    XDR xdr;
    bool ok;

    xdrmem_create(&xdr, (char *) payload, len, XDR_DECODE);
    ok = filter(&xdr, data, 0);
    xdr_destroy(&xdr);
    if (!ok) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Unable to decode message payload"));
        return false;
    }
    return true;
}

/**
 * shoalMessageEncode:
 * @hdr: the header to send
 * @filter: the payload's XDR function, or NULL for no payload
 * @data: the payload struct
 *
 * Returns: (transfer full): the whole packet, length word included.
 */
GBytes *
shoalMessageEncode(const shoalMessageHeader *hdr,
                   xdrproc_t filter,
                   void *data,
                   GError **error)
{
    unsigned long payloadLen = filter ? xdr_sizeof(filter, data) : 0;
    size_t total = SHOAL_MESSAGE_MIN + payloadLen;
    g_autofree guint8 *buf = NULL;

    if (total > SHOAL_MESSAGE_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("message payload is too large"));
        return NULL;
    }
    buf = g_malloc0(total);
    messageWriteU32(buf, total);
    messageWriteU32(buf + 4, hdr->prog);
    messageWriteU32(buf + 8, hdr->vers);
    messageWriteU32(buf + 12, (guint32) hdr->proc);
    messageWriteU32(buf + 16, (guint32) hdr->type);
    messageWriteU32(buf + 20, hdr->serial);
    messageWriteU32(buf + 24, (guint32) hdr->status);

    if (filter) {
        XDR xdr;
        bool ok;

        xdrmem_create(&xdr, (char *) buf + SHOAL_MESSAGE_MIN, payloadLen,
                      XDR_ENCODE);
        ok = filter(&xdr, data, 0);
        xdr_destroy(&xdr);
        if (!ok) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                        _("Unable to encode message payload"));
            return NULL;
        }
    }
    return g_bytes_new_take(g_steal_pointer(&buf), total);
}

/**
 * shoalMessageEncodeRaw:
 * @data: (nullable): the payload, raw bytes (stream data is not XDR)
 *
 * Returns: (transfer full): the whole packet, length word included.
 */
GBytes *
shoalMessageEncodeRaw(const shoalMessageHeader *hdr,
                      const void *data,
                      size_t len)
{
    g_autoptr(GBytes) head = shoalMessageEncode(hdr, NULL, NULL, NULL);
    GByteArray *buf = g_byte_array_sized_new(SHOAL_MESSAGE_MIN + len);

    g_byte_array_append(buf, g_bytes_get_data(head, NULL), SHOAL_MESSAGE_MIN);
    if (len)
        g_byte_array_append(buf, data, len);
    messageWriteU32(buf->data, buf->len);
    return g_byte_array_free_to_bytes(buf);
}
