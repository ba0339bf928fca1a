"""A hostile DynamoDB and S3 endpoint for tests/hostile_server_test.py.

One loopback HTTP/1.1 server plays both services. It answers well enough
for ddbsql to get going (ListTables, DescribeTable, a Scan page) and breaks
the one operation a test names in the way it names:

    truncated      a Content-Length larger than the body, then close
    absurd_length  Content-Length: 10^18, a few bytes, then close
    html           200 with an HTML page (text/html) instead of JSON or XML
    bad_utf8       a well-formed answer holding invalid UTF-8
    wrong_types    well-formed JSON of the wrong shape ({"Items": 5} etc.)
    deep           a JSON page nested 100,000 levels deep
    extra_bytes    a Content-Length smaller than the body
    trickle        the answer one byte a second
    trickle_body   the headers at once, then the body one byte a second
    reset          half the answer, then a TCP reset
    silence        headers, then nothing
    gzip_bomb      (GetObject) a gzip object that expands to 65 MiB
    gzip_2m        (GetObject) a gzip object that expands to 2 MiB
    oversize       a well-formed answer of 2 MiB with its Content-Length
    oversize_chunked  the same 2 MiB chunked, without a Content-Length
    encoding_bomb  Content-Encoding: gzip over 65 MiB of zeros (about 64 KB)

Requests are recorded (operation, method, path) so that tests can check
that nothing was written.
"""

import functools
import gzip
import json
import socket
import socketserver
import struct
import threading
import time

TABLE = "t"
BUCKET = "b"
OBJECT_KEY = "obj"


def describe_table():
    return {"Table": {
        "TableName": TABLE, "TableStatus": "ACTIVE",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "ItemCount": 1, "TableSizeBytes": 40, "CreationDateTime": 1700000000.0,
        "TableArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{TABLE}",
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    }}


def good_answer(operation):
    """(status, content type, body) of a well-behaved server."""
    if operation == "ListTables":
        return 200, "application/x-amz-json-1.0", json.dumps({"TableNames": [TABLE]}).encode()
    if operation == "DescribeTable":
        return 200, "application/x-amz-json-1.0", json.dumps(describe_table()).encode()
    if operation in ("Scan", "Query"):
        page = {"Items": [{"id": {"S": "a"}, "doc": {"S": f"s3://{BUCKET}/{OBJECT_KEY}"},
                           "v": {"N": "1"}}],
                "Count": 1, "ScannedCount": 1}
        return 200, "application/x-amz-json-1.0", json.dumps(page).encode()
    if operation == "GetObject":
        return 200, "application/octet-stream", b"hello from s3"
    return 400, "application/x-amz-json-1.0", json.dumps(
        {"__type": "com.amazon.coral.validate#ValidationException",
         "message": f"unexpected {operation}"}).encode()


@functools.lru_cache(maxsize=None)
def gzip_bomb():
    """65 MiB of zeros in about 64 KB: past the 64 MiB decoded-value limit.
    Made once, before the server answers (it takes seconds)."""
    return gzip.compress(bytes(65 << 20), compresslevel=9, mtime=0)


OVERSIZE_BYTES = 2 << 20


def oversize_body(operation):
    """A well-formed answer of OVERSIZE_BYTES: a good one padded with
    spaces (JSON) or a longer object."""
    status, ctype, body = good_answer(operation)
    if operation == "GetObject":
        return bytes(OVERSIZE_BYTES)
    return body + b" " * (OVERSIZE_BYTES - len(body))


def hostile_body(operation, mode):
    if mode == "bad_utf8":
        if operation == "GetObject":
            return b"\xff\xfe not text \xc3\x28"
        return b'{"Items":[{"id":{"S":"\xff\xfe\xc3\x28"}}],"Count":1,"ScannedCount":1}' \
            if operation in ("Scan", "Query") else b'{"TableNames":["\xff\xfe"]}'
    if mode == "wrong_types":
        if operation == "DescribeTable":
            return json.dumps({"Table": {"TableName": 5, "KeySchema": "id"}}).encode()
        if operation == "GetObject":
            return b"<Error><Code>"  # not an object: half an XML error
        return json.dumps({"Items": 5, "Count": "one", "TableNames": {"a": 1}}).encode()
    if mode in ("gzip_bomb", "encoding_bomb"):
        return gzip_bomb()
    if mode == "gzip_2m":
        return gzip.compress(bytes(2 << 20), compresslevel=9, mtime=0)
    if mode in ("oversize", "oversize_chunked"):
        return oversize_body(operation)
    if mode == "deep":
        depth = 100000
        return (b'{"Items":[{"id":{"S":"a"},"v":' + b'{"L":[' * depth + b'{"N":"1"}' +
                b']}' * depth + b'}],"Count":1,"ScannedCount":1}')
    status, ctype, body = good_answer(operation)
    return body


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        server = self.server
        sock = self.request
        sock.settimeout(30)
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            while len(buf) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buf += chunk
            buf = buf[length:]
            target = headers.get("x-amz-target", "")
            if target:
                operation = target.split(".")[-1]
            elif method == "GET" and OBJECT_KEY in path:
                operation = "GetObject"
            else:
                operation = f"S3 {method} {path}"
            with server.lock:
                server.requests.append((operation, method, path))
            if not self.answer(sock, operation):
                return

    def answer(self, sock, operation):
        """Sends the answer; False when the connection is done."""
        server = self.server
        mode = server.modes.get(operation)
        status, ctype, body = good_answer(operation)
        if mode in ("bad_utf8", "wrong_types", "deep", "gzip_bomb", "gzip_2m", "encoding_bomb",
                    "oversize", "oversize_chunked"):
            body = hostile_body(operation, mode)
        if mode == "html":
            ctype = "text/html"
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        reason = {200: "OK", 400: "Bad Request"}.get(status, "OK")
        extra = "Content-Encoding: gzip\r\n" if mode == "encoding_bomb" else ""
        def head(length):
            return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n{extra}"
                    f"Content-Length: {length}\r\nx-amzn-RequestId: hostile\r\n\r\n").encode()
        try:
            if mode == "oversize_chunked":
                sock.sendall((f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n").encode())
                for i in range(0, len(body), 65536):
                    chunk = body[i:i + 65536]
                    sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
                return True
            if mode == "truncated":
                sock.sendall(head(len(body) + 100) + body[: len(body) // 2])
                return False
            if mode == "absurd_length":
                sock.sendall(head(10 ** 18) + body[:10])
                return False
            if mode == "extra_bytes":
                sock.sendall(head(max(len(body) - 5, 0)) + body + b"HTTP/1.1 200 OK\r\n\r\njunk")
                return False
            if mode == "silence":
                sock.sendall(head(len(body)))
                server.stop.wait(60)
                return False
            if mode in ("trickle", "trickle_body"):
                data = head(len(body)) + body
                if mode == "trickle_body":
                    sock.sendall(head(len(body)))
                    data = body
                for b in data:
                    if server.stop.is_set():
                        return False
                    sock.sendall(bytes([b]))
                    server.stop.wait(1)
                return False
            if mode == "reset":
                sock.sendall(head(len(body)) + body[: len(body) // 2])
                time.sleep(0.05)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
                return False
            sock.sendall(head(len(body)) + body)
            return True
        except OSError:
            return False


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, modes):
        super().__init__(("127.0.0.1", 0), Handler)
        self.modes = dict(modes)
        if {"gzip_bomb", "encoding_bomb"} & set(self.modes.values()):
            gzip_bomb()
        self.requests = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.shutdown()
        self.server_close()
