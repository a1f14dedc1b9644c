/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "driver_error.h"

#include <libvirt/virterror.h>

#include "driver_protocol.h"
#include "util_error.h"

/*
 * The libvirt error domain a reply names. Clients only print the message,
 * but they remap a few (code, domain) pairs from before libvirt 0.8, so
 * we never send NWFILTER-range codes with an unrelated domain.
 */
static int
errorOrigin(int code)
{
    switch (code) {
    case VIR_ERR_RPC:
        return VIR_FROM_RPC;
    case VIR_ERR_NO_DOMAIN:
    case VIR_ERR_OPERATION_INVALID:
        return VIR_FROM_DOMAIN;
    case VIR_ERR_INVALID_NWFILTER:
    case VIR_ERR_NO_NWFILTER:
    case VIR_ERR_BUILD_FIREWALL:
        return VIR_FROM_NWFILTER;
    default:
        return VIR_FROM_NONE;
    }
}

/* The one place that builds a remote_error: @type is REPLY or STREAM. */
static GBytes *
errorEncode(const shoalMessageHeader *call, int type, const GError *error)
{
    shoalMessageHeader hdr = *call;
    remote_error rerr = { 0 };
    char *message = error->message;
    char *format = (char *) "%s";
    int code = VIR_ERR_INTERNAL_ERROR;

    if (error->domain == SHOAL_ERROR && error->code > 0)
        code = error->code;
    hdr.type = type;
    hdr.status = SHOAL_MESSAGE_STATUS_ERROR;
    rerr.code = code;
    /* a host's error keeps its own domain; ours get one from the code */
    rerr.domain = shoalErrorGetOrigin(error);
    if (rerr.domain == VIR_FROM_NONE || code != error->code)
        rerr.domain = errorOrigin(code);
    rerr.message = &message;
    rerr.level = VIR_ERR_ERROR;
    rerr.str1 = &format;
    rerr.str2 = &message;
    rerr.int1 = -1;
    rerr.int2 = -1;
    return shoalMessageEncode(&hdr, (xdrproc_t) xdr_remote_error, &rerr, NULL);
}

/**
 * shoalDriverErrorEncode:
 * @call: the header of the call being answered
 * @error: what went wrong; errors outside SHOAL_ERROR become
 *   VIR_ERR_INTERNAL_ERROR
 *
 * Returns: (transfer full): the whole REPLY/ERROR packet.
 */
GBytes *
shoalDriverErrorEncode(const shoalMessageHeader *call, const GError *error)
{
    return errorEncode(call, SHOAL_MESSAGE_TYPE_REPLY, error);
}

/**
 * shoalDriverErrorEncodeStream:
 * @stream: the header of the call that opened the stream
 *
 * Returns: (transfer full): the STREAM/ERROR packet that aborts it.
 */
GBytes *
shoalDriverErrorEncodeStream(const shoalMessageHeader *stream,
                             const GError *error)
{
    return errorEncode(stream, SHOAL_MESSAGE_TYPE_STREAM, error);
}
