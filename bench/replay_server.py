#!/usr/bin/env python3
"""A loopback DynamoDB that replays one pre-encoded Scan page, for client-side
read benchmarks.

    replay_server.py [--port P] [--items N] [--table NAME] [--item-count C]
                     [--page-bytes B] [--ignore-projection] [--processes K]

It speaks just enough of the DynamoDB JSON protocol for ddbsql and boto3:

  ListTables     one table, NAME (default "replay")
  DescribeTable  NAME with hash key `id` (S), ItemCount C (default N), so a
                 client that picks its parallel-scan segments by table size
                 picks them as it would for N items
  Scan           the same page of items again and again, with a
                 LastEvaluatedKey, until N items in all have been served:
                 N is split across Segment/TotalSegments as evenly as it
                 goes (segment s of T gets N // T, plus one for s < N % T).
                 Limit is honoured, Select=COUNT answers counts only, and a
                 ProjectionExpression of top-level names (`id`, `#n0, id`)
                 gets the page's items cut to those attributes, encoded on
                 first use, with as many items per page as whole items
                 (DynamoDB's 1 MB limit counts the data read, not the data
                 returned). Nested paths and filters are ignored: whole
                 items come back. --ignore-projection serves whole items to
                 every request (the client then decodes all of every item).

Pages are built once: items of 10 attributes of mixed types (S with and
without non-ASCII text, integer and decimal N, BOOL, SS, M, L), as many as
fit in B bytes of DynamoDB item size (default 1 MiB, DynamoDB's page limit),
with the JSON text encoded once. The LastEvaluatedKey records the segment and
how many items it has served, so the server keeps no state per scan. To keep
a response cheap, `Items` comes first in the body and the members that vary
(counts, LastEvaluatedKey, ConsumedCapacity) after it: the CRC32 of the
constant head is computed once and only the short tail is added per response
(DynamoDB's member order differs; JSON objects have none). Responses are
written with one sendmsg() of header, head and tail: no copy of the page.

Prints "port P" on stdout once it listens (useful with --port 0), then
serves until SIGTERM/SIGINT (or, with --exit-with-parent, until the
process that started it is gone). --processes K forks K servers on the same port
(SO_REUSEPORT) when one Python process is too slow; each thread of each
process serves one keep-alive connection.

Also importable: bench/replay.py builds the same page with make_page() to
know the expected counts and sums.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

kKey = "id"
kDefaultPageBytes = 1 << 20
kTargetPrefix = "DynamoDB_20120810."
kCities = ("Lisbon", "Oslo", "Kyoto", "Lima", "Perth", "São Paulo", "Zürich")


# ---------------------------------------------------------------- items ----


def make_item(i):
    """Item number i in wire JSON: 10 attributes of mixed types, ~430 bytes
    of JSON text, ~230 bytes of DynamoDB item size."""
    return {
        kKey: {"S": f"user#{i:010d}"},
        "n": {"N": str(1_700_000_000 + 37 * i)},
        "price": {"N": f"{i % 1000}.{i % 97:02d}"},
        "name": {"S": f"customer {i:08d} café Ünïcödé"},
        "active": {"BOOL": i % 3 != 0},
        "city": {"S": kCities[i % len(kCities)]},
        "tags": {"SS": ["all", f"tag{i % 17}"]},
        "attrs": {"M": {"color": {"S": "blue" if i % 2 else "orange"},
                        "size": {"N": str(i % 50)},
                        "updated": {"S": f"2024-05-0{1 + i % 9}T12:00:00Z"}}},
        "history": {"L": [{"S": "created"}, {"N": str(i % 1000)}, {"BOOL": False}]},
        "payload": {"S": "".join(chr(97 + (i + k) % 26) for k in range(60))},
    }


def number_size(text):
    digits = text.lstrip("-").replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(v):
    """DynamoDB's size of a wire-JSON value (approximately, as documented:
    strings by UTF-8 length, numbers by digits, 3 bytes per container plus
    1 per element)."""
    (t, p), = v.items()
    if t == "S":
        return len(p.encode())
    if t == "N":
        return number_size(p)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "SS":
        return sum(len(m.encode()) for m in p)
    if t == "NS":
        return sum(number_size(m) for m in p)
    if t == "M":
        return 3 + sum(len(k.encode()) + value_size(x) + 1 for k, x in p.items())
    if t == "L":
        return 3 + sum(value_size(x) + 1 for x in p)
    raise ValueError(f"unsupported type {t}")


def item_size(item):
    return sum(len(k.encode()) + value_size(v) for k, v in item.items())


def encode(obj):
    """Compact JSON, UTF-8 as DynamoDB sends it (no \\u escapes)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class Page:
    """The items of one Scan page, encoded once."""

    def __init__(self, page_bytes):
        self.items = []  # wire-JSON dicts
        size = 0
        while True:
            item = make_item(len(self.items))
            size += item_size(item)
            if self.items and size > page_bytes:
                break
            self.items.append(item)
        self.full = [encode(it) for it in self.items]
        self.data_bytes = sum(item_size(it) for it in self.items)

    def __len__(self):
        return len(self.items)


