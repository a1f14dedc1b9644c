/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shoalctl: virtshoald's admin command. It speaks newline-delimited JSON
 * on the daemon's admin socket and links no cluster or libvirt code.
 */
#include <config.h>

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <json-c/json.h>

#include "sched.h"
#include "sched_group_sim.h"

#define CTL_DEFAULT_SOCKET "/run/libvirt/virtshoald-admin-sock"
#define CTL_ERROR (ctlErrorQuark())
/* requests: one line; results: for people */
#define CTL_JSON_LINE (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define CTL_JSON_PRETTY                                  \
    (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | \
     JSON_C_TO_STRING_NOSLASHESCAPE)

/* util_cleanup.h has this too, but would pull in libxml2's headers */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

typedef struct _shoalCtl {
    char *socketPath;        /* --socket, or NULL for the default */
    bool json;               /* --json */
    GSocketConnection *conn; /* opened by the first call */
    GDataInputStream *in;    /* responses, one a line */
} shoalCtl;

typedef struct _shoalCtlCommand shoalCtlCommand;

/* @args: the program name, then the arguments after the command's words */
typedef bool (*shoalCtlCommandFunc)(shoalCtl *ctl,
                                    const shoalCtlCommand *cmd,
                                    char ***args,
                                    GError **error);

struct _shoalCtlCommand {
    const char *path;       /* the words that select it: "host add" */
    const char *parameters; /* N_(): its positional arguments, or NULL */
    int nargs;              /* how many there are; -1: any */
    const char *summary;    /* N_(): one line for --help */
    const char *details;    /* N_(): more for its --help, or NULL */
    shoalCtlCommandFunc func;
};

/* A protocol word and how a person reads it. */
typedef struct {
    const char *word;
    const char *label;
} shoalCtlWord;

static GQuark
ctlErrorQuark(void)
{
    return g_quark_from_static_string("shoalctl-error-quark");
}

static void
ctlClear(shoalCtl *ctl)
{
    g_free(ctl->socketPath);
    g_clear_object(&ctl->in);
    g_clear_object(&ctl->conn);
}

/* The daemon */

static bool
ctlConnect(shoalCtl *ctl, GError **error)
{
    const char *path = ctl->socketPath ? ctl->socketPath : CTL_DEFAULT_SOCKET;
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GError) err = NULL;
    GInputStream *in;

    ctl->conn =
        g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, &err);
    if (!ctl->conn) {
        g_set_error(error, CTL_ERROR, 0,
                    _("cannot connect to the admin socket '%1$s': %2$s. Is virtshoald running? For a daemon started with --socket-dir DIR, use --socket DIR/virtshoald-admin-sock."),
                    path, err->message);
        return false;
    }
    in = g_io_stream_get_input_stream(G_IO_STREAM(ctl->conn));
    ctl->in = g_data_input_stream_new(in);
    g_data_input_stream_set_newline_type(ctl->in,
                                         G_DATA_STREAM_NEWLINE_TYPE_LF);
    return true;
}

/*
 * Sends @request, waits for its response. @result: (out) (transfer full):
 * the result, which may be NULL for JSON null. A refusal by the daemon
 * becomes an error with its code and message.
 */
static bool
ctlCall(shoalCtl *ctl,
        json_object *request,
        json_object **result,
        GError **error)
{
    g_autofree char *line = NULL;
    g_autofree char *reply = NULL;
    g_autoptr(json_object) response = NULL;
    g_autoptr(GError) err = NULL;
    GOutputStream *out;
    json_object *ok = NULL;
    json_object *value = NULL;
    json_object *code = NULL;
    json_object *message = NULL;

    if (!ctl->conn && !ctlConnect(ctl, error))
        return false;
    line = g_strconcat(json_object_to_json_string_ext(request, CTL_JSON_LINE),
                       "\n", NULL);
    out = g_io_stream_get_output_stream(G_IO_STREAM(ctl->conn));
    if (!g_output_stream_write_all(out, line, strlen(line), NULL, NULL, &err)) {
        g_set_error(error, CTL_ERROR, 0, _("cannot send to virtshoald: %1$s"),
                    err->message);
        return false;
    }
    reply = g_data_input_stream_read_line(ctl->in, NULL, NULL, &err);
    if (!reply) {
        if (err) {
            g_set_error(error, CTL_ERROR, 0,
                        _("cannot read from virtshoald: %1$s"), err->message);
        } else {
            g_set_error(error, CTL_ERROR, 0,
                        _("virtshoald closed the connection without answering"));
        }
        return false;
    }
    response = json_tokener_parse(reply);
    if (!json_object_is_type(response, json_type_object) ||
        !json_object_object_get_ex(response, "ok", &ok) ||
        !json_object_is_type(ok, json_type_boolean)) {
        g_set_error(error, CTL_ERROR, 0,
                    _("virtshoald sent a malformed response"));
        return false;
    }
    if (!json_object_get_boolean(ok)) {
        if (!json_object_object_get_ex(response, "error", &value) ||
            !json_object_object_get_ex(value, "message", &message) ||
            !json_object_is_type(message, json_type_string)) {
            g_set_error(error, CTL_ERROR, 0,
                        _("virtshoald sent a malformed response"));
            return false;
        }
        json_object_object_get_ex(value, "code", &code);
        g_set_error_literal(error, CTL_ERROR, json_object_get_int(code),
                            json_object_get_string(message));
        return false;
    }
    json_object_object_get_ex(response, "result", &value);
    *result = json_object_get(value);
    return true;
}

/* Output */

static void ctlSay(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* One line of output: a translated sentence without its newline. */
static void
ctlSay(const char *format, ...)
{
    g_autofree char *text = NULL;
    va_list args;

    va_start(args, format);
    text = g_strdup_vprintf(format, args);
    va_end(args);
    g_print("%s\n", text);
}

static void
ctlPrintJson(json_object *result)
{
    g_print("%s\n", json_object_to_json_string_ext(result, CTL_JSON_PRETTY));
}

/* "shoalctl: error: …", as main reports a failure */
static void
ctlPrintError(const char *message)
{
    g_autofree char *text = g_strdup_printf(_("error: %1$s"), message);

    g_printerr("shoalctl: %s\n", text);
}

static json_object *
ctlObjGet(json_object *obj, const char *key)
{
    json_object *value = NULL;

    if (!json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &value))
        return NULL;
    return value;
}

/* NULL unless the member is a string */
static const char *
ctlObjString(json_object *obj, const char *key)
{
    json_object *value = ctlObjGet(obj, key);

    if (!json_object_is_type(value, json_type_string))
        return NULL;
    return json_object_get_string(value);
}

static guint64
ctlObjUint(json_object *obj, const char *key)
{
    return json_object_get_uint64(ctlObjGet(obj, key));
}

