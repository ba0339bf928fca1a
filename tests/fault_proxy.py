#!/usr/bin/env python3
"""A loopback HTTP proxy that injects faults, for the retry and timeout tests.

    fault_proxy.py TARGET_URL [--plan JSON] [--max-seconds N]

Listens on 127.0.0.1 on a free port, prints that port as the first line of
stdout, and forwards every request to TARGET_URL (http://host:port), except
when the fault plan says otherwise. Python standard library only.

Control API (these requests are neither forwarded nor logged):

  POST /__fault__      {"plan": ["throttle", "reset", "ok"], "then": "ok",
                        "stall_seconds": 30}
      The next requests get the plan's faults in order; after the plan, every
      request gets `then` (default "ok"). Clears the request log.
  POST /__fault__      {"plan": ["cancel:TransactionConflict"], "only": ["TransactWriteItems"]}
      The plan (and `then`) applies only to DynamoDB requests of these
      operations; the others are forwarded and leave the plan alone.
  POST /__fault__/reset
      Same as {"plan": []}.
  POST /__fault__      {"hold": ["UpdateItem", "DeleteItem"], ...}
      Also holds every DynamoDB request of these operations (the end of its
      X-Amz-Target) before its fault applies, until POST /__fault__/release
      (at most hold_seconds, default 60): a test can let another writer act
      between a statement's read and its write. `held` in the log counts the
      requests held so far.
  POST /__fault__/release
      Lets the held requests (and any later ones) go on.
  GET  /__fault__/log
      {"count": N, "requests": [{"seq", "t", "method", "path", "target",
      "fault"}], "pending": [...], "then": "..."}: `target` is the request's
      X-Amz-Target header ("" for S3), `t` seconds since the proxy started, so
      tests can count attempts and measure the backoff between them.

Faults:
  ok           forward unchanged
  throttle     DynamoDB: 400 ThrottlingException; S3: 503 SlowDown
  provisioned  400 ProvisionedThroughputExceededException
  500          500 InternalServerError (DynamoDB JSON) / InternalError (S3 XML)
  503          503 ServiceUnavailable (DynamoDB JSON) / SlowDown (S3 XML)
  denied       403 AccessDeniedException (DynamoDB JSON) / AccessDenied (S3 XML)
  reset        read the request, then close the socket with an RST, no answer
  lost         forward (the request is applied), then close with an RST: the
               answer is lost
  stall        read the request, then say nothing for stall_seconds
  crc          forward, but answer with a wrong x-amz-crc32 header
  delay:MS     forward after MS milliseconds
  cancel:CODE  TransactWriteItems: 400 TransactionCanceledException whose
               CancellationReasons give every entry the code CODE
               (TransactionConflict, ThrottlingError, ValidationError, ...)

The proxy exits on SIGTERM or SIGINT, when its parent process goes away, and
after --max-seconds (default 900) in any case, so it can never hang a test run.
"""

import argparse
import collections
import http.client
import http.server
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib

kDynamoDbErrorPrefix = "com.amazonaws.dynamodb.v20120810#"
kSimpleFaults = {"ok", "throttle", "provisioned", "500", "503", "denied", "reset", "stall",
                 "crc", "lost"}
kHopByHopHeaders = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade", "expect", "content-length",
}
kUpstreamTimeoutSeconds = 120


def valid_fault(fault):
    if fault in kSimpleFaults:
        return True
    if isinstance(fault, str) and fault.startswith("delay:"):
        return fault[len("delay:"):].isdigit()
    if isinstance(fault, str) and fault.startswith("cancel:"):
        return fault[len("cancel:"):].isalnum()
    return False