def make_page(page_bytes=kDefaultPageBytes):
    return Page(page_bytes)


def segment_items(total, segment, segments):
    """How many of `total` items segment `segment` of `segments` serves."""
    return total // segments + (1 if segment < total % segments else 0)


# --------------------------------------------------------------- server ----


class Body:
    """A response body as a constant head (with its CRC32 computed once) and
    a short tail built per response."""

    def __init__(self, head):
        self.head = head
        self.crc = zlib.crc32(head)


class Replay:
    def __init__(self, args):
        self.table = args.table
        self.total = args.items
        self.item_count = args.item_count if args.item_count is not None else args.items
        self.honour_projection = not args.ignore_projection
        self.page = make_page(args.page_bytes)
        n = len(self.page)
        self.capacity = self.page.data_bytes / 4096 / 2  # eventually consistent reads
        self.items_per_page = n
        self.lock = threading.Lock()
        # (projection, items) -> Body: whole pages of each projection, and
        # the shorter last pages of segments and Limit pages.
        self.bodies = {}
        self.encoded = {None: self.page.full}  # projection -> encoded items
        self.full_body = self.body_for(None, n)

    def body_for(self, projection, count):
        """The head of a page of `count` items projected to `projection`
        (None: whole items), encoded on first use and kept."""
        key = (projection, count)
        body = self.bodies.get(key)
        if body is not None:
            return body
        with self.lock:
            parts = self.encoded.get(projection)
            if parts is None:
                parts = [encode({k: v for k, v in it.items() if k in projection})
                         for it in self.page.items]
                self.encoded[projection] = parts
            body = Body(b'{"Items":[' + b",".join(parts[:count]) + b"]")
            if len(self.bodies) < 256:
                self.bodies[key] = body
        return body

    def describe(self):
        return {"Table": {
            "TableName": self.table,
            "TableArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{self.table}",
            "TableStatus": "ACTIVE",
            "KeySchema": [{"AttributeName": kKey, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": kKey, "AttributeType": "S"}],
            "ItemCount": self.item_count,
            "TableSizeBytes": self.item_count * self.page.data_bytes // self.items_per_page,
            "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0,
                                      "NumberOfDecreasesToday": 0},
        }}

    def projected(self, request):
        """The top-level attribute names of the request's ProjectionExpression
        as a sorted tuple; None for whole items (no projection, one we do
        not serve, or --ignore-projection)."""
        projection = request.get("ProjectionExpression")
        if not projection or not self.honour_projection:
            return None
        names = request.get("ExpressionAttributeNames") or {}
        wanted = set()
        for path in projection.split(","):
            path = path.strip()
            if not path or "." in path or "[" in path:
                return None  # nested paths: whole items
            wanted.add(names.get(path, path))
        return tuple(sorted(wanted))

    def scan(self, request):
        """(head, tail) of a Scan response."""
        segment = int(request.get("Segment", 0))
        segments = int(request.get("TotalSegments", 1) or 1)
        if not 0 <= segment < segments:
            raise ValueError("Segment must be in 0..TotalSegments-1")
        served = 0
        start = request.get("ExclusiveStartKey")
        if start:
            # "seg#S#COUNT", written by us below
            _, seg, count = start[kKey]["S"].split("#")
            if int(seg) != segment:
                raise ValueError("ExclusiveStartKey of another segment")
            served = int(count)
        left = segment_items(self.total, segment, segments) - served
        count = max(0, min(left, self.items_per_page))
        limit = request.get("Limit")
        if limit:
            count = min(count, int(limit))
        served += count
        more = served < segment_items(self.total, segment, segments)
        tail = {"Count": count, "ScannedCount": count}
        if more:
            tail["LastEvaluatedKey"] = {kKey: {"S": f"seg#{segment}#{served}"}}
        if request.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
            units = self.capacity * count / self.items_per_page
            tail["ConsumedCapacity"] = {"TableName": self.table, "CapacityUnits": units}
        tail_bytes = encode(tail)
        if request.get("Select") == "COUNT":
            return Body(b""), tail_bytes
        return self.body_for(self.projected(request), count), b"," + tail_bytes[1:]


def make_handler(replay):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        server_version = "ddbsql-replay"
        sys_version = ""

        def log_message(self, fmt, *args):  # quiet: one line per page is too much
            pass

        def send(self, status, head, tail):
            crc = zlib.crc32(tail, head.crc)
            header = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Bad Request'}\r\n"
                      "Content-Type: application/x-amz-json-1.0\r\n"
                      f"Content-Length: {len(head.head) + len(tail)}\r\n"
                      f"x-amz-crc32: {crc}\r\n"
                      "x-amzn-RequestId: replay\r\n\r\n").encode()
            parts = [header, head.head, tail]
            sock = self.connection
            while parts:  # sendmsg may write part of the iovec
                sent = sock.sendmsg(parts)
                while parts and sent >= len(parts[0]):
                    sent -= len(parts[0])
                    parts.pop(0)
                if parts and sent:
                    parts[0] = memoryview(parts[0])[sent:]

        def error(self, kind, message):
            body = encode({"__type": f"com.amazonaws.dynamodb.v20120810#{kind}",
                           "message": message})
            self.send(400, Body(b""), body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            target = self.headers.get("X-Amz-Target", "")
            op = target[len(kTargetPrefix):] if target.startswith(kTargetPrefix) else target
            try:
                request = json.loads(raw or b"{}")
            except ValueError:
                return self.error("SerializationException", "request body is not JSON")
            if op == "ListTables":
                return self.send(200, Body(b""), encode({"TableNames": [replay.table]}))
            if op in ("DescribeTable", "Scan") and request.get("TableName") != replay.table:
                return self.error("ResourceNotFoundException",
                                  "Requested resource not found: Table: "
                                  f"{request.get('TableName')} not found")
            if op == "DescribeTable":
                return self.send(200, Body(b""), encode(replay.describe()))
            if op == "Scan":
                try:
                    head, tail = replay.scan(request)
                except (ValueError, KeyError, TypeError) as e:
                    return self.error("ValidationException", str(e))
                return self.send(200, head, tail)
            return self.error("UnknownOperationException", f"replay server: no {op or 'operation'}")

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()

    def get_request(self):
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--items", type=int, default=1_000_000, help="items per whole scan")
    parser.add_argument("--table", default="replay")
    parser.add_argument("--item-count", type=int,
                        help="ItemCount in DescribeTable (default: --items)")
    parser.add_argument("--page-bytes", type=int, default=kDefaultPageBytes,
                        help="DynamoDB item bytes per page (default 1 MiB)")
    parser.add_argument("--ignore-projection", action="store_true",
                        help="whole items even for a key-only ProjectionExpression")
    parser.add_argument("--processes", type=int, default=1,
                        help="server processes sharing the port (SO_REUSEPORT)")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="exit when the process that started us is gone")
    args = parser.parse_args()
    if args.items < 0 or args.processes < 1 or args.page_bytes < 1:
        parser.error("--items must be >= 0, --processes and --page-bytes >= 1")

    replay = Replay(args)
    server = Server((args.host, args.port), make_handler(replay))
    port = server.server_address[1]
    children = []
    for _ in range(args.processes - 1):
        # Each child binds its own socket to the same port; the kernel
        # spreads connections across them.
        pid = os.fork()
        if pid == 0:
            server.server_close()
            child = Server((args.host, port), make_handler(replay))
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            try:
                child.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)

    def stop(*_):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_parent:
        parent = os.getppid()

        def watch():
            while os.getppid() == parent:
                time.sleep(1)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, daemon=True).start()
    print(f"port {port}", flush=True)
    print(f"replay: {len(replay.page)} items of ~{replay.page.data_bytes // len(replay.page)} B "
          f"per page ({len(replay.full_body.head) / 1e6:.2f} MB of JSON), "
          f"{args.items:,} items per scan", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


if __name__ == "__main__":
    sys.exit(main())
