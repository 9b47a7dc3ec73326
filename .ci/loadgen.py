#!/usr/bin/env python3
"""Steady HTTP load for .ci/containers: reader threads GET the API's read routes in a loop; an
optional importer POSTs one-sale CSV files, each with a fresh Sale ID, and retries a failed one
until it is acknowledged (201) or gives up. Runs until SIGTERM/SIGINT or --max-seconds, then
writes a JSON summary: requests, failures (any status other than the expected one, or no answer),
the first failures' reasons, and the Sale IDs acknowledged / given up.

Each reader keeps its connection (HTTP keep-alive), as a real client does. A connection per
request ran the host out of ephemeral ports (inferred, see the commit that made this change): Docker's userland proxy opens one connection
to the load balancer per client connection and closes it first, so each leaves a TIME_WAIT on
the host for 60 s, and at about 500 requests a second the 28,232 ports of the ephemeral range
ran out; the proxy then reset every new client connection for seconds, which looked like the
rollout failing. A GET sent on a kept connection that the server had already closed (nginx
closes one after `keepalive_requests`) is sent again once on a new connection, as HTTP clients
do; those are counted apart (`stale_connection_retries`). A failure on a new connection counts."""

import argparse
import http.client
import json
import signal
import threading
import time
import urllib.parse

READ_PATHS = [
    "/api/v1/metrics/revenue",
    "/api/v1/products?limit=5",
    "/api/v1/orders?limit=5",
    "/api/v1/metrics/products/top?limit=5",
    "/health/ready",
]
REQUEST_TIMEOUT = 30
IMPORT_ATTEMPTS = 30

stop = threading.Event()
lock = threading.Lock()
stats = {"reads": 0, "read_failures": 0, "import_requests": 0, "import_failures": 0,
         "stale_connection_retries": 0, "acknowledged": [], "given_up": [], "failure_samples": []}


def request(base, method, path, key, body=None, content_type=None):
    """One request on a fresh connection: (status, None) or (None, reason)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=REQUEST_TIMEOUT)
    headers = {"Authorization": f"Bearer {key}"}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, None
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"
    finally:
        conn.close()


def failed(kind, path, status, reason):
    with lock:
        stats[kind] += 1
        if len(stats["failure_samples"]) < 10:
            stats["failure_samples"].append(
                {"at": time.time(), "path": path, "status": status, "reason": reason})


class KeptConnection:
    """One reader's connection to `base`, kept between requests."""

    def __init__(self, base, key):
        self.url = urllib.parse.urlsplit(base)
        self.headers = {"Authorization": f"Bearer {key}"}
        self.conn = None
        self.used = False

    def get(self, path):
        """(status, None) or (None, reason); a kept connection found closed is replaced once."""
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    self.url.hostname, self.url.port, timeout=REQUEST_TIMEOUT)
                self.used = False
            reused = self.used
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                response.read()
                self.used = True
                if response.will_close:
                    self.close()
                return response.status, None
            except (OSError, http.client.HTTPException) as error:
                self.close()
                closed_before_answering = isinstance(
                    error, (http.client.RemoteDisconnected, BrokenPipeError,
                            ConnectionResetError))
                if reused and closed_before_answering and attempt == 0:
                    with lock:
                        stats["stale_connection_retries"] += 1
                    continue
                return None, f"{type(error).__name__}: {error}"
        return None, "unreachable"

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def reader(base, key, index):
    n = index
    connection = KeptConnection(base, key)
    while not stop.is_set():
        path = READ_PATHS[n % len(READ_PATHS)]
        n += 1
        status, reason = connection.get(path)
        with lock:
            stats["reads"] += 1
        if status != 200:
            failed("read_failures", path, status, reason)
    connection.close()


def importer(base, key, template, first_sale_id, pause):
    sale_id = first_sale_id
    while not stop.is_set():
        body = template.replace("{SALE_ID}", str(sale_id)).encode()
        path = f"/api/v1/imports?filename=ci-{sale_id}.csv"
        for _ in range(IMPORT_ATTEMPTS):
            status, reason = request(base, "POST", path, key, body, "text/csv")
            with lock:
                stats["import_requests"] += 1
            if status == 201:
                with lock:
                    stats["acknowledged"].append(sale_id)
                break
            failed("import_failures", path, status, reason)
            time.sleep(0.2)
        else:
            with lock:
                stats["given_up"].append(sale_id)
        sale_id += 1
        stop.wait(pause)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--import-template", help="CSV with {SALE_ID} where the Sale ID goes")
    parser.add_argument("--first-sale-id", type=int, default=900000)
    parser.add_argument("--import-pause", type=float, default=0.05)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=reader, args=(args.url, args.key, i))
               for i in range(args.readers)]
    if args.import_template:
        with open(args.import_template, encoding="utf-8", newline="") as file:
            template = file.read()
        threads.append(threading.Thread(
            target=importer,
            args=(args.url, args.key, template, args.first_sale_id, args.import_pause)))
    started = time.time()
    for thread in threads:
        thread.start()
    stop.wait(args.max_seconds)
    stop.set()
    for thread in threads:
        thread.join()
    stats["seconds"] = round(time.time() - started, 1)
    stats["stopped_by"] = "signal" if stats["seconds"] < args.max_seconds else "max-seconds"
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(stats, file)


if __name__ == "__main__":
    main()
