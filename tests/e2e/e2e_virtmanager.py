# SPDX-License-Identifier: LGPL-2.1-or-later
"""Looks at and drives virt-manager on an X display, for e2e_virtmanager.sh.

    shot PNG          save the whole screen as PNG; print "graph=N", N the
                      pixels in the fill colour of virt-manager's CPU graphs
    vms               print "NAME STATE" for each row of the manager's list
    windows           print the title of each virt-manager window
    click VM CONTROL  select VM in the manager, then activate the push button
                      or menu item CONTROL ("Run", "Force Off", ...)
    press WIN NAME    activate the widget NAME (a button, radio or check
                      button, menu item) of the window whose title starts
                      with WIN
    select WIN TABLE ROW
                      select the row of table TABLE ("-": any) whose text
                      starts with ROW
    activatecell WIN TEXT
                      activate (as a double click) the table cell TEXT...
    settext WIN LABEL TEXT
                      type TEXT into the text field or spin button LABEL
    alert TEXT BUTTON press BUTTON of the dialog that says TEXT
    labels WIN        print the text of each label WIN shows
    dump WIN          print WIN's widgets (role, name), for writing tests

Screenshots use Gdk (DISPLAY); the rest reads virt-manager's widgets through
AT-SPI (DBUS_SESSION_BUS_ADDRESS of virt-manager's session bus). Exit status
1 with a message when something is not found.
"""
import sys
import warnings

import gi

# virtManager/lib/graphwidgets.py fills below a sparkline with light blue
# (0.7148, 0.8477, 0.8945) at alpha 0.5 over the white cell background:
# exactly this colour on screen.
GRAPH_FILL = (218, 235, 241)


def shot(path):
    gi.require_version("Gdk", "3.0")
    from gi.repository import Gdk

    if not Gdk.init_check([])[0]:
        sys.exit("cannot open display")
    root = Gdk.get_default_root_window()
    width, height = root.get_width(), root.get_height()
    pixbuf = Gdk.pixbuf_get_from_window(root, 0, 0, width, height)
    pixbuf.savev(path, "png", [], [])
    data = pixbuf.get_pixels()
    stride, nch = pixbuf.get_rowstride(), pixbuf.get_n_channels()
    colour = bytes(GRAPH_FILL)
    fill = 0
    for y in range(height):
        row = data[y * stride:y * stride + width * nch]
        if nch == 3:
            fill += row.count(colour)
        else:
            fill += sum(1 for x in range(0, len(row), nch)
                        if row[x:x + 3] == colour)
    print("graph=%d" % fill)


def atspi():
    gi.require_version("Atspi", "2.0")
    from gi.repository import Atspi

    Atspi.set_timeout(5000, 10000)
    return Atspi


def walk(acc):
    yield acc
    for i in range(acc.get_child_count()):
        child = acc.get_child_at_index(i)
        if child is not None:
            yield from walk(child)


def app():
    desktop = atspi().get_desktop(0)
    for i in range(desktop.get_child_count()):
        acc = desktop.get_child_at_index(i)
        if acc is not None and acc.get_name() == "virt-manager":
            return acc
    sys.exit("virt-manager is not on the accessibility bus")


def manager():
    frames = app()
    for i in range(frames.get_child_count()):
        frame = frames.get_child_at_index(i)
        if frame.get_name() == "Virtual Machine Manager":
            return frame
    sys.exit("no manager window")


def vm_rows(frame):
    """(row, name, state) of each VM in the manager's list"""
    for acc in walk(frame):
        if acc.get_role_name() == "tree table" and acc.get_name() == "vm-list":
            table = acc
            break
    else:
        sys.exit("no VM list in the manager window")
    rows = []
    for row in range(table.get_n_rows()):
        for acc in walk(table.get_accessible_at(row, 0)):
            text = acc.get_name() or ""
            if "\n" in text:  # "name\nState"; the connection row has no state
                name, state = text.split("\n", 1)
                rows.append((row, name, state))
                break
    return table, rows


def vms():
    for _, name, state in vm_rows(manager())[1]:
        print(name, state)


def windows():
    frames = app()
    for i in range(frames.get_child_count()):
        print(frames.get_child_at_index(i).get_name())