static const shoalCtlWord ctlStates[] = {
    /* TRANSLATORS: a host's state */
    { "connecting", N_("connecting") },
    /* TRANSLATORS: a host's state */
    { "online", N_("online") },
    /* TRANSLATORS: a host's state */
    { "unreachable", N_("unreachable") },
    /* TRANSLATORS: a host's state: powered off by power-saving mode */
    { "standby", N_("standby") },
    /* TRANSLATORS: a migration's state */
    { "queued", N_("queued") },
    /* TRANSLATORS: a migration's state */
    { "running", N_("running") },
    /* TRANSLATORS: a migration's state */
    { "done", N_("done") },
    /* TRANSLATORS: a migration's state */
    { "failed", N_("failed") },
    /* TRANSLATORS: a conflict's kind: a UUID defined on several hosts */
    { "duplicate", N_("duplicate") },
    /* TRANSLATORS: a conflict's kind: a stored domain its host lacks */
    { "missing", N_("missing") },
    /* TRANSLATORS: HA restart of a domain: started on another host */
    { "restarted", N_("restarted") },
    /* TRANSLATORS: HA restart of a domain: refused, tried again later */
    { "waiting", N_("waiting") },
    /* TRANSLATORS: HA restart of a domain: being started now */
    { "trying", N_("starting") },
    /* TRANSLATORS: HA restart of a domain: refused too often */
    { "gave-up", N_("gave up") },
    /* TRANSLATORS: HA restart of a domain: not started, see the reason */
    { "skipped", N_("not restarted") },
    /* TRANSLATORS: why HA restart did not start a domain */
    { "not-marked", N_("not marked for HA restart") },
    /* TRANSLATORS: why HA restart did not start a domain */
    { "transient", N_("transient: no stored definition") },
    /* TRANSLATORS: why HA restart did not start a domain */
    { "no-lease", N_("no disk a lease protects, so a second copy could run") },
    /* TRANSLATORS: why HA restart did not start a domain */
    { "backoff", N_("refused; waiting to try again") },
};

/* TRANSLATORS: column headers of 'shoalctl host list' */
static const char *const ctlHostColumns[] = {
    N_("NAME"),    N_("STATE"),     N_("MAINT"), N_("VMS"),
    N_("RUNNING"), N_("LOAD"),      N_("CPUS"),  N_("VCPUS"),
    N_("MEMORY"),  N_("COMMITTED"), N_("ERROR"),
};

/* TRANSLATORS: column headers of 'shoalctl conflicts' */
static const char *const ctlConflictColumns[] = {
    N_("KIND"),
    N_("DOMAIN"),
    N_("UUID"),
    N_("HOSTS"),
};

/* TRANSLATORS: column headers of 'shoalctl objects' */
static const char *const ctlObjectColumns[] = {
    N_("KIND"),      N_("NAME"),    N_("SCOPE"), N_("HOSTS"),
    N_("ACTIVE ON"), N_("LACKING"), N_("UUID"),
};

/* TRANSLATORS: column headers of 'shoalctl ha' */
static const char *const ctlHaColumns[] = {
    N_("DOMAIN"),   N_("FROM"),  N_("TO"),   N_("STATUS"),
    N_("PRIORITY"), N_("TRIES"), N_("TIME"), N_("DETAIL"),
};

/* TRANSLATORS: column headers of 'shoalctl host check' */
static const char *const ctlHostCheckColumns[] = {
    N_("NAME"), N_("STATE"), N_("MAINT"), N_("LEASES"), N_("FAILED"),
};

/* TRANSLATORS: column headers of 'shoalctl migrations' */
static const char *const ctlMigrationColumns[] = {
    N_("ID"),       N_("DOMAIN"),   N_("FROM"),
    N_("TO"),       N_("STATE"),    N_("PROGRESS"),
    N_("DURATION"), N_("DOWNTIME"), N_("REASON/ERROR"),
};

static const char *
ctlOr(const char *str, const char *fallback)
{
    return str ? str : fallback;
}

/* A string member, or @fallback if there is none */
static char *
ctlFormatString(json_object *obj, const char *key, const char *fallback)
{
    return g_strdup(ctlOr(ctlObjString(obj, key), fallback));
}

static char *
ctlFormatUint(json_object *obj, const char *key)
{
    return g_strdup_printf("%lu", (unsigned long) ctlObjUint(obj, key));
}

/* A fraction as a percentage; "-" if it is unknown (NULL) */
static char *
ctlFormatPercent(json_object *fraction)
{
    if (!fraction)
        return g_strdup("-");
    return g_strdup_printf("%.0f%%", 100 * json_object_get_double(fraction));
}

static const char *
ctlStateLabel(const char *word)
{
    size_t i;

    if (!word)
        return "-";
    for (i = 0; i < G_N_ELEMENTS(ctlStates); i++) {
        if (g_str_equal(ctlStates[i].word, word))
            return _(ctlStates[i].label);
    }
    /* a newer daemon's word, shown as it is */
    return word;
}

/* @kib of 0 is "-" if it means unknown, as a host's capacity does */
static char *
ctlFormatMemory(guint64 kib, bool zeroUnknown)
{
    g_autofree char *value = NULL;
    g_autofree char *unit = NULL;

    if (kib == 0 && zeroUnknown)
        return g_strdup("-");
    /* GLib joins them with a no-break space, which the C locale lacks */
    value = g_format_size_full(kib * 1024, G_FORMAT_SIZE_IEC_UNITS |
                                               G_FORMAT_SIZE_ONLY_VALUE);
    unit = g_format_size_full(kib * 1024, G_FORMAT_SIZE_IEC_UNITS |
                                              G_FORMAT_SIZE_ONLY_UNIT);
    return g_strdup_printf("%s %s", value, unit);
}

static char *
ctlFormatDuration(guint64 ms)
{
    guint64 s = ms / 1000;

    if (ms < 1000)
        return g_strdup_printf(_("%1$lu ms"), (unsigned long) ms);
    if (s < 60)
        return g_strdup_printf(_("%1$.1f s"), ms / 1000.0);
    if (s < 3600) {
        return g_strdup_printf(_("%1$lu min %2$lu s"), (unsigned long) s / 60,
                               (unsigned long) s % 60);
    }
    return g_strdup_printf(_("%1$lu h %2$lu min"), (unsigned long) s / 3600,
                           (unsigned long) (s % 3600) / 60);
}

/* A table's first row: @ncols translated headers. */
static GPtrArray *
ctlTableNew(const char *const *headers, size_t ncols)
{
    GPtrArray *rows =
        g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
    char **row = g_new0(char *, ncols + 1);
    size_t i;

    for (i = 0; i < ncols; i++)
        row[i] = g_strdup(_(headers[i]));
    g_ptr_array_add(rows, row);
    return rows;
}

/* A new row as wide as the header, added to @rows for the caller to fill. */
static char **
ctlTableAddRow(GPtrArray *rows)
{
    char **row = g_new0(char *, g_strv_length(rows->pdata[0]) + 1);

    g_ptr_array_add(rows, row);
    return row;
}

/*
 * Prints @rows (GStrv each, the first one the header) in columns; @align
 * has an 'l' or 'r' per column, and may leave out columns at the end.
 * The last column printed is not padded.
 */
static void
ctlTablePrint(GPtrArray *rows, const char *align)
{
    g_autofree size_t *widths = NULL;
    size_t ncols = strlen(align);
    guint i;
    size_t j;

    widths = g_new0(size_t, ncols);
    for (i = 0; i < rows->len; i++) {
        char **row = rows->pdata[i];

        for (j = 0; j < ncols; j++)
            widths[j] = MAX(widths[j], (size_t) g_utf8_strlen(row[j], -1));
    }
    for (i = 0; i < rows->len; i++) {
        char **row = rows->pdata[i];
        g_autoptr(GString) line = g_string_new(NULL);

        for (j = 0; j < ncols; j++) {
            size_t pad = widths[j] - g_utf8_strlen(row[j], -1);
            bool last = j + 1 == ncols;

            if (j > 0)
                g_string_append(line, "  ");
            if (align[j] == 'r')
                g_string_append_printf(line, "%*s", (int) pad, "");
            g_string_append(line, row[j]);
            if (align[j] != 'r' && !last)
                g_string_append_printf(line, "%*s", (int) pad, "");
        }
        /* an empty last column leaves no trailing blanks */
        g_print("%s\n", g_strchomp(line->str));
    }
}

