#!/usr/bin/env python3
"""A fake systemd notify socket for tests: binds a Unix datagram socket (a path, or @name for the
abstract namespace) and writes each datagram it receives as a JSON line {time, state}. Usage:
notify_socket.py ADDRESS LOG_FILE"""
import json
import socket
import sys
import time

address, log_file = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + address[1:] if address.startswith("@") else address)
with open(log_file + ".ready", "w"):
    pass
while True:
    data = s.recv(4096).decode()
    with open(log_file, "a") as log:
        log.write(json.dumps({"time": time.time(), "state": data}) + "\n")
