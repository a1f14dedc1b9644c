/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The seeds of fuzz_packet: whole packets, length word included.
 *  - capture-*: the replies of hexsamples_libvirtd.log (libvirtd 9.0), with
 *    a REPLY header where the log shows only the payload;
 *  - gen-*: calls encoded with the rpcgen codecs, a keepalive, a stream
 *    of two calls, an unknown procedure and an error reply.
 *
 * Usage: fuzz_packet_seeds HEXSAMPLES DIR
 *          writes the seeds into DIR;
 *        fuzz_packet_seeds --tap --check HEXSAMPLES DIR
 *          the test: each seed must be in DIR as generated (rewritten
 *          instead with SHOAL_TEST_REGENERATE=1). Other files of DIR, such
 *          as crash regressions, are left alone.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "driver_dispatch_procs.h"
#include "driver_error.h"
#include "driver_message.h"
#include "util_error.h"

/* name → GBytes, the packets to write */
typedef GHashTable seedTable;

static const char seedUUID[REMOTE_UUID_BUFLEN] = {
    (char) 0x8a, (char) 0x9a, 0x2e,        (char) 0xca, 0x49, 0x4e,
    0x4d,        (char) 0xfd, (char) 0xab, 0x41,        0x0f, 0x31,
    (char) 0x97, (char) 0xa9, (char) 0xbf, (char) 0x9d,
};

static int
seedProcNumber(const char *name)
{
    int proc;

    /* the table is small and sorted by number: scan it */
    for (proc = 1; proc < 1000; proc++) {
        const shoalDispatchProc *p = shoalDispatchProcLookup(proc);

        if (p && g_str_equal(p->name, name))
            return proc;
    }
    return -1;
}

static GBytes *
seedEncode(
    int prog, int proc, int type, int status, xdrproc_t filter, void *data)
{
    shoalMessageHeader hdr = {
        .prog = prog,
        .vers = 1,
        .proc = proc,
        .type = type,
        .serial = 1,
        .status = status,
    };
    g_autoptr(GError) error = NULL;
    GBytes *packet = shoalMessageEncode(&hdr, filter, data, &error);

    g_assert_no_error(error);
    return packet;
}

static void
seedCall(
    seedTable *seeds, const char *name, int proc, xdrproc_t filter, void *args)
{
    g_hash_table_insert(seeds, g_strdup(name),
                        seedEncode(REMOTE_PROGRAM, proc,
                                   SHOAL_MESSAGE_TYPE_CALL,
                                   SHOAL_MESSAGE_STATUS_OK, filter, args));
}

static void
seedCaptureAppend(GByteArray *bytes, const char *words)
{
    g_auto(GStrv) split = g_strsplit_set(words, " \t", -1);
    size_t i;

    for (i = 0; split[i]; i++) {
        guint64 value;
        guint8 be[4];

        if (*split[i] == '\0')
            continue;
        g_assert_true(g_ascii_string_to_unsigned(split[i], 16, 0, G_MAXUINT32,
                                                 &value, NULL));
        be[0] = value >> 24;
        be[1] = value >> 16;
        be[2] = value >> 8;
        be[3] = value;
        g_byte_array_append(bytes, be, sizeof(be));
    }
}

/* "NODE_GET_INFO reply, 188 bytes" or "CONNECT_GET_ALL_DOMAIN_STATS(...)
 * reply, ..." is followed by indented "label: words" lines; "header" is
 * the length word and the header, every other label is payload. */