/* Options */

/* --socket and --json, which every parser takes */
typedef struct {
    char *socketPath;
    gboolean json;
} shoalCtlGlobals;

/* A parser for "shoalctl [OPTION…] @parameters"; GLib translates its texts. */
static GOptionContext *
ctlOptionContextNew(const char *parameters,
                    const char *summary,
                    const char *description)
{
    GOptionContext *octx = g_option_context_new(parameters);

    g_option_context_set_translation_domain(octx, GETTEXT_PACKAGE);
    g_option_context_set_summary(octx, summary);
    if (description)
        g_option_context_set_description(octx, description);
    return octx;
}

/* Adds --socket and --json after the options added so far, for --help. */
static void
ctlOptionsAddGlobals(GOptionContext *octx, shoalCtlGlobals *globals)
{
    const GOptionEntry entries[] = {
        { "socket", 0, 0, G_OPTION_ARG_FILENAME, &globals->socketPath,
          N_("The admin socket (default " CTL_DEFAULT_SOCKET ")"), N_("PATH") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &globals->json,
          N_("Print the result as JSON"), NULL },
        { NULL },
    };

    g_option_context_add_main_entries(octx, entries, GETTEXT_PACKAGE);
}

/*
 * Parses @args with @octx, whose options include @globals. The command
 * line has --socket and --json before and after the command's name, so
 * two parses take them; the last one given wins.
 */
static bool
ctlOptionsParse(shoalCtl *ctl,
                GOptionContext *octx,
                shoalCtlGlobals *globals,
                char ***args,
                GError **error)
{
    bool ok = g_option_context_parse_strv(octx, args, error);

    /* even after a failure, as GLib may have set them */
    if (globals->socketPath) {
        g_free(ctl->socketPath);
        ctl->socketPath = g_steal_pointer(&globals->socketPath);
    }
    if (globals->json)
        ctl->json = true;
    return ok;
}

static void
ctlSetUsageError(GError **error, const char *usage)
{
    g_set_error(error, CTL_ERROR, 0,
                _("wrong number of arguments; usage: shoalctl %1$s"), usage);
}

/*
 * Parses a command's options (its @entries, then --socket and --json,
 * which may come anywhere) and checks its positional arguments. --help
 * prints the command's help and exits.
 */
static bool
ctlParseArgs(shoalCtl *ctl,
             const char *path,
             const char *parameters,
             int nargs,
             const char *summary,
             const char *description,
             const GOptionEntry *entries,
             char ***args,
             GError **error)
{
    shoalCtlGlobals globals = { 0 };
    g_autoptr(GOptionContext) octx = NULL;
    g_autofree char *usage = NULL;

    if (parameters)
        usage = g_strdup_printf("%s %s", path, _(parameters));
    else
        usage = g_strdup(path);
    octx = ctlOptionContextNew(usage, summary, description);
    if (entries)
        g_option_context_add_main_entries(octx, entries, GETTEXT_PACKAGE);
    ctlOptionsAddGlobals(octx, &globals);
    if (!ctlOptionsParse(ctl, octx, &globals, args, error))
        return false;
    if (nargs >= 0 && g_strv_length(*args) != (guint) nargs + 1) {
        ctlSetUsageError(error, usage);
        return false;
    }
    return true;
}

static bool
ctlCommandParseArgs(shoalCtl *ctl,
                    const shoalCtlCommand *cmd,
                    const GOptionEntry *entries,
                    char ***args,
                    GError **error)
{
    return ctlParseArgs(ctl, cmd->path, cmd->parameters, cmd->nargs,
                        cmd->summary, cmd->details, entries, args, error);
}

static json_object *
ctlRequestNew(const char *command)
{
    json_object *request = json_object_new_object();

    json_object_object_add(request, "command", json_object_new_string(command));
    return request;
}

/* Sends @request; with --json, prints its result as it came. */
static bool
ctlCallPrintJson(shoalCtl *ctl,
                 json_object *request,
                 json_object **result,
                 GError **error)
{
    if (!ctlCall(ctl, request, result, error))
        return false;
    if (ctl->json)
        ctlPrintJson(*result);
    return true;
}

/*
 * A command without options or request members: parses its arguments,
 * sends @command and, with --json, prints the result.
 */
static bool
ctlCommandCall(shoalCtl *ctl,
               const shoalCtlCommand *cmd,
               char ***args,
               const char *command,
               json_object **result,
               GError **error)
{
    g_autoptr(json_object) request = ctlRequestNew(command);

    return ctlCommandParseArgs(ctl, cmd, NULL, args, error) &&
           ctlCallPrintJson(ctl, request, result, error);
}

/*
 * Parses a host command's arguments, the first of which is the host's
 * name, and starts its request with that name. Returns: a new request,
 * or NULL on error.
 */
static json_object *
ctlHostRequestNew(shoalCtl *ctl,
                  const shoalCtlCommand *cmd,
                  const GOptionEntry *entries,
                  char ***args,
                  const char *command,
                  GError **error)
{
    json_object *request;

    if (!ctlCommandParseArgs(ctl, cmd, entries, args, error))
        return NULL;
    request = ctlRequestNew(command);
    json_object_object_add(request, "name", json_object_new_string((*args)[1]));
    return request;
}

/* Commands */

/*
 * A command that lists: with --json (or nothing to list) it has been
 * printed and *@n is 0; otherwise @result holds *@n rows to print.
 */
static bool
ctlCallList(shoalCtl *ctl,
            const shoalCtlCommand *cmd,
            char ***args,
            const char *command,
            const char *empty,
            json_object **result,
            size_t *n,
            GError **error)
{
    if (!ctlCommandCall(ctl, cmd, args, command, result, error))
        return false;
    *n = 0;
    if (ctl->json)
        return true;
    if (json_object_is_type(*result, json_type_array))
        *n = json_object_array_length(*result);
    if (*n == 0)
        ctlSay("%s", empty);
    return true;
}

static bool
ctlCommandHostList(shoalCtl *ctl,
                   const shoalCtlCommand *cmd,
                   char ***args,
                   GError **error)
{
    g_autoptr(json_object) result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    bool errors = false;
    size_t n;
    size_t i;

    if (!ctlCallList(ctl, cmd, args, "host-list", _("no member hosts"), &result,
                     &n, error))
        return false;
    if (n == 0)
        return true;
    for (i = 0; i < n; i++)
        errors = errors || ctlObjString(json_object_array_get_idx(result, i),
                                        "last_error");
    rows = ctlTableNew(ctlHostColumns, G_N_ELEMENTS(ctlHostColumns));
    for (i = 0; i < n; i++) {
        json_object *host = json_object_array_get_idx(result, i);
        bool maintenance =
            json_object_get_boolean(ctlObjGet(host, "maintenance"));
        char **row = ctlTableAddRow(rows);

        row[0] = ctlFormatString(host, "name", "-");
        row[1] = g_strdup(ctlStateLabel(ctlObjString(host, "state")));
        row[2] = g_strdup(maintenance ? _("yes") : _("no"));
        row[3] = ctlFormatUint(host, "domains");
        row[4] = ctlFormatUint(host, "running");
        row[5] = ctlFormatPercent(ctlObjGet(host, "cpu_load"));
        row[6] = ctlFormatUint(host, "cpus");
        row[7] = ctlFormatUint(host, "committed_vcpus");
        row[8] = ctlFormatMemory(ctlObjUint(host, "memory_kib"), true);
        row[9] =
            ctlFormatMemory(ctlObjUint(host, "committed_memory_kib"), false);
        row[10] = ctlFormatString(host, "last_error", "");
    }
    /* the ERROR column only when a host has one */
    ctlTablePrint(rows, errors ? "lllrrrrrrrl" : "lllrrrrrrr");
    return true;
}

