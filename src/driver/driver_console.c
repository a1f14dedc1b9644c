/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stream procedures on a domain: console, channel, screenshot. Each opens
 * the stream on the domain's host and relays it (driver_relay.c); flags
 * are the host's to check.
 */
#include <config.h>

#include "driver_dispatch_procs.h"
#include "driver_relay.h"

#define DOM_UUID(d) ((const unsigned char *) (d).uuid)

static bool
consoleOpenDevice(shoalDriverClient *client,
                  const remote_nonnull_domain *dom,
                  shoalClusterDevice kind,
                  char *const *name,
                  unsigned flags,
                  GError **error)
{
    shoalClusterStream *host =
        shoalClusterDomainOpenDevice(shoalDriverClientGetCluster(client),
                                     DOM_UUID(*dom), kind, name ? *name : NULL,
                                     flags, error);

    if (!host)
        return false;
    shoalDriverRelayOpen(client, host);
    return true;
}

bool
shoalDispatchDomainOpenConsole(shoalDriverClient *client,
                               const remote_domain_open_console_args *args,
                               void *ret,
                               GError **error)
{
    return consoleOpenDevice(client, &args->dom, SHOAL_CLUSTER_DEVICE_CONSOLE,
                             args->dev_name, args->flags, error);
}

bool
shoalDispatchDomainOpenChannel(shoalDriverClient *client,
                               const remote_domain_open_channel_args *args,
                               void *ret,
                               GError **error)
{
    return consoleOpenDevice(client, &args->dom, SHOAL_CLUSTER_DEVICE_CHANNEL,
                             args->name, args->flags, error);
}

bool
shoalDispatchDomainScreenshot(shoalDriverClient *client,
                              const remote_domain_screenshot_args *args,
                              remote_domain_screenshot_ret *ret,
                              GError **error)
{
    char *mime = NULL;
    shoalClusterStream *host =
        shoalClusterDomainScreenshot(shoalDriverClientGetCluster(client),
                                     DOM_UUID(args->dom), args->screen,
                                     args->flags, &mime, error);

    if (!host)
        return false;
    ret->mime = g_new0(char *, 1);
    *ret->mime = mime;
    shoalDriverRelayOpen(client, host);
    return true;
}