static void
seedCaptureFinish(seedTable *seeds,
                  unsigned n,
                  const char *title,
                  GByteArray *header,
                  GByteArray *payload)
{
    g_autofree char *proc = g_strndup(title, strcspn(title, "( ,"));
    g_autofree char *lower = g_ascii_strdown(proc, -1);
    g_autofree char *name = NULL;
    g_autoptr(GByteArray) packet = g_byte_array_new();

    if (header->len > 0) {
        g_assert_cmpuint(header->len, ==, SHOAL_MESSAGE_MIN);
        g_byte_array_append(packet, header->data, header->len);
        g_byte_array_append(packet, payload->data, payload->len);
    } else {
        int number = seedProcNumber(proc);
        g_autoptr(GBytes) head = NULL;

        g_assert_cmpint(number, >, 0);
        head = seedEncode(REMOTE_PROGRAM, number, SHOAL_MESSAGE_TYPE_REPLY,
                          strstr(title, " error ") ? SHOAL_MESSAGE_STATUS_ERROR
                                                   : SHOAL_MESSAGE_STATUS_OK,
                          NULL, NULL);
        g_byte_array_append(packet, g_bytes_get_data(head, NULL),
                            SHOAL_MESSAGE_MIN);
        g_byte_array_append(packet, payload->data, payload->len);
        packet->data[0] = packet->len >> 24;
        packet->data[1] = packet->len >> 16;
        packet->data[2] = packet->len >> 8;
        packet->data[3] = packet->len;
    }
    g_strdelimit(lower, "_", '-');
    name = g_strdup_printf("capture-%u-%s", n, lower);
    g_hash_table_insert(seeds, g_steal_pointer(&name),
                        g_byte_array_free_to_bytes(g_steal_pointer(&packet)));
}

static bool
seedCaptures(seedTable *seeds, const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *title = NULL;
    g_autoptr(GByteArray) header = g_byte_array_new();
    g_autoptr(GByteArray) payload = g_byte_array_new();
    unsigned n = 0;
    size_t i;

    if (!g_file_get_contents(path, &text, NULL, error))
        return false;
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *line = lines[i];
        const char *colon;

        if (*line == '\0')
            continue;
        if (*line != ' ') {
            if (title)
                seedCaptureFinish(seeds, ++n, title, header, payload);
            g_free(title);
            title = g_strdup(line);
            g_byte_array_set_size(header, 0);
            g_byte_array_set_size(payload, 0);
            continue;
        }
        colon = strchr(line, ':');
        g_assert_nonnull(colon);
        if (g_str_has_prefix(line, " header:"))
            seedCaptureAppend(header, colon + 1);
        else
            seedCaptureAppend(payload, colon + 1);
    }
    if (title)
        seedCaptureFinish(seeds, ++n, title, header, payload);
    return true;
}