static bool
ctlCommandHostAdd(shoalCtl *ctl,
                  const shoalCtlCommand *cmd,
                  char ***args,
                  GError **error)
{
    g_autofree char *migrationUri = NULL;
    const GOptionEntry entries[] = {
        { "migration-uri", 0, 0, G_OPTION_ARG_STRING, &migrationUri,
          N_("Where the other hosts migrate domains to (default: derived from URI)"),
          N_("URI") },
        { NULL },
    };
    g_autoptr(json_object) request = NULL;
    g_autoptr(json_object) result = NULL;

    request = ctlHostRequestNew(ctl, cmd, entries, args, "host-add", error);
    if (!request)
        return false;
    json_object_object_add(request, "uri", json_object_new_string((*args)[2]));
    if (migrationUri) {
        json_object_object_add(request, "migration_uri",
                               json_object_new_string(migrationUri));
    }
    if (!ctlCallPrintJson(ctl, request, &result, error))
        return false;
    if (!ctl->json)
        ctlSay(_("host '%1$s' added"), (*args)[1]);
    return true;
}

static bool
ctlCommandHostRemove(shoalCtl *ctl,
                     const shoalCtlCommand *cmd,
                     char ***args,
                     GError **error)
{
    g_autoptr(json_object) request = NULL;
    g_autoptr(json_object) result = NULL;

    request = ctlHostRequestNew(ctl, cmd, NULL, args, "host-remove", error);
    if (!request || !ctlCallPrintJson(ctl, request, &result, error))
        return false;
    if (!ctl->json)
        ctlSay(_("host '%1$s' removed"), (*args)[1]);
    return true;
}

/* What 'host maintenance' did, for people. */
static void
ctlMaintenanceSay(const char *name,
                  bool on,
                  bool returnDomains,
                  json_object *result)
{
    guint64 migrated = ctlObjUint(result, "migrated");
    guint64 rehomed = ctlObjUint(result, "rehomed");

    if (on) {
        /* TRANSLATORS: the plural follows the first number (migrated) */
        ctlSay(ngettext("host '%1$s' is in maintenance: %2$lu domain migrated, %3$lu re-homed",
                        "host '%1$s' is in maintenance: %2$lu domains migrated, %3$lu re-homed",
                        migrated),
               name, (unsigned long) migrated, (unsigned long) rehomed);
    } else if (returnDomains) {
        /* TRANSLATORS: the plural follows the first number (migrated) */
        ctlSay(ngettext("host '%1$s' is out of maintenance: %2$lu domain migrated back, %3$lu re-homed",
                        "host '%1$s' is out of maintenance: %2$lu domains migrated back, %3$lu re-homed",
                        migrated),
               name, (unsigned long) migrated, (unsigned long) rehomed);
    } else {
        ctlSay(_("host '%1$s' is out of maintenance"), name);
    }
}

/*
 * Fails if 'host maintenance' left domains behind: prints each one's
 * error, with --json too, and the count becomes @error.
 */
static bool
ctlMaintenanceCheckFailed(const char *name, json_object *result, GError **error)
{
    guint64 failed = ctlObjUint(result, "failed");
    json_object *errors = ctlObjGet(result, "errors");
    size_t i;

    if (failed == 0)
        return true;
    for (i = 0; json_object_is_type(errors, json_type_array) &&
                i < json_object_array_length(errors);
         i++) {
        json_object *message = json_object_array_get_idx(errors, i);

        ctlPrintError(json_object_get_string(message));
    }
    g_set_error(error, CTL_ERROR, 0,
                ngettext("%1$lu domain could not be moved for host '%2$s'",
                         "%1$lu domains could not be moved for host '%2$s'",
                         failed),
                (unsigned long) failed, name);
    return false;
}

static bool
ctlCommandHostMaintenance(shoalCtl *ctl,
                          const shoalCtlCommand *cmd,
                          char ***args,
                          GError **error)
{
    gboolean returnDomains = FALSE;
    const GOptionEntry entries[] = {
        { "return", 0, 0, G_OPTION_ARG_NONE, &returnDomains,
          N_("With 'off': bring back the domains that left for maintenance"),
          NULL },
        { NULL },
    };
    g_autoptr(json_object) request = NULL;
    g_autoptr(json_object) result = NULL;
    const char *name;
    const char *mode;
    bool on;

    request =
        ctlHostRequestNew(ctl, cmd, entries, args, "host-maintenance", error);
    if (!request)
        return false;
    name = (*args)[1];
    mode = (*args)[2];
    if (!g_str_equal(mode, "on") && !g_str_equal(mode, "off")) {
        g_set_error(error, CTL_ERROR, 0, _("'%1$s' is neither 'on' nor 'off'"),
                    mode);
        return false;
    }
    on = g_str_equal(mode, "on");
    if (on && returnDomains) {
        g_set_error(error, CTL_ERROR, 0, _("--return applies only to 'off'"));
        return false;
    }
    json_object_object_add(request, "on", json_object_new_boolean(on));
    json_object_object_add(request, "return",
                           json_object_new_boolean(returnDomains));
    if (!ctlCallPrintJson(ctl, request, &result, error))
        return false;
    if (!ctl->json)
        ctlMaintenanceSay(name, on, returnDomains, result);
    return ctlMaintenanceCheckFailed(name, result, error);
}

static bool
ctlCommandHostRestore(shoalCtl *ctl,
                      const shoalCtlCommand *cmd,
                      char ***args,
                      GError **error)
{
    g_autoptr(json_object) request = NULL;
    g_autoptr(json_object) result = NULL;
    json_object *restored;
    guint n;
    guint i;

    if (!ctlCommandParseArgs(ctl, cmd, NULL, args, error))
        return false;
    if ((n = g_strv_length(*args)) < 2) {
        g_autofree char *usage =
            g_strdup_printf("%s %s", cmd->path, _(cmd->parameters));

        ctlSetUsageError(error, usage);
        return false;
    }
    request = ctlRequestNew("host-restore");
    json_object_object_add(request, "name", json_object_new_string((*args)[1]));
    if (n > 2) {
        json_object *domains = json_object_new_array();

        for (i = 2; i < n; i++)
            json_object_array_add(domains, json_object_new_string((*args)[i]));
        json_object_object_add(request, "domains", domains);
    }
    if (!ctlCallPrintJson(ctl, request, &result, error))
        return false;
    if (ctl->json)
        return true;
    restored = ctlObjGet(result, "restored");
    if (!restored || json_object_array_length(restored) == 0)
        ctlSay(_("host '%1$s' lacks no stored domain"), (*args)[1]);
    for (i = 0; restored && i < json_object_array_length(restored); i++)
        ctlSay(_("domain '%1$s' defined again on host '%2$s'"),
               json_object_get_string(json_object_array_get_idx(restored, i)),
               (*args)[1]);
    return true;
}

