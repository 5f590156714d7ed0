"""An outage-map viewer in another language: the protocol 2 contract as an outside client sees it.

Usage: python3 watch_client.py URL SERVICE
Watches SERVICE live, applies `frame` deltas in `seq` order on top of the snapshot (a gap or an
event that is not an object is an error), and answers on stdout:
  {"ready": seq}                       once the watch is acknowledged
  {"state": {...}, "seq": n, "frames": k, "types": [...]}   for each "dump" line read on stdin
Uses Debian's python3-socketio (a Socket.IO 4 client); nothing of the project's own code.
"""
import json
import sys
import threading

import socketio

url, service = sys.argv[1], sys.argv[2]
lock = threading.Lock()
held = {"countries": {}, "seq": None, "frames": 0, "types": set(), "errors": []}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


client = socketio.Client(reconnection=False)


@client.on("frame")
def on_frame(frame):
    with lock:
        held["types"].add(type(frame).__name__)
        if not isinstance(frame, dict):
            held["errors"].append("frame is not an object: %r" % (frame,))
            return
        if held["seq"] is None or frame["seq"] <= held["seq"]:
            return
        if frame["seq"] != held["seq"] + 1:
            held["errors"].append("gap: held %s, got %s" % (held["seq"], frame["seq"]))
            return
        held["seq"] = frame["seq"]
        held["frames"] += 1
        for code, state in frame["changes"].items():
            if state["count"] > 0:
                held["countries"][code] = state
            else:
                held["countries"].pop(code, None)


@client.on("snapshot")
def on_snapshot(snapshot):
    with lock:
        held["countries"] = dict(snapshot["countries"])
        held["seq"] = snapshot["seq"]


client.connect(url, transports=["websocket"])
ack = client.call("watch", {"protocol": 2, "service": service}, timeout=10)
if not ack.get("ok"):
    emit({"error": ack.get("error")})
    sys.exit(1)
with lock:
    held["countries"] = dict(ack["data"]["countries"])
    held["seq"] = ack["data"]["seq"]
    emit({"ready": held["seq"]})

for line in sys.stdin:
    if line.strip() == "dump":
        with lock:
            emit({"state": held["countries"], "seq": held["seq"], "frames": held["frames"],
                  "types": sorted(held["types"]), "errors": held["errors"]})
    elif line.strip() == "quit":
        break
client.disconnect()
