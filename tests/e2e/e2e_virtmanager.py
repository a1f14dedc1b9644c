# SPDX-License-Identifier: LGPL-2.1-or-later
"""Looks at and drives virt-manager on an X display, for e2e_virtmanager.sh.

    shot PNG          save the whole screen as PNG; print "graph=N", N the
                      pixels in the fill colour of virt-manager's CPU graphs
    vms               print "NAME STATE" for each row of the manager's list
    windows           print the title of each virt-manager window
    click VM CONTROL  select VM in the manager, then activate the push button
                      or menu item CONTROL ("Run", "Force Off", ...)

Screenshots use Gdk (DISPLAY); the rest reads virt-manager's widgets through
AT-SPI (DBUS_SESSION_BUS_ADDRESS of virt-manager's session bus). Exit status
1 with a message when something is not found.
"""
import sys

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


def main(argv):
    cmds = {"shot": shot, "vms": vms, "windows": windows, "click": click}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