static bool
ctlCommandConflicts(shoalCtl *ctl,
                    const shoalCtlCommand *cmd,
                    char ***args,
                    GError **error)
{
    g_autoptr(json_object) result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    size_t n;
    size_t i;

    if (!ctlCallList(ctl, cmd, args, "conflicts", _("no conflicts"), &result,
                     &n, error))
        return false;
    if (n == 0)
        return true;
    rows = ctlTableNew(ctlConflictColumns, G_N_ELEMENTS(ctlConflictColumns));
    for (i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(result, i);
        json_object *hosts = ctlObjGet(c, "hosts");
        g_autoptr(GPtrArray) names = g_ptr_array_new();
        char **row = ctlTableAddRow(rows);
        size_t j;

        for (j = 0; hosts && j < json_object_array_length(hosts); j++)
            g_ptr_array_add(names, (gpointer) json_object_get_string(
                                       json_object_array_get_idx(hosts, j)));
        g_ptr_array_add(names, NULL);
        row[0] = g_strdup(ctlStateLabel(ctlObjString(c, "kind")));
        row[1] = ctlFormatString(c, "domain", "-");
        row[2] = ctlFormatString(c, "uuid", "-");
        row[3] = g_strjoinv(",", (char **) names->pdata);
    }
    ctlTablePrint(rows, "llll");
    return true;
}

/* Returns: (transfer full): @key's array of strings, joined by commas. */
static char *
ctlJoinStrings(json_object *obj, const char *key)
{
    json_object *arr = ctlObjGet(obj, key);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    size_t j;

    for (j = 0; arr && j < json_object_array_length(arr); j++)
        g_ptr_array_add(names, (gpointer) json_object_get_string(
                                   json_object_array_get_idx(arr, j)));
    if (names->len == 0)
        return g_strdup("-");
    g_ptr_array_add(names, NULL);
    return g_strjoinv(",", (char **) names->pdata);
}

static bool
ctlCommandObjects(shoalCtl *ctl,
                  const shoalCtlCommand *cmd,
                  char ***args,
                  GError **error)
{
    g_autoptr(json_object) result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    size_t n;
    size_t i;

    if (!ctlCallList(ctl, cmd, args, "objects",
                     _("no storage pools or networks"), &result, &n, error))
        return false;
    if (n == 0)
        return true;
    rows = ctlTableNew(ctlObjectColumns, G_N_ELEMENTS(ctlObjectColumns));
    for (i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(result, i);
        char **row = ctlTableAddRow(rows);

        row[0] = ctlFormatString(o, "kind", "-");
        row[1] = ctlFormatString(o, "name", "-");
        /* TRANSLATORS: scope of a pool or network: Shoal's on every host,
         * or one host's own */
        row[2] = g_strdup(json_object_get_boolean(ctlObjGet(o, "cluster"))
                              ? _("cluster")
                              : _("host"));
        row[3] = ctlJoinStrings(o, "hosts");
        row[4] = ctlJoinStrings(o, "running");
        row[5] = ctlJoinStrings(o, "lacking");
        row[6] = ctlFormatString(o, "uuid", "-");
    }
    ctlTablePrint(rows, "lllllll");
    return true;
}

static bool
ctlCommandMigrations(shoalCtl *ctl,
                     const shoalCtlCommand *cmd,
                     char ***args,
                     GError **error)
{
    g_autoptr(json_object) result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    size_t n;
    size_t i;

    if (!ctlCallList(ctl, cmd, args, "migrations",
                     _("no migrations in flight or recent"), &result, &n,
                     error))
        return false;
    if (n == 0)
        return true;
    rows = ctlTableNew(ctlMigrationColumns, G_N_ELEMENTS(ctlMigrationColumns));
    for (i = 0; i < n; i++) {
        json_object *mig = json_object_array_get_idx(result, i);
        json_object *downtime = ctlObjGet(mig, "downtime_ms");
        const char *err = ctlObjString(mig, "error");
        const char *reason = ctlObjString(mig, "reason");
        char **row = ctlTableAddRow(rows);

        row[0] = ctlFormatUint(mig, "id");
        row[1] = ctlFormatString(mig, "domain", "-");
        row[2] = ctlFormatString(mig, "from", "-");
        row[3] = ctlFormatString(mig, "to", "-");
        row[4] = g_strdup(ctlStateLabel(ctlObjString(mig, "state")));
        row[5] = ctlFormatPercent(ctlObjGet(mig, "progress"));
        row[6] = ctlFormatDuration(ctlObjUint(mig, "duration_ms"));
        if (downtime)
            row[7] = ctlFormatDuration(json_object_get_uint64(downtime));
        else
            row[7] = g_strdup("-");
        row[8] = g_strdup(err ? err : ctlOr(reason, ""));
    }
    ctlTablePrint(rows, "rllllrrrl");
    return true;
}

/* 'shoalctl ha': on or off, failed hosts, one row per domain. */
static bool
ctlCommandHa(shoalCtl *ctl,
             const shoalCtlCommand *cmd,
             char ***args,
             GError **error)
{
    g_autoptr(json_object) result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    json_object *failed;
    json_object *domains;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    size_t n;
    size_t i;

    if (!ctlCommandCall(ctl, cmd, args, "ha", &result, error))
        return false;
    if (ctl->json)
        return true;
    if (json_object_get_boolean(ctlObjGet(result, "enabled")))
        ctlSay(_("HA restart: on (disk leases: %1$s; a host has failed after %2$lu s without an answer)"),
               ctlOr(ctlObjString(result, "leases"), "-"),
               (unsigned long) ctlObjUint(result, "failure_timeout_s"));
    else
        ctlSay(_("HA restart: off: %1$s"),
               ctlOr(ctlObjString(result, "disabled_reason"), "-"));
    failed = ctlObjGet(result, "failed_hosts");
    for (i = 0; failed && i < json_object_array_length(failed); i++)
        g_ptr_array_add(names, (gpointer) json_object_get_string(
                                   json_object_array_get_idx(failed, i)));
    g_ptr_array_add(names, NULL);
    if (names->len > 1) {
        g_autofree char *list = g_strjoinv(", ", (char **) names->pdata);

        ctlSay(_("Failed hosts: %1$s"), list);
    } else {
        ctlSay(_("Failed hosts: none"));
    }
    domains = ctlObjGet(result, "domains");
    n = domains ? json_object_array_length(domains) : 0;
    if (n == 0)
        return true;
    rows = ctlTableNew(ctlHaColumns, G_N_ELEMENTS(ctlHaColumns));
    for (i = 0; i < n; i++) {
        json_object *d = json_object_array_get_idx(domains, i);
        const char *reason = ctlObjString(d, "reason");
        const char *err = ctlObjString(d, "error");
        guint64 nextMs = ctlObjUint(d, "next_try_ms");
        g_autoptr(GString) detail = g_string_new(NULL);
        char **row = ctlTableAddRow(rows);

        if (reason)
            g_string_append(detail, ctlStateLabel(reason));
        if (err) {
            if (detail->len > 0)
                g_string_append(detail, ": ");
            g_string_append(detail, err);
        }
        if (nextMs > 0) {
            g_autofree char *in = ctlFormatDuration(nextMs);

            if (detail->len > 0)
                g_string_append(detail, " ");
            g_string_append_printf(detail, _("(next try in %1$s)"), in);
        }
        row[0] = ctlFormatString(d, "domain", "-");
        row[1] = ctlFormatString(d, "from", "-");
        row[2] = ctlFormatString(d, "to", "-");
        row[3] = g_strdup(ctlStateLabel(ctlObjString(d, "status")));
        row[4] = g_strdup_printf("%d",
                                 json_object_get_int(ctlObjGet(d, "priority")));
        row[5] = ctlFormatUint(d, "attempts");
        row[6] = ctlFormatString(d, "time", "-");
        row[7] = g_string_free(g_steal_pointer(&detail), FALSE);
    }
    ctlTablePrint(rows, "llllrrll");
    return true;
}