def click(vm, control):
    frame = manager()
    table, rows = vm_rows(frame)
    row = [r for r, name, _ in rows if name == vm]
    if not row:
        sys.exit("no VM %s in the list" % vm)
    table.clear_selection()
    table.add_row_selection(row[0])
    for acc in walk(frame):
        if (acc.get_role_name() in ("push button", "menu item")
                and acc.get_name() == control):
            if not acc.get_state_set().contains(atspi().StateType.SENSITIVE):
                sys.exit("%s is greyed out for %s" % (control, vm))
            acc.do_action(0)
            return
    sys.exit("no control %s" % control)


def window(title):
    frames = app()
    for i in range(frames.get_child_count()):
        frame = frames.get_child_at_index(i)
        if frame is not None and (frame.get_name() or "").startswith(title):
            return frame
    sys.exit("no window %r" % title)


def showing(acc):
    return acc.get_state_set().contains(atspi().StateType.SHOWING)


def find(root, name, roles=None):
    for acc in walk(root):
        if acc.get_name() == name and \
                (roles is None or acc.get_role_name() in roles) and \
                showing(acc):
            return acc
    sys.exit("no %s %r showing in %r" % ("/".join(roles or ["widget"]),
                                          name, root.get_name()))


def activate(acc):
    if not acc.get_state_set().contains(atspi().StateType.SENSITIVE):
        sys.exit("%s is greyed out" % acc.get_name())
    acc.do_action(0)


def press(win, name):
    activate(find(window(win), name, ("push button", "toggle button",
                                       "radio button", "check box",
                                       "menu item", "radio menu item")))


def select(win, table, row):
    frame = window(win)
    for acc in walk(frame):
        if acc.get_role_name() in ("table", "tree table") and \
                (table == "-" or acc.get_name() == table) and showing(acc):
            for r in range(acc.get_n_rows()):
                for c in range(acc.get_n_columns()):
                    # a column of several renderers: a cell of cells
                    cell = acc.get_accessible_at(r, c)
                    if cell is not None and \
                            any((x.get_name() or "").startswith(row)
                                for x in walk(cell)):
                        acc.clear_selection()
                        acc.add_row_selection(r)
                        return
    sys.exit("no row %r in table %r" % (row, table))


def labelled(acc, label):
    for rel in acc.get_relation_set():
        if rel.get_relation_type() == atspi().RelationType.LABELLED_BY:
            for i in range(rel.get_n_targets()):
                if rel.get_target(i).get_name() == label:
                    return True
    return False


def activatecell(win, text):
    """the row-activated of a tree view: a double click on the cell"""
    for acc in walk(window(win)):
        if acc.get_role_name() == "table cell" and \
                (acc.get_name() or "").startswith(text):
            with warnings.catch_warnings():
                # get_action_name: deprecated, and what Debian 12 has
                warnings.simplefilter("ignore", DeprecationWarning)
                names = [acc.get_action_name(i)
                         for i in range(acc.get_n_actions())]
            for i, action in enumerate(names):
                if action == "activate":
                    acc.do_action(i)
                    return
    sys.exit("no table cell %r to activate" % text)


def settext(win, label, text):
    """the field named LABEL, or labelled by it"""
    for acc in walk(window(win)):
        if acc.get_role_name() in ("text", "spin button") and \
                showing(acc) and (acc.get_name() == label or
                                  labelled(acc, label)):
            if acc.get_role_name() == "spin button":
                # its value: text typed in waits for a focus change
                acc.set_current_value(float(text))
            else:
                acc.set_text_contents(text)
            return
    sys.exit("no text field %r" % label)


def alert(text, button):
    frames = app()
    for i in range(frames.get_child_count()):
        dlg = frames.get_child_at_index(i)
        if dlg is None or dlg.get_role_name() not in ("alert", "dialog"):
            continue
        if any(text in (acc.get_name() or "") for acc in walk(dlg)
               if acc.get_role_name() == "label"):
            activate(find(dlg, button, ("push button",)))
            return
    sys.exit("no dialog saying %r" % text)


def labels(win):
    for acc in walk(window(win)):
        if acc.get_role_name() == "label" and showing(acc):
            print(acc.get_name())


def dump(win):
    for acc in walk(window(win)):
        print("%s %r%s" % (acc.get_role_name(), acc.get_name(),
                           "" if showing(acc) else " (hidden)"))


def main(argv):
    cmds = {"shot": shot, "vms": vms, "windows": windows, "click": click,
            "press": press, "select": select, "settext": settext,
            "activatecell": activatecell, "alert": alert, "labels": labels,
            "dump": dump}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