class FaultState:
    """The plan and the request log, shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.start = time.monotonic()
        self.plan = collections.deque()
        self.then = "ok"
        self.stall_seconds = 30.0
        self.log = []
        self.hold = set()
        self.hold_seconds = 60.0
        self.held = 0
        self.released = threading.Event()
        self.only = set()

    def configure(self, plan, then, stall_seconds, hold=(), hold_seconds=60.0, only=()):
        with self.lock:
            self.only = set(only)
            self.plan = collections.deque(plan)
            self.then = then
            self.stall_seconds = stall_seconds
            self.log = []
            self.hold = set(hold)
            self.hold_seconds = hold_seconds
            self.held = 0
            self.released = threading.Event()

    # Waits while `target` is an operation the plan holds (until released).
    def wait_if_held(self, target):
        with self.lock:
            if not self.hold or target.rsplit(".", 1)[-1] not in self.hold:
                return
            self.held += 1
            released, seconds = self.released, self.hold_seconds
        released.wait(seconds)

    def release(self):
        with self.lock:
            self.released.set()

    # Takes the fault for the next request and records the request.
    def next_fault(self, method, path, target):
        with self.lock:
            if self.only and target.rsplit(".", 1)[-1] not in self.only:
                fault = "ok"
            else:
                fault = self.plan.popleft() if self.plan else self.then
            self.log.append({
                "seq": len(self.log) + 1,
                "t": round(time.monotonic() - self.start, 4),
                "method": method,
                "path": path,
                "target": target,
                "fault": fault,
            })
            return fault, len(self.log), self.stall_seconds

    def snapshot(self):
        with self.lock:
            return {
                "count": len(self.log),
                "requests": list(self.log),
                "pending": list(self.plan),
                "then": self.then,
                "held": self.held,
            }


class FaultHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-proxy"
    # Headers and body go out in two writes; with Nagle on, the body waits for
    # the client's delayed ACK (40 ms per request on Linux).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # one line per request is noise in test output
        pass

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    # --- plumbing -------------------------------------------------------

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(length) if length > 0 else b""

    def reply(self, status, body, content_type, extra_headers=()):
        self.send_response_only(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_json(self, status, obj):
        self.reply(status, json.dumps(obj).encode(), "application/json")

    def is_dynamodb(self):
        return bool(self.headers.get("X-Amz-Target")) or "amz-json" in self.headers.get(
            "Content-Type", "")

    def aws_error(self, status, dynamodb_type, s3_code, message, seq):
        request_id = f"FAULTPROXY{seq:08d}"
        if self.is_dynamodb() or not s3_code:
            body = json.dumps({"__type": kDynamoDbErrorPrefix + dynamodb_type, "message": message})
            self.reply(status, body.encode(), "application/x-amz-json-1.0",
                       [("x-amzn-RequestId", request_id)])
        else:
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    f"<Error><Code>{s3_code}</Code><Message>{message}</Message>"
                    f"<RequestId>{request_id}</RequestId></Error>")
            self.reply(status, body.encode(), "application/xml",
                       [("x-amz-request-id", request_id)])

    def cancel_transaction(self, body, code, seq):
        try:
            entries = len(json.loads(body or b"{}").get("TransactItems", []))
        except (ValueError, AttributeError):
            entries = 0
        reasons = [{"Code": code, "Message": f"fault proxy: {code}"}] * entries
        doc = {"__type": kDynamoDbErrorPrefix + "TransactionCanceledException",
               "Message": "Transaction cancelled, please refer cancellation reasons for specific "
                          f"reasons [{', '.join([code] * entries)}]",
               "CancellationReasons": reasons}
        self.reply(400, json.dumps(doc).encode(), "application/x-amz-json-1.0",
                   [("x-amzn-RequestId", f"FAULTPROXY{seq:08d}")])

    def reset_connection(self):
        # SO_LINGER with a zero timeout makes close() send RST, not FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    # --- requests -------------------------------------------------------

    def handle_any(self):
        state = self.server.fault_state
        if self.path == "/__fault__" or self.path.startswith("/__fault__/"):
            self.handle_control(state)
            return
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        target = self.headers.get("X-Amz-Target", "")
        fault, seq, stall_seconds = state.next_fault(self.command, self.path, target)
        state.wait_if_held(target)
        if fault == "throttle" and self.is_dynamodb():
            self.aws_error(400, "ThrottlingException", None, "Rate exceeded", seq)
        elif fault == "throttle":
            self.aws_error(503, None, "SlowDown", "Please reduce your request rate.", seq)
        elif fault == "provisioned":
            self.aws_error(400, "ProvisionedThroughputExceededException", None,
                           "The level of configured provisioned throughput for the table was "
                           "exceeded. Consider increasing your provisioning level with the "
                           "UpdateTable API.", seq)
        elif fault == "500":
            self.aws_error(500, "InternalServerError", "InternalError",
                           "Internal server error", seq)
        elif fault == "503":
            self.aws_error(503, "ServiceUnavailable", "SlowDown", "Service unavailable", seq)
        elif fault == "denied":
            self.aws_error(403, "AccessDeniedException", "AccessDenied", "Access Denied", seq)
        elif fault == "reset":
            self.reset_connection()
        elif fault == "lost":
            self.forward(body, corrupt_crc=False, lose_answer=True)
        elif fault == "stall":
            state.stop.wait(stall_seconds)
            self.close_connection = True
        elif fault.startswith("cancel:"):
            self.cancel_transaction(body, fault[len("cancel:"):], seq)
        else:
            if fault.startswith("delay:"):
                state.stop.wait(int(fault[len("delay:"):]) / 1000.0)
            self.forward(body, corrupt_crc=(fault == "crc"))

    def handle_control(self, state):
        if self.command == "GET" and self.path == "/__fault__/log":
            self.reply_json(200, state.snapshot())
            return
        if self.command == "POST" and self.path == "/__fault__/release":
            self.read_body()
            state.release()
            self.reply_json(200, {"ok": True})
            return
        if self.command == "POST" and self.path in ("/__fault__", "/__fault__/reset"):
            try:
                body = self.read_body()
                request = json.loads(body or b"{}") if self.path == "/__fault__" else {}
                plan = request.get("plan", [])
                then = request.get("then", "ok")
                stall_seconds = float(request.get("stall_seconds", 30))
                hold = [str(op) for op in request.get("hold", [])]
                hold_seconds = float(request.get("hold_seconds", 60))
                only = [str(op) for op in request.get("only", [])]
            except (ValueError, AttributeError, TypeError) as e:
                self.reply_json(400, {"error": f"bad control request: {e}"})
                return
            if not isinstance(plan, list):
                self.reply_json(400, {"error": "plan must be a list of fault names"})
                return
            bad = [f for f in plan + [then] if not valid_fault(f)]
            if bad:
                self.reply_json(400, {"error": f"unknown faults: {bad}"})
                return
            state.configure(plan, then, stall_seconds, hold, hold_seconds, only)
            self.reply_json(200, {"ok": True, "pending": plan, "then": then, "hold": hold})
            return
        self.reply_json(404, {"error": f"no control endpoint {self.command} {self.path}"})

    def forward(self, body, corrupt_crc, lose_answer=False):
        host, port = self.server.target
        upstream = http.client.HTTPConnection(host, port, timeout=kUpstreamTimeoutSeconds)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True,
                                skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in kHopByHopHeaders:
                    upstream.putheader(name, value)
            if body or self.command in ("POST", "PUT", "PATCH"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            response = upstream.getresponse()
            data = response.read()
        except OSError as e:
            self.reply_json(502, {"error": f"fault proxy: upstream failed: {e}"})
            return
        finally:
            upstream.close()
        if lose_answer:
            self.reset_connection()
            return

        self.send_response_only(response.status, response.reason)
        saw_crc = False
        for name, value in response.getheaders():
            lower = name.lower()
            if lower in kHopByHopHeaders:
                continue
            if lower == "x-amz-crc32" and corrupt_crc:
                value = str((int(value) + 1) % (1 << 32))
                saw_crc = True
            self.send_header(name, value)
        if corrupt_crc and not saw_crc:
            self.send_header("x-amz-crc32", str(zlib.crc32(data) ^ 0xFFFFFFFF))
        if self.command == "HEAD":
            length = response.getheader("Content-Length")
            if length is not None:
                self.send_header("Content-Length", length)
        elif response.status not in (204, 304) and response.status >= 200:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class FaultServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        # Clients that time out or reset are the point of these tests.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def exit_when_orphaned(parent_pid, deadline):
    while True:
        if os.getppid() != parent_pid or time.monotonic() > deadline:
            os._exit(0)
        time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description="Loopback HTTP proxy that injects faults.")
    parser.add_argument("target", help="base URL to forward to, e.g. http://127.0.0.1:8000")
    parser.add_argument("--plan", default="", help="initial control request, as JSON")
    parser.add_argument("--max-seconds", type=float, default=900,
                        help="exit after this long whatever happens")
    args = parser.parse_args()

    url = urllib.parse.urlsplit(args.target)
    if url.scheme != "http" or not url.hostname:
        parser.error(f"target must be an http:// URL, got {args.target!r}")

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: os._exit(0))
    threading.Thread(target=exit_when_orphaned,
                     args=(os.getppid(), time.monotonic() + args.max_seconds),
                     daemon=True).start()

    server = FaultServer(("127.0.0.1", 0), FaultHandler)
    server.target = (url.hostname, url.port or 80)
    server.fault_state = FaultState()
    if args.plan:
        initial = json.loads(args.plan)
        server.fault_state.configure(initial.get("plan", []), initial.get("then", "ok"),
                                     float(initial.get("stall_seconds", 30)))
    sys.stdout.write(f"{server.server_address[1]}\n")
    sys.stdout.flush()
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