/* 'shoalctl host check [HOST]': what HA needs of each host. */
static bool
ctlCommandHostCheck(shoalCtl *ctl,
                    const shoalCtlCommand *cmd,
                    char ***args,
                    GError **error)
{
    g_autoptr(json_object) request = ctlRequestNew("host-check");
    g_autoptr(json_object) result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    size_t n;
    size_t i;

    if (!ctlCommandParseArgs(ctl, cmd, NULL, args, error))
        return false;
    if (g_strv_length(*args) > 2) {
        ctlSetUsageError(error, "host check [NAME]");
        return false;
    }
    if ((*args)[1])
        json_object_object_add(request, "name",
                               json_object_new_string((*args)[1]));
    if (!ctlCallPrintJson(ctl, request, &result, error))
        return false;
    if (ctl->json)
        return true;
    n = json_object_array_length(result);
    if (n == 0) {
        ctlSay("%s", _("no member hosts"));
        return true;
    }
    rows = ctlTableNew(ctlHostCheckColumns, G_N_ELEMENTS(ctlHostCheckColumns));
    for (i = 0; i < n; i++) {
        json_object *h = json_object_array_get_idx(result, i);
        const char *leases = ctlObjString(h, "leases");
        char **row = ctlTableAddRow(rows);

        row[0] = ctlFormatString(h, "name", "-");
        row[1] = g_strdup(ctlStateLabel(ctlObjString(h, "state")));
        row[2] = g_strdup(json_object_get_boolean(ctlObjGet(h, "maintenance"))
                              ? _("yes")
                              : _("no"));
        /* TRANSLATORS: %1$s is a lock manager: lockd or sanlock */
        row[3] = leases ? g_strdup_printf(_("%1$s (declared)"), leases)
                        : g_strdup(_("unknown"));
        if (json_object_get_boolean(ctlObjGet(h, "failed"))) {
            g_autofree char *down = ctlFormatDuration(ctlObjUint(h, "down_ms"));

            row[4] = g_strdup_printf(_("yes, for %1$s"), down);
        } else {
            row[4] = g_strdup(_("no"));
        }
    }
    ctlTablePrint(rows, "lllll");
    ctlSay("%s",
           _("Leases are as the configuration declares ([ha] leases): libvirt's remote API does not show a host's lock manager."));
    return true;
}

static bool
ctlCommandStatus(shoalCtl *ctl,
                 const shoalCtlCommand *cmd,
                 char ***args,
                 GError **error)
{
    static const shoalCtlWord labels[] = {
        { "hosts", N_("Hosts:") },
        { "hosts_online", N_("Hosts online:") },
        { "hosts_maintenance", N_("Hosts in maintenance:") },
        { "domains", N_("Domains:") },
        { "running", N_("Domains running:") },
        { "migrations_running", N_("Migrations running:") },
    };
    g_autoptr(json_object) result = NULL;
    size_t width = 0;
    size_t i;

    if (!ctlCommandCall(ctl, cmd, args, "status", &result, error))
        return false;
    if (ctl->json)
        return true;
    for (i = 0; i < G_N_ELEMENTS(labels); i++)
        width = MAX(width, (size_t) g_utf8_strlen(_(labels[i].label), -1));
    for (i = 0; i < G_N_ELEMENTS(labels); i++) {
        const char *label = _(labels[i].label);

        if (!ctlObjGet(result, labels[i].word))
            continue;
        g_print("%s%*s %lu\n", label, (int) (width - g_utf8_strlen(label, -1)),
                "", (unsigned long) ctlObjUint(result, labels[i].word));
    }
    return true;
}

/* A plan from the daemon: JSON as it came, or sched's text form. */
static bool
ctlPrintPlan(shoalCtl *ctl, json_object *planObj, GError **error)
{
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autofree char *text = NULL;

    if (ctl->json) {
        ctlPrintJson(planObj);
        return true;
    }
    plan = shoalSchedPlanParseJSON(json_object_to_json_string(planObj), error);
    if (!plan)
        return false;
    text = shoalSchedPlanFormatText(plan);
    g_print("%s", text);
    return true;
}

static bool
ctlCommandPlan(shoalCtl *ctl,
               const shoalCtlCommand *cmd,
               char ***args,
               GError **error)
{
    g_autofree char *snapshot = NULL;
    g_autofree char *util = NULL;
    const GOptionEntry entries[] = {
        { "snapshot", 0, 0, G_OPTION_ARG_FILENAME, &snapshot,
          N_("Plan offline for a cluster snapshot: Shoal's JSON, vmcluster-snapshot/1 JSON or a Ganeti htools text file"),
          N_("FILE") },
        { "util", 0, 0, G_OPTION_ARG_FILENAME, &util,
          N_("With an htools file: its utilisation file (hbal -U)"),
          N_("FILE") },
        { NULL },
    };
    g_autoptr(json_object) request = ctlRequestNew("plan");
    g_autoptr(json_object) result = NULL;
    g_autofree char *out = NULL;

    if (!ctlCommandParseArgs(ctl, cmd, entries, args, error))
        return false;
    if (snapshot) {
        /* the daemon's planner, without the daemon */
        if (!(out = shoalSchedCliPlan(snapshot, util, ctl->json, error)))
            return false;
        g_print("%s", out);
        return true;
    }
    if (util) {
        g_set_error(error, CTL_ERROR, 0, _("--util goes with --snapshot"));
        return false;
    }
    return ctlCall(ctl, request, &result, error) &&
           ctlPrintPlan(ctl, result, error);
}

static bool
ctlCommandRebalance(shoalCtl *ctl,
                    const shoalCtlCommand *cmd,
                    char ***args,
                    GError **error)
{
    g_autoptr(json_object) result = NULL;
    guint64 failed;

    if (!ctlCommandCall(ctl, cmd, args, "rebalance", &result, error))
        return false;
    if (ctl->json)
        return true;
    if (!ctlPrintPlan(ctl, ctlObjGet(result, "plan"), error))
        return false;
    failed = ctlObjUint(result, "failed");
    if (failed > 0) {
        g_set_error(error, CTL_ERROR, 0,
                    g_dngettext(GETTEXT_PACKAGE, "%1$lu step failed",
                                "%1$lu steps failed", failed),
                    (unsigned long) failed);
        return false;
    }
    return true;
}

static bool
ctlCommandSimulate(shoalCtl *ctl,
                   const shoalCtlCommand *cmd,
                   char ***args,
                   GError **error)
{
    g_autofree char *out = NULL;

    if (!ctlCommandParseArgs(ctl, cmd, NULL, args, error))
        return false;
    /* one FILE at least, which the command table cannot say */
    if (g_strv_length(*args) < 2) {
        ctlSetUsageError(error, "simulate FILE...");
        return false;
    }
    if (!(out = shoalSchedCliSimulate((const char *const *) (*args + 1),
                                      ctl->json, error)))
        return false;
    g_print("%s", out);
    return true;
}

/* TRANSLATORS: column headers of 'shoalctl group list' */
static const char *const ctlGroupColumns[] = {
    N_("NAME"), N_("TEMPLATE"), N_("MEMBERS"), N_("MIN"),
    N_("MAX"),  N_("TARGET"),   N_("GRACE"),
};

