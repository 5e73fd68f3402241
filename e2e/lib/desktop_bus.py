#!/usr/bin/python3
"""The desktop around the app, for the end-to-end tests, on the test's own D-Bus session.

Run with Debian's python (/usr/bin/python3: python3-dbusmock and python3-dbus).

  notify-calls                 JSON list of the Notify calls the notification server
                               stand-in (python3-dbusmock's notification_daemon) received,
                               with the id it answered and when: [{id, at_ms, app, summary, body, actions}]
  click ID ACTION              the server reports a click: ActionInvoked(ID, ACTION)
                               ("default" is a click on the notification's body)
  tray-watcher                 runs a StatusNotifierWatcher stand-in (the tray host a
                               desktop panel provides) until killed
  tray                         JSON of the tray items registered with it:
                               [{service, path, label, title, status}]
  close-window TITLE           asks the X window titled TITLE to close (WM_DELETE_WINDOW,
                               what a window manager's close button sends)
  window-mapped TITLE          prints true/false: is the X window titled TITLE mapped
"""
import ctypes
import ctypes.util
import json
import sys

NOTIFY = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
MOCK = "org.freedesktop.DBus.Mock"
WATCHER = ("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher")


def bus():
    import dbus
    return dbus.SessionBus()


def notify_calls():
    obj = bus().get_object(*NOTIFY)
    out = []
    # The template answers 1, 2, 3, ... in call order (replaces_id is always 0 here).
    for i, (ts, args) in enumerate(obj.GetMethodCalls("Notify", dbus_interface=MOCK)):
        out.append({
            "id": i + 1,
            "at_ms": int(ts * 1000),
            "app": str(args[0]),
            "summary": str(args[3]),
            "body": str(args[4]),
            "actions": [str(a) for a in args[5]],
        })
    print(json.dumps(out, ensure_ascii=False))


def click(nid, action):
    obj = bus().get_object(*NOTIFY)
    obj.EmitSignal(NOTIFY[0], "ActionInvoked", "us", [int(nid), action], dbus_interface=MOCK)


def tray_watcher():
    import dbus
    import dbus.mainloop.glib
    import dbus.service
    from gi.repository import GLib

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    session = dbus.SessionBus()
    items = []

    class Watcher(dbus.service.Object):
        @dbus.service.method("org.kde.StatusNotifierWatcher", in_signature="s", out_signature="",
                             sender_keyword="sender")
        def RegisterStatusNotifierItem(self, service, sender=None):
            path = service if service.startswith("/") else "/StatusNotifierItem"
            name = sender if service.startswith("/") else service
            items.append(f"{name}{path}")
            self.StatusNotifierItemRegistered(f"{name}{path}")

        @dbus.service.method("org.kde.StatusNotifierWatcher", in_signature="s", out_signature="")
        def RegisterStatusNotifierHost(self, service):
            pass

        @dbus.service.signal("org.kde.StatusNotifierWatcher", signature="s")
        def StatusNotifierItemRegistered(self, item):
            pass

        @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss", out_signature="v")
        def Get(self, iface, prop):
            return self.GetAll(iface)[prop]

        @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s", out_signature="a{sv}")
        def GetAll(self, iface):
            return {
                "RegisteredStatusNotifierItems": dbus.Array(items, signature="s"),
                "IsStatusNotifierHostRegistered": True,
                "ProtocolVersion": dbus.Int32(0),
            }

    name = dbus.service.BusName(WATCHER[0], session)
    Watcher(session, WATCHER[1])
    print("ready", flush=True)
    GLib.MainLoop().run()
    del name


def tray():
    import dbus
    session = bus()
    watcher = session.get_object(*WATCHER)
    items = watcher.Get("org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems",
                        dbus_interface=dbus.PROPERTIES_IFACE)
    out = []
    for item in items:
        slash = item.index("/")
        service, path = item[:slash], item[slash:]
        try:
            props = session.get_object(service, path).GetAll(
                "org.kde.StatusNotifierItem", dbus_interface=dbus.PROPERTIES_IFACE)
        except dbus.DBusException as e:
            out.append({"service": service, "path": path, "error": str(e)})
            continue
        out.append({
            "service": service,
            "path": path,
            "label": str(props.get("XAyatanaLabel", "")),
            "title": str(props.get("Title", "")),
            "status": str(props.get("Status", "")),
        })
    print(json.dumps(out, ensure_ascii=False))


# --- X11, through libX11 (no python-xlib on the machine) ---------------------------

class XClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int), ("data", ctypes.c_long * 5),
    ]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", XClientMessageEvent), ("pad", ctypes.c_long * 24)]


class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
        ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong), ("class", ctypes.c_int), ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


def x11():
    x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                             ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                             ctypes.POINTER(ctypes.c_uint)]
    x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
    x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(XWindowAttributes)]
    x.XFlush.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    d = x.XOpenDisplay(None)
    if not d:
        sys.exit("no X display")
    return x, d


def find_window(x, d, title):
    def walk(w):
        name = ctypes.c_char_p()
        if x.XFetchName(d, w, ctypes.byref(name)) and name.value and name.value.decode("utf-8", "replace") == title:
            return w
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not x.XQueryTree(d, w, ctypes.byref(root), ctypes.byref(parent), ctypes.byref(children), ctypes.byref(n)):
            return None
        for i in range(n.value):
            found = walk(children[i])
            if found:
                return found
        return None
    return walk(x.XDefaultRootWindow(d))


def close_window(title):
    x, d = x11()
    w = find_window(x, d, title)
    if not w:
        sys.exit(f"no window titled {title!r}")
    ev = XEvent()
    ev.xclient.type = 33  # ClientMessage
    ev.xclient.window = w
    ev.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
    ev.xclient.format = 32
    ev.xclient.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    ev.xclient.data[1] = 0  # CurrentTime
    x.XSendEvent(d, w, 0, 0, ctypes.byref(ev))
    x.XFlush(d)
    x.XCloseDisplay(d)


def window_mapped(title):
    x, d = x11()
    w = find_window(x, d, title)
    attrs = XWindowAttributes()
    mapped = bool(w) and x.XGetWindowAttributes(d, w, ctypes.byref(attrs)) and attrs.map_state == 2
    x.XCloseDisplay(d)
    print("true" if mapped else "false")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "notify-calls": notify_calls,
        "click": click,
        "tray-watcher": tray_watcher,
        "tray": tray,
        "close-window": close_window,
        "window-mapped": window_mapped,
    }[cmd](*args)