static void
seedCalls(seedTable *seeds)
{
    char *uri = (char *) "shoal:///system";
    char *dconnuri = (char *) "shoal://h2/";
    char *metadata =
        (char *) "<placement mode=\"automatic\"><affinity group=\"web\"/></placement>";
    char *key = (char *) "shoal";
    char *ns = (char *) "http://shoal.example.org/xmlns/placement/1";
    char cookie[] = "cookie";
    remote_nonnull_domain dom = { .name = (char *) "web1", .id = 3 };
    remote_nonnull_domain doms[2] = {
        { .name = (char *) "web1", .id = 3 },
        { .name = (char *) "db1", .id = -1 },
    };
    remote_typed_param params[7] = {
        { .field = (char *) "int", .value.type = 1 },
        { .field = (char *) "uint", .value.type = 2 },
        { .field = (char *) "llong", .value.type = 3 },
        { .field = (char *) "ullong", .value.type = 4 },
        { .field = (char *) "double", .value.type = 5 },
        { .field = (char *) "boolean", .value.type = 6 },
        { .field = (char *) "migrate_uri", .value.type = 7 },
    };
    remote_connect_open_args open = { .name = &uri };
    remote_connect_open_args openRo = { .name = NULL, .flags = 1 };
    remote_connect_supports_feature_args feature = { .feature = 14 };
    remote_connect_list_all_domains_args listAll = { .need_results = 1 };
    remote_domain_lookup_by_name_args byName = { .name = (char *) "web1" };
    remote_domain_lookup_by_uuid_args byUUID;
    remote_domain_get_xml_desc_args xmlDesc = { .flags = 1 };
    remote_domain_define_xml_flags_args define = {
        .xml =
            (char *) "<domain type='kvm'><name>web2</name><memory unit='MiB'>64</memory><vcpu current='1'>2</vcpu></domain>",
    };
    remote_connect_get_all_domain_stats_args stats = { .stats = 1 };
    remote_domain_migrate_perform3_params_args perform = {
        .dconnuri = &dconnuri,
        .flags = 2 | 8,
    };
    remote_domain_set_metadata_args setMetadata = {
        .type = 2,
        .metadata = &metadata,
        .key = &key,
        .uri = &ns,
        .flags = 1 | 2,
    };
    remote_domain_set_vcpus_flags_args vcpus = { .nvcpus = 2, .flags = 1 };
    remote_connect_domain_event_callback_register_any_args event = {
        .eventID = 0,
    };
    remote_domain_get_job_stats_args jobStats = { .flags = 1 };
    char *serial0 = (char *) "serial0";
    remote_domain_open_console_args console = { .dev_name = &serial0 };
    remote_domain_screenshot_args screenshot = { .screen = 0 };
    remote_typed_param restoreParams[1] = {
        { .field = (char *) "file", .value.type = 7 },
    };
    remote_domain_restore_params_args restore = { .flags = 4 };
    remote_domain_save_image_define_xml_args imageDefine = {
        .file = (char *) "/shared/web1.save",
        .dxml = (char *) "<domain type='kvm'><name>web1</name></domain>",
    };
    remote_storage_vol_upload_args upload = {
        .vol = { (char *) "images", (char *) "disk1.img",
                 (char *) "/shared/images/disk1.img" },
        .length = 4096,
    };
    remote_storage_vol_download_args download = {
        .vol = { (char *) "images", (char *) "disk1.img",
                 (char *) "/shared/images/disk1.img" },
        .offset = 512,
    };
    shoalMessageHeader consoleCall = {
        .prog = REMOTE_PROGRAM,
        .vers = 1,
        .proc = REMOTE_PROC_DOMAIN_OPEN_CONSOLE,
        .type = SHOAL_MESSAGE_TYPE_STREAM,
        .serial = 9,
        .status = SHOAL_MESSAGE_STATUS_CONTINUE,
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) second = NULL;
    g_autoptr(GByteArray) stream = g_byte_array_new();
    shoalMessageHeader lookup = {
        .prog = REMOTE_PROGRAM,
        .vers = 1,
        .proc = REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
        .type = SHOAL_MESSAGE_TYPE_CALL,
        .serial = 7,
    };

    memcpy(dom.uuid, seedUUID, sizeof(dom.uuid));
    memcpy(doms[0].uuid, seedUUID, sizeof(doms[0].uuid));
    memcpy(byUUID.uuid, seedUUID, sizeof(byUUID.uuid));
    xmlDesc.dom = dom;
    perform.dom = dom;
    setMetadata.dom = dom;
    vcpus.dom = dom;
    jobStats.dom = dom;
    console.dom = dom;
    screenshot.dom = dom;
    restoreParams[0].value.remote_typed_param_value_u.s =
        (char *) "/shared/web1.save";
    restore.params.params_len = G_N_ELEMENTS(restoreParams);
    restore.params.params_val = restoreParams;
    stats.doms.doms_len = G_N_ELEMENTS(doms);
    stats.doms.doms_val = doms;
    params[0].value.remote_typed_param_value_u.i = -1;
    params[1].value.remote_typed_param_value_u.ui = 2;
    params[2].value.remote_typed_param_value_u.l = -3;
    params[3].value.remote_typed_param_value_u.ul = 4;
    params[4].value.remote_typed_param_value_u.d = 0.5;
    params[5].value.remote_typed_param_value_u.b = 1;
    params[6].value.remote_typed_param_value_u.s = (char *) "tcp://10.0.0.2";
    perform.params.params_len = G_N_ELEMENTS(params);
    perform.params.params_val = params;
    perform.cookie_in.cookie_in_len = sizeof(cookie);
    perform.cookie_in.cookie_in_val = cookie;

    seedCall(seeds, "gen-connect-open", REMOTE_PROC_CONNECT_OPEN,
             (xdrproc_t) xdr_remote_connect_open_args, &open);
    seedCall(seeds, "gen-connect-open-ro", REMOTE_PROC_CONNECT_OPEN,
             (xdrproc_t) xdr_remote_connect_open_args, &openRo);
    seedCall(seeds, "gen-auth-list", REMOTE_PROC_AUTH_LIST, NULL, NULL);
    seedCall(seeds, "gen-connect-supports-feature",
             REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
             (xdrproc_t) xdr_remote_connect_supports_feature_args, &feature);
    seedCall(seeds, "gen-connect-list-all-domains",
             REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
             (xdrproc_t) xdr_remote_connect_list_all_domains_args, &listAll);
    seedCall(seeds, "gen-domain-lookup-by-name",
             REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
             (xdrproc_t) xdr_remote_domain_lookup_by_name_args, &byName);
    seedCall(seeds, "gen-domain-lookup-by-uuid",
             REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
             (xdrproc_t) xdr_remote_domain_lookup_by_uuid_args, &byUUID);
    seedCall(seeds, "gen-domain-get-xml-desc", REMOTE_PROC_DOMAIN_GET_XML_DESC,
             (xdrproc_t) xdr_remote_domain_get_xml_desc_args, &xmlDesc);
    seedCall(seeds, "gen-domain-define-xml-flags",
             REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS,
             (xdrproc_t) xdr_remote_domain_define_xml_flags_args, &define);
    seedCall(seeds, "gen-connect-get-all-domain-stats",
             REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
             (xdrproc_t) xdr_remote_connect_get_all_domain_stats_args, &stats);
    seedCall(seeds, "gen-domain-migrate-perform3-params",
             REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS,
             (xdrproc_t) xdr_remote_domain_migrate_perform3_params_args,
             &perform);
    seedCall(seeds, "gen-domain-set-metadata", REMOTE_PROC_DOMAIN_SET_METADATA,
             (xdrproc_t) xdr_remote_domain_set_metadata_args, &setMetadata);
    seedCall(seeds, "gen-domain-set-vcpus-flags",
             REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS,
             (xdrproc_t) xdr_remote_domain_set_vcpus_flags_args, &vcpus);
    seedCall(seeds, "gen-connect-domain-event-callback-register-any",
             REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
             (xdrproc_t)
                 xdr_remote_connect_domain_event_callback_register_any_args,
             &event);
    seedCall(seeds, "gen-domain-get-job-stats",
             REMOTE_PROC_DOMAIN_GET_JOB_STATS,
             (xdrproc_t) xdr_remote_domain_get_job_stats_args, &jobStats);
    seedCall(seeds, "gen-unknown-procedure", 999, NULL, NULL);
    seedCall(seeds, "gen-domain-open-console", REMOTE_PROC_DOMAIN_OPEN_CONSOLE,
             (xdrproc_t) xdr_remote_domain_open_console_args, &console);
    seedCall(seeds, "gen-domain-screenshot", REMOTE_PROC_DOMAIN_SCREENSHOT,
             (xdrproc_t) xdr_remote_domain_screenshot_args, &screenshot);
    seedCall(seeds, "gen-domain-restore-params",
             REMOTE_PROC_DOMAIN_RESTORE_PARAMS,
             (xdrproc_t) xdr_remote_domain_restore_params_args, &restore);
    seedCall(seeds, "gen-domain-save-image-define-xml",
             REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML,
             (xdrproc_t) xdr_remote_domain_save_image_define_xml_args,
             &imageDefine);
    seedCall(seeds, "gen-storage-vol-upload", REMOTE_PROC_STORAGE_VOL_UPLOAD,
             (xdrproc_t) xdr_remote_storage_vol_upload_args, &upload);
    seedCall(seeds, "gen-storage-vol-download",
             REMOTE_PROC_STORAGE_VOL_DOWNLOAD,
             (xdrproc_t) xdr_remote_storage_vol_download_args, &download);
    /* a console's keystrokes, then its finish */
    g_hash_table_insert(seeds, g_strdup("gen-stream-console-data"),
                        shoalMessageEncodeRaw(&consoleCall, "ls\r", 3));
    consoleCall.status = SHOAL_MESSAGE_STATUS_OK;
    g_hash_table_insert(seeds, g_strdup("gen-stream-console-finish"),
                        shoalMessageEncodeRaw(&consoleCall, NULL, 0));

    g_hash_table_insert(seeds, g_strdup("gen-keepalive-ping"),
                        seedEncode(KEEPALIVE_PROGRAM, KEEPALIVE_PROC_PING,
                                   SHOAL_MESSAGE_TYPE_MESSAGE,
                                   SHOAL_MESSAGE_STATUS_OK, NULL, NULL));

    /* what virsh sends first: two calls in one read */
    first = seedEncode(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN,
                       SHOAL_MESSAGE_TYPE_CALL, SHOAL_MESSAGE_STATUS_OK,
                       (xdrproc_t) xdr_remote_connect_open_args, &open);
    second = seedEncode(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
                        SHOAL_MESSAGE_TYPE_CALL, SHOAL_MESSAGE_STATUS_OK,
                        (xdrproc_t) xdr_remote_connect_list_all_domains_args,
                        &listAll);
    g_byte_array_append(stream, g_bytes_get_data(first, NULL),
                        g_bytes_get_size(first));
    g_byte_array_append(stream, g_bytes_get_data(second, NULL),
                        g_bytes_get_size(second));
    g_hash_table_insert(seeds, g_strdup("gen-stream-open-list"),
                        g_byte_array_free_to_bytes(g_steal_pointer(&stream)));

    g_set_error(&error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN,
                "Domain not found: no domain with matching name '%s'",
                "nosuch");
    g_hash_table_insert(seeds, g_strdup("gen-reply-error"),
                        shoalDriverErrorEncode(&lookup, error));
}