/* Elastic VM groups (groups12): every group, or the one named. */
static bool
ctlCommandGroupList(shoalCtl *ctl,
                    const shoalCtlCommand *cmd,
                    char ***args,
                    GError **error)
{
    g_autoptr(json_object) result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    size_t n;
    size_t i;

    if (!ctlCallList(ctl, cmd, args, "group-list", _("no elastic groups"),
                     &result, &n, error))
        return false;
    if (n == 0)
        return true;
    rows = ctlTableNew(ctlGroupColumns, G_N_ELEMENTS(ctlGroupColumns));
    for (i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(result, i);
        char **row = ctlTableAddRow(rows);

        row[0] = ctlFormatString(o, "name", "-");
        row[1] = ctlFormatString(o, "template", "-");
        row[2] =
            g_strdup_printf("%zu",
                            json_object_array_length(ctlObjGet(o, "members")));
        row[3] = ctlFormatUint(o, "min");
        row[4] = ctlFormatUint(o, "max");
        row[5] =
            g_strdup_printf("%llu%%",
                            (unsigned long long) ctlObjUint(o, "target_cpu"));
        row[6] = g_strdup_printf("%llus",
                                 (unsigned long long) ctlObjUint(o, "grace_s"));
    }
    ctlTablePrint(rows, "llrrrrr");
    return true;
}

static bool
ctlCommandGroupShow(shoalCtl *ctl,
                    const shoalCtlCommand *cmd,
                    char ***args,
                    GError **error)
{
    g_autoptr(json_object) request = ctlRequestNew("group-list");
    g_autoptr(json_object) result = NULL;
    json_object *group = NULL;
    const char *name;
    size_t i;

    if (!ctlCommandParseArgs(ctl, cmd, NULL, args, error) ||
        !ctlCall(ctl, request, &result, error))
        return false;
    name = (*args)[1];
    for (i = 0; !group && json_object_is_type(result, json_type_array) &&
                i < json_object_array_length(result);
         i++) {
        json_object *o = json_object_array_get_idx(result, i);

        if (g_strcmp0(ctlObjString(o, "name"), name) == 0)
            group = o;
    }
    if (!group) {
        g_set_error(error, CTL_ERROR, 0, _("no elastic group '%1$s'"), name);
        return false;
    }
    if (ctl->json) {
        ctlPrintJson(group);
        return true;
    }
    g_print(_("Group: %1$s\nTemplate: %2$s\nMembers: %3$llu to %4$llu, "
              "target CPU %5$llu%%, scale-in grace %6$llu s, %7$s\n"),
            name, ctlOr(ctlObjString(group, "template"), "-"),
            (unsigned long long) ctlObjUint(group, "min"),
            (unsigned long long) ctlObjUint(group, "max"),
            (unsigned long long) ctlObjUint(group, "target_cpu"),
            (unsigned long long) ctlObjUint(group, "grace_s"),
            json_object_get_boolean(ctlObjGet(group, "spread"))
                ? _("spread over hosts")
                : _("not spread"));
    for (i = 0; i < json_object_array_length(ctlObjGet(group, "members")); i++)
        g_print("  %s\n",
                json_object_get_string(
                    json_object_array_get_idx(ctlObjGet(group, "members"), i)));
    return true;
}

/* An elastic group's policy over a load trace, offline (groups12). */
static bool
ctlCommandSimulateGroup(shoalCtl *ctl,
                        const shoalCtlCommand *cmd,
                        char ***args,
                        GError **error)
{
    g_autofree char *out = NULL;

    if (!ctlCommandParseArgs(ctl, cmd, NULL, args, error) ||
        !(out = shoalSchedCliSimulateGroup((*args)[1], ctl->json, error)))
        return false;
    g_print("%s", out);
    return true;
}

static bool
ctlCommandSnapshot(shoalCtl *ctl,
                   const shoalCtlCommand *cmd,
                   char ***args,
                   GError **error)
{
    g_autoptr(json_object) result = NULL;

    if (!ctlCommandCall(ctl, cmd, args, "snapshot", &result, error))
        return false;
    /* JSON is its only form */
    if (!ctl->json)
        ctlPrintJson(result);
    return true;
}

/* To add a command, add its row and its function. */
static const shoalCtlCommand ctlCommands[] = {
    { "host list", NULL, 0,
      N_("List member hosts: state, capacity, load, domains, maintenance"),
      N_("MEMORY and CPUS are a host's capacity, COMMITTED and VCPUS what its domains may use."),
      ctlCommandHostList },
    /* TRANSLATORS: placeholders; keep them in capitals */
    { "host add", N_("NAME URI"), 2,
      N_("Add a member host; it is kept across restarts"),
      N_("URI is the libvirt URI virtshoald connects to, such as qemu+tcp://kvm3/system."),
      ctlCommandHostAdd },
    { "host remove", N_("NAME"), 1,
      N_("Remove a member host; refused while it holds domains"),
      N_("Put the host in maintenance first to move its domains away."),
      ctlCommandHostRemove },
    /* TRANSLATORS: keep 'on|off' as it is: those are the words to type */
    { "host maintenance", N_("NAME on|off"), 2,
      N_("Switch maintenance: on moves every domain away, off makes the host usable again"),
      N_("on: no new domain is placed on the host, its running domains move away by live migration to hosts placement chooses, and its shut-off ones are defined elsewhere. This waits until they all moved, which can take minutes.\n\noff: the host takes domains again; with --return, the domains that left for maintenance come back."),
      ctlCommandHostMaintenance },
    /* TRANSLATORS: placeholders; keep them in capitals */
    { "host restore", N_("NAME [DOMAIN...]"), -1,
      N_("Define again on a host the stored domains it lacks"),
      N_("A host that lost its definitions (reinstalled, or a domain removed while virtshoald did not see it) shows them as missing in 'shoalctl conflicts'. This defines them again from virtshoald's store: the named domains, or all the host lacks. A domain another member host has is not defined twice."),
      ctlCommandHostRestore },
    /* TRANSLATORS: placeholder; keep it in capitals */
    { "host check", N_("[NAME]"), -1,
      N_("Show what HA restart needs of each host: disk leases, failure"),
      N_("LEASES is the lock manager the hosts run as virtshoald's configuration declares it ([ha] leases): libvirt's remote API shows no host's lock manager, so Shoal cannot verify it and says 'unknown' when nothing is declared. FAILED: the host has not answered for [ha] failure_timeout and is not in maintenance."),
      ctlCommandHostCheck },
    { "ha", NULL, 0,
      N_("Show HA restart: on or off, failed hosts, what was restarted where and what not, and why"),
      N_("A domain of a failed host marked <ha restart='yes'/> in its placement metadata starts on another host; the disk lease decides, and a refused start is tried again with back-off, a bounded number of times."),
      ctlCommandHa },
    { "conflicts", NULL, 0,
      N_("List what waits for an operator: duplicate and missing definitions"),
      N_("duplicate: the same UUID is defined on several hosts; calls on the domain fail until an operator removes a copy on a host. missing: a host lacks a domain virtshoald stores for it; 'shoalctl host restore' defines it again, 'virsh undefine' through shoal:///system forgets it."),
      ctlCommandConflicts },
    { "objects", NULL, 0,
      N_("List storage pools and networks with the hosts that have them"),
      N_("cluster: virtshoald keeps it on every host (defined through shoal:///system); LACKING names the online hosts that do not have it yet. host: a host's own pool or network, listed with its host and never merged with another host's of the same name."),
      ctlCommandObjects },
    { "migrations", NULL, 0,
      N_("List migrations in flight, with progress, and recent ones, with their outcome"),
      NULL, ctlCommandMigrations },
    { "status", NULL, 0, N_("Summarize the cluster"), NULL, ctlCommandStatus },
    { "plan", NULL, 0,
      N_("Show the scheduler's plan, with the reason and scores of each step"),
      N_("Without --snapshot, the plan of the daemon's last round (in advise mode nothing of it runs). With --snapshot, the same planner runs here, on a file, with no daemon."),
      ctlCommandPlan },
    { "rebalance", NULL, 0, N_("Run one scheduler round now, as its mode says"),
      NULL, ctlCommandRebalance },
    /* TRANSLATORS: placeholder; keep it in capitals */
    { "simulate", N_("FILE..."), -1,
      N_("Feed snapshots through the planner with simulated migrations"),
      N_("Reports moves, migrations per hour and imbalance over time."),
      ctlCommandSimulate },
    { "snapshot", NULL, 0,
      N_("Print the live cluster snapshot the scheduler plans on, as JSON"),
      NULL, ctlCommandSnapshot },
    /* elastic VM groups (groups12) */
    { "group list", NULL, 0,
      N_("List elastic VM groups: template, members, bounds, target"),
      N_("A group is declared in its template domain's placement metadata, <group name= min= max= target-cpu= scale-in-grace=/>. Its members are clones of the template named TEMPLATE-N."),
      ctlCommandGroupList },
    /* TRANSLATORS: placeholder; keep it in capitals */
    { "group show", N_("NAME"), 1,
      N_("Show one elastic VM group and its members, oldest first"), NULL,
      ctlCommandGroupShow },
    /* TRANSLATORS: placeholder; keep it in capitals */
    { "simulate-group", N_("FILE"), 1,
      N_("Run an elastic group's policy over a load trace"),
      N_("FILE is JSON: min, max, target_cpu (percent), vcpus (per member), interval_s, hold (intervals), cooldown_s, grace_s and demand (vCPUs busy per interval). Reports the VM-hours against the oracle: in each interval, the fewest members that carry the demand at target."),
      ctlCommandSimulateGroup },
};

