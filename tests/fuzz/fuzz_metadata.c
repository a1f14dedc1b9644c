/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Fuzz target for what Shoal reads of a domain XML: the placement
 * metadata (shoalPlacementMetadataParse()) and the name, UUID, memory and
 * vCPUs (shoalDomainXMLParse()). Both get the input, up to its first NUL,
 * as the string a host or a client would send.
 */

#include <config.h>

#include <string.h>

#include <glib.h>

#include "cluster_domainxml.h"
#include "cluster_metadata.h"
#include "fuzz.h"

/* What the parser promises of a success. */
static void
fuzzMetadataCheck(const shoalPlacementMetadata *meta)
{
    g_assert_nonnull(meta->affinity);
    g_assert_nonnull(meta->antiAffinity);
    g_assert_nonnull(meta->pinned);
    g_assert_true(!meta->mode || g_str_equal(meta->mode, "off") ||
                  g_str_equal(meta->mode, "advise") ||
                  g_str_equal(meta->mode, "automatic"));
}

static void
fuzzDomainXMLCheck(const shoalDomainXML *def)
{
    g_assert_nonnull(def->name);
    g_assert_cmpuint(def->maxVcpus, >=, 1);
    g_assert_cmpuint(def->vcpus, >=, 1);
    g_assert_cmpuint(def->vcpus, <=, def->maxVcpus);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    /* an exact-size copy: reading past the end is an error ASan sees */
    g_autofree char *xml =
        g_strndup((const char *) data, nul ? (size_t) (nul - data) : size);
    g_autoptr(shoalPlacementMetadata) meta = NULL;
    g_autoptr(shoalDomainXML) def = NULL;
    g_autoptr(GError) error = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_true((meta == NULL) == (error != NULL));
    if (meta)
        fuzzMetadataCheck(meta);
    g_clear_error(&error);

    def = shoalDomainXMLParse(xml, &error);
    g_assert_true((def == NULL) == (error != NULL));
    if (def)
        fuzzDomainXMLCheck(def);
    return 0;
}