/* With @check, compares; returns the number of differences. */
static unsigned
seedWrite(seedTable *seeds, const char *dir, bool check)
{
    g_autoptr(GList) names = g_hash_table_get_keys(seeds);
    bool regenerate = g_getenv("SHOAL_TEST_REGENERATE") != NULL;
    unsigned n = 0;
    unsigned failed = 0;
    GList *l;

    names = g_list_sort(names, (GCompareFunc) strcmp);
    for (l = names; l; l = l->next) {
        const char *name = l->data;
        GBytes *packet = g_hash_table_lookup(seeds, name);
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *old = NULL;
        gsize oldLen = 0;
        g_autoptr(GError) error = NULL;

        n++;
        if (check && !regenerate) {
            g_autoptr(GBytes) oldBytes = NULL;

            if (!g_file_get_contents(path, &old, &oldLen, &error)) {
                printf("not ok %u %s: %s\n", n, name, error->message);
                failed++;
                continue;
            }
            oldBytes = g_bytes_new_take(g_steal_pointer(&old), oldLen);
            if (!g_bytes_equal(oldBytes, packet)) {
                printf("not ok %u %s differs from the generated seed\n", n,
                       name);
                failed++;
                continue;
            }
            printf("ok %u %s\n", n, name);
            continue;
        }
        if (!g_file_set_contents(path, g_bytes_get_data(packet, NULL),
                                 g_bytes_get_size(packet), &error)) {
            printf("not ok %u %s\n", n, error->message);
            failed++;
            continue;
        }
        printf("ok %u %s written\n", n, path);
    }
    printf("1..%u\n", n);
    if (failed && check)
        printf(
            "# regenerate: SHOAL_TEST_REGENERATE=1 meson test fuzz_packet_seeds\n");
    return failed;
}

int
main(int argc, char **argv)
{
    g_autoptr(GHashTable) seeds =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                              (GDestroyNotify) g_bytes_unref);
    g_autoptr(GError) error = NULL;
    bool check = false;
    int i = 1;

    for (; i < argc && g_str_has_prefix(argv[i], "--"); i++) {
        if (g_str_equal(argv[i], "--check"))
            check = true;
        else if (!g_str_equal(argv[i], "--tap"))
            break;
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: %s [--tap] [--check] HEXSAMPLES DIR\n",
                argv[0]);
        return 2;
    }
    if (!seedCaptures(seeds, argv[i], &error)) {
        printf("Bail out! %s\n", error->message);
        return 1;
    }
    seedCalls(seeds);
    return seedWrite(seeds, argv[i + 1], check) ? 1 : 0;
}
