#!/usr/bin/env python3
"""Steady HTTP load for .ci/containers: reader threads GET the API's read routes in a loop; an
optional importer POSTs one-sale CSV files, each with a fresh Sale ID, and retries a failed one
until it is acknowledged (201) or gives up. Runs until SIGTERM/SIGINT or --max-seconds, then
writes a JSON summary: requests, failures (any status other than the expected one, or no answer),
the first failures' reasons, and the Sale IDs acknowledged / given up."""

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
         "acknowledged": [], "given_up": [], "failure_samples": []}


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


def reader(base, key, index):
    n = index
    while not stop.is_set():
        path = READ_PATHS[n % len(READ_PATHS)]
        n += 1
        status, reason = request(base, "GET", path, key)
        with lock:
            stats["reads"] += 1
        if status != 200:
            failed("read_failures", path, status, reason)


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
