#!/usr/bin/env python3
"""Alertmanager webhook receiver for .ci/containers: one JSON line on standard output per alert
received (receipt time, status, alertname, instance), nothing else. Listens on 0.0.0.0:8000."""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_BODY = 1 << 20


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            self.send_response(413 if length else 411)
            self.end_headers()
            return
        received = time.time()
        try:
            payload = json.loads(self.rfile.read(length))
        except ValueError:
            self.send_response(400)
            self.end_headers()
            return
        for alert in payload.get("alerts", []):
            labels = alert.get("labels", {})
            line = {
                "received": received,
                "status": alert.get("status"),
                "alertname": labels.get("alertname"),
                "instance": labels.get("instance"),
            }
            print(json.dumps(line), flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):  # keep standard output to the alert lines
        pass


if __name__ == "__main__":
    print(json.dumps({"listening": 8000}), flush=True)
    sys.stdout.flush()
    HTTPServer(("0.0.0.0", 8000), Receiver).serve_forever()