/* "  host list   Summary" lines for the commands of @group, or all. */
static char *
ctlDescribeCommands(const char *group)
{
    g_autoptr(GString) text = g_string_new(_("Commands:"));
    g_autofree char *prefix = g_strconcat(group ? group : "", " ", NULL);
    size_t skip = group ? strlen(prefix) : 0;
    size_t width = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ctlCommands); i++) {
        if (!group || g_str_has_prefix(ctlCommands[i].path, prefix))
            width = MAX(width, strlen(ctlCommands[i].path) - skip);
    }
    for (i = 0; i < G_N_ELEMENTS(ctlCommands); i++) {
        if (group && !g_str_has_prefix(ctlCommands[i].path, prefix))
            continue;
        g_string_append_printf(text, "\n  %-*s  %s", (int) width,
                               ctlCommands[i].path + skip,
                               _(ctlCommands[i].summary));
    }
    return g_string_free(g_steal_pointer(&text), FALSE);
}

/* The row whose words begin @words, and how many words it has. */
static const shoalCtlCommand *
ctlCommandLookup(char **words, size_t *nwords)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ctlCommands); i++) {
        g_auto(GStrv) path = g_strsplit(ctlCommands[i].path, " ", -1);
        size_t j;

        for (j = 0; path[j] && words[j] && g_str_equal(path[j], words[j]); j++)
            ;
        if (!path[j]) {
            *nwords = j;
            return &ctlCommands[i];
        }
    }
    return NULL;
}

static bool
ctlIsGroup(const char *word)
{
    g_autofree char *prefix = g_strconcat(word, " ", NULL);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ctlCommands); i++) {
        if (g_str_has_prefix(ctlCommands[i].path, prefix))
            return true;
    }
    return false;
}

/* "shoalctl host [--help]": the group's commands. */
static bool
ctlRunGroup(shoalCtl *ctl, const char *group, char ***args, GError **error)
{
    g_autofree char *description = ctlDescribeCommands(group);
    g_autofree char *usage = g_strdup_printf("%s %s", group, _("COMMAND"));

    /* --help prints the group's commands and exits */
    if (!ctlParseArgs(ctl, usage, NULL, -1, NULL, description, NULL, args,
                      error))
        return false;
    if (g_strv_length(*args) < 2) {
        g_set_error(error, CTL_ERROR, 0,
                    _("'%1$s' needs a command; see 'shoalctl %1$s --help'"),
                    group);
        return false;
    }
    g_set_error(error, CTL_ERROR, 0,
                _("unknown command '%1$s %2$s'; see 'shoalctl %1$s --help'"),
                group, (*args)[1]);
    return false;
}

static bool
ctlRun(shoalCtl *ctl, char ***args, GError **error)
{
    shoalCtlGlobals globals = { 0 };
    gboolean version = FALSE;
    const GOptionEntry entries[] = {
        { "version", 'V', 0, G_OPTION_ARG_NONE, &version,
          N_("Print the version and exit"), NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) octx = NULL;
    g_autofree char *description = ctlDescribeCommands(NULL);
    g_autofree char *footer = NULL;
    g_autoptr(GPtrArray) rest = NULL;
    g_auto(GStrv) subArgs = NULL;
    const shoalCtlCommand *cmd;
    size_t nwords = 0;
    size_t i;

    footer =
        g_strdup_printf("%s\n\n%s", description,
                        _("Run 'shoalctl COMMAND --help' for the options of a command."));
    octx =
        ctlOptionContextNew(N_("COMMAND [ARGUMENT…]"),
                            N_("Administer virtshoald: member hosts, maintenance, migrations."),
                            footer);
    ctlOptionsAddGlobals(octx, &globals);
    g_option_context_add_main_entries(octx, entries, GETTEXT_PACKAGE);
    /* the command's own parser takes what follows its name */
    g_option_context_set_strict_posix(octx, TRUE);
    if (!ctlOptionsParse(ctl, octx, &globals, args, error))
        return false;
    if (version) {
        g_print("shoalctl (Shoal) %s\n", PACKAGE_VERSION);
        return true;
    }
    if (g_strv_length(*args) < 2) {
        g_set_error(error, CTL_ERROR, 0,
                    _("a command is needed; see 'shoalctl --help'"));
        return false;
    }
    cmd = ctlCommandLookup(*args + 1, &nwords);
    rest = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(rest, g_strdup((*args)[0]));
    for (i = 1 + (cmd ? nwords : 1); (*args)[i]; i++)
        g_ptr_array_add(rest, g_strdup((*args)[i]));
    g_ptr_array_add(rest, NULL);
    subArgs = (GStrv) g_ptr_array_free(g_steal_pointer(&rest), FALSE);
    if (cmd)
        return cmd->func(ctl, cmd, &subArgs, error);
    if (ctlIsGroup((*args)[1]))
        return ctlRunGroup(ctl, (*args)[1], &subArgs, error);
    g_set_error(error, CTL_ERROR, 0,
                _("unknown command '%1$s'; see 'shoalctl --help'"), (*args)[1]);
    return false;
}

int
main(int argc, char **argv)
{
    shoalCtl ctl = { 0 };
    g_auto(GStrv) args = g_strdupv(argv);
    g_autoptr(GError) error = NULL;
    const char *localeDir;
    bool ok;

    setlocale(LC_ALL, "");
    /* SHOAL_LOCALEDIR: the catalogues of a build tree, for its tests */
    localeDir = g_getenv("SHOAL_LOCALEDIR");
    if (!localeDir || !*localeDir)
        localeDir = LOCALEDIR;
    bindtextdomain(GETTEXT_PACKAGE, localeDir);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    g_set_prgname("shoalctl");

    ok = ctlRun(&ctl, &args, &error);
    ctlClear(&ctl);
    if (!ok) {
        ctlPrintError(error->message);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
