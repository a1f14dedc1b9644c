/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster's domain capabilities: what every host supports. */
#include <config.h>

#include <libvirt/virterror.h>

#include "cluster_domcaps.h"
#include "util_error.h"

static const char hostA[] =
    "<domainCapabilities>\n"
    "  <path>/usr/bin/qemu-system-x86_64</path>\n"
    "  <vcpu max='255'/>\n"
    "  <os supported='yes'>\n"
    "    <enum name='firmware'>\n"
    "      <value>bios</value>\n"
    "      <value>efi</value>\n"
    "    </enum>\n"
    "  </os>\n"
    "  <cpu>\n"
    "    <mode name='host-passthrough' supported='yes'/>\n"
    "    <mode name='custom' supported='yes'>\n"
    "      <model usable='yes'>qemu64</model>\n"
    "      <model usable='yes'>Skylake-Client</model>\n"
    "      <model usable='no'>EPYC</model>\n"
    "    </mode>\n"
    "  </cpu>\n"
    "  <devices>\n"
    "    <disk supported='yes'/>\n"
    "    <tpm supported='yes'/>\n"
    "  </devices>\n"
    "</domainCapabilities>\n";

/* an older host: fewer vCPUs, no EFI, no Skylake, no TPM */
static const char hostB[] =
    "<domainCapabilities>\n"
    "  <path>/usr/libexec/qemu-kvm</path>\n"
    "  <vcpu max='128'/>\n"
    "  <os supported='yes'>\n"
    "    <enum name='firmware'>\n"
    "      <value>bios</value>\n"
    "    </enum>\n"
    "  </os>\n"
    "  <cpu>\n"
    "    <mode name='host-passthrough' supported='yes'/>\n"
    "    <mode name='custom' supported='yes'>\n"
    "      <model usable='yes'>qemu64</model>\n"
    "      <model usable='no'>Skylake-Client</model>\n"
    "      <model usable='yes'>EPYC</model>\n"
    "    </mode>\n"
    "  </cpu>\n"
    "  <devices>\n"
    "    <disk supported='yes'/>\n"
    "    <tpm supported='no'/>\n"
    "  </devices>\n"
    "</domainCapabilities>\n";

static const char expected[] =
    "<domainCapabilities>\n"
    "  <path>/usr/bin/qemu-system-x86_64</path>\n"
    "  <vcpu max=\"128\"/>\n"
    "  <os supported=\"yes\">\n"
    "    <enum name=\"firmware\">\n"
    "      <value>bios</value>\n"
    "    </enum>\n"
    "  </os>\n"
    "  <cpu>\n"
    "    <mode name=\"host-passthrough\" supported=\"yes\"/>\n"
    "    <mode name=\"custom\" supported=\"yes\">\n"
    "      <model usable=\"yes\">qemu64</model>\n"
    "      <model usable=\"no\">Skylake-Client</model>\n"
    "      <model usable=\"no\">EPYC</model>\n"
    "    </mode>\n"
    "  </cpu>\n"
    "  <devices>\n"
    "    <disk supported=\"yes\"/>\n"
    "    <tpm supported=\"no\"/>\n"
    "  </devices>\n"
    "</domainCapabilities>\n";

static void
testDomcapsIntersect(void)
{
    const char *xmls[] = { hostA, hostB };
    g_autoptr(GError) error = NULL;
    g_autofree char *out = shoalDomcapsIntersect(xmls, 2, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(out, ==, expected);
}

/* Hosts that agree: the first host's text, byte for byte. */
static void
testDomcapsSame(void)
{
    const char *xmls[] = { hostA, hostA, hostA };
    g_autofree char *out = shoalDomcapsIntersect(xmls, 3, NULL);

    g_assert_cmpstr(out, ==, hostA);
}

static void
testDomcapsBad(void)
{
    const char *xmls[] = { hostA, "<capabilities/>" };
    g_autoptr(GError) error = NULL;

    g_assert_null(shoalDomcapsIntersect(xmls, 2, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/domcaps/intersect", testDomcapsIntersect);
    g_test_add_func("/cluster/domcaps/same", testDomcapsSame);
    g_test_add_func("/cluster/domcaps/bad", testDomcapsBad);
    return g_test_run();
}
