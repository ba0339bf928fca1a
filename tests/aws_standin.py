"""Stand-ins for the AWS endpoints the credential tests need, on loopback.

- SsoStandIn: the IAM Identity Center portal (GetRoleCredentials) and SSO
  OIDC (CreateToken with the refresh_token grant), which moto does not
  implement. It issues credentials of its own, with the lifetime a test
  asks for, and tells the VerifyingProxy about them.
- VerifyingProxy: a reverse proxy in front of DynamoDB Local or moto's STS
  that checks every signed request with botocore's SigV4 signer (a peer we
  did not write): the key id must be one it knows (registered by the test,
  issued by the stand-in, or seen in an STS AssumeRole* answer passing
  through it), the signature must match, the session token must be the one
  issued with the key, and the credentials must not have expired. A request
  that fails any check gets 403 and is recorded as rejected.

Both record what they saw for assertions. Each runs its own
ThreadingHTTPServer on 127.0.0.1 in a daemon thread; close() stops it.
"""

import datetime
import http.client
import http.server
import json
import re
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")


class KnownCredentials:
    """(key id, session token or None) -> (secret, expiry epoch seconds or
    None). One key id may have several live sessions (SSO renewals)."""

    def __init__(self, on_add=None):
        self._lock = threading.Lock()
        self._keys = {}
        # Called as on_add(key_id, secret, token, label) for issued
        # credentials (label: the role name), e.g. to create a table that
        # only this identity sees.
        self.on_add = on_add

    def add(self, key_id, secret, token=None, expires=None, label=None):
        with self._lock:
            self._keys[(key_id, token)] = (secret, expires)
        if label is not None and self.on_add is not None:
            self.on_add(key_id, secret, token, label)

    def get(self, key_id, token):
        with self._lock:
            return self._keys.get((key_id, token))


class _Server:
    def __init__(self, handler_cls):
        owner = self

        class Handler(handler_cls):
            server_owner = owner

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def verify_sigv4(method, url, headers, body, known):
    """None when the request is correctly signed with known, unexpired
    credentials; otherwise why not."""
    auth = headers.get("Authorization", "")
    m = _AUTH_RE.match(auth)
    if not m:
        return "no SigV4 Authorization header"
    key_id, _, region, service, signed, signature = m.groups()
    token = headers.get("X-Amz-Security-Token") or None
    entry = known.get(key_id, token)
    if entry is None:
        return f"unknown access key id {key_id} or session token"
    secret, expires = entry
    if expires is not None and time.time() >= expires:
        return f"credentials {key_id} expired"
    names = signed.split(";")
    if "x-amz-date" not in names or "host" not in names:
        return "host or x-amz-date not signed"
    if token is not None and "x-amz-security-token" not in names:
        return "session token not signed"
    request = AWSRequest(method=method, url=url, data=body,
                         headers={n: headers.get(n, "") for n in names})
    signer = SigV4Auth(Credentials(key_id, secret, token), service, region)
    request.context["timestamp"] = headers.get("X-Amz-Date", "")
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if expected != signature:
        return "signature mismatch"
    return None


class VerifyingProxy(_Server):
    """Forwards to `target` after checking the signature (see module doc)."""

    def __init__(self, target, known, delay=0.0):
        self.target = urllib.parse.urlsplit(target)
        self.known = known
        self.delay = delay
        # STS: roles whose AssumeRole is refused with AccessDenied.
        self.deny_roles = set()
        # STS: answers claim the credentials last this many seconds ...
        self.claimed_lifetime = None
        # ... while this proxy rejects them after this many (None: as claimed).
        self.enforced_lifetime = None
        # dicts: time, end, key_id, token, action, params, ok, why
        self.seen = []
        super().__init__(_ProxyHandler)

    def record(self, entry):
        with self.lock:
            self.seen.append(entry)

    def accepted(self):
        with self.lock:
            return [e for e in self.seen if e["ok"]]

    def rejected(self):
        with self.lock:
            return [e for e in self.seen if not e["ok"]]

    def actions(self, action):
        with self.lock:
            return [e for e in self.seen if e["action"] == action]

    def rewrite_and_learn(self, body):
        """Applies claimed_lifetime to an STS AssumeRole* answer and learns
        the credentials in it; returns the body to send."""
        root = ET.fromstring(body)
        fields = {}
        arn = ""
        for element in root.iter():
            tag = element.tag.split("}")[-1]
            if tag in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
                fields[tag] = element.text
            elif tag == "Arn":
                arn = element.text
        if "AccessKeyId" not in fields:
            return body
        # arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
        label = arn.split("/")[1] if "/" in arn else None
        expires = datetime.datetime.fromisoformat(
            fields["Expiration"].replace("Z", "+00:00")).timestamp()
        self.known.add(fields["AccessKeyId"], fields["SecretAccessKey"],
                       fields.get("SessionToken"), expires, label=label)
        # Lifetimes count from now, after on_add's table creation.
        now = time.time()
        if self.claimed_lifetime is not None:
            claimed = datetime.datetime.fromtimestamp(now + self.claimed_lifetime,
                                                      datetime.timezone.utc)
            body = re.sub(rb"<Expiration>[^<]*</Expiration>",
                          b"<Expiration>" + claimed.strftime("%Y-%m-%dT%H:%M:%SZ").encode() +
                          b"</Expiration>", body)
        if self.enforced_lifetime is not None:
            self.known.add(fields["AccessKeyId"], fields["SecretAccessKey"],
                           fields.get("SessionToken"), now + self.enforced_lifetime)
        return body


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        proxy = self.server_owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = f"http://{self.headers.get('Host')}{self.path}"
        action = self.headers.get("X-Amz-Target", "").split(".")[-1]
        params = {}
        sts = body.startswith(b"Action=")
        if sts:
            params = dict(urllib.parse.parse_qsl(body.decode()))
            action = params["Action"]
        auth = _AUTH_RE.match(self.headers.get("Authorization", ""))
        key_id = auth.group(1) if auth else None
        why = None
        if action != "AssumeRoleWithWebIdentity":  # the one unsigned call
            why = verify_sigv4(self.command, url, self.headers, body, proxy.known)
        entry = dict(time=time.time(), end=None, key_id=key_id,
                     token=self.headers.get("X-Amz-Security-Token"), action=action,
                     params=params, ok=why is None, why=why)
        proxy.record(entry)
        if why is None and sts and params.get("RoleArn") in proxy.deny_roles:
            with proxy.lock:
                entry["ok"] = False
                entry["why"] = "denied"
            self._reply(403, (
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>"
                f"User: {key_id} is not authorized to perform: sts:AssumeRole on resource: "
                f"{params['RoleArn']}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
            ).encode(), {"Content-Type": "text/xml"})
            return
        if why is not None:
            if sts:
                self._reply(403, ("<ErrorResponse><Error><Type>Sender</Type><Code>"
                                  f"InvalidClientTokenId</Code><Message>{why}</Message></Error>"
                                  "</ErrorResponse>").encode(), {"Content-Type": "text/xml"})
            else:
                self._reply(403, b'{"__type":"UnrecognizedClientException","message":"' +
                            why.encode() + b'"}', {"Content-Type": "application/x-amz-json-1.0"})
            return
        if proxy.delay:
            time.sleep(proxy.delay)
        conn = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "keep-alive", "transfer-encoding")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if action.startswith("AssumeRole") and resp.status == 200:
            data = proxy.rewrite_and_learn(data)
        out_headers = {k: v for k, v in resp.getheaders()
                       if k.lower() not in ("connection", "keep-alive", "transfer-encoding",
                                            "content-length")}
        conn.close()
        self._reply(resp.status, data, out_headers)
        with proxy.lock:
            entry["end"] = time.time()

    def _reply(self, status, data, headers):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class SsoStandIn(_Server):
    """GetRoleCredentials and CreateToken. `roles` maps (account, role) to
    the key id prefix its credentials get; every call issues a fresh set
    lasting `lifetime` seconds, registered with `known`."""

    def __init__(self, known, lifetime=3600, token_lifetime=3600):
        self.known = known
        self.lifetime = lifetime
        # Credentials are refused by the proxy after this many seconds
        # (None: at the expiration they claim).
        self.enforced_lifetime = None
        # Seconds every GetRoleCredentials after the first one waits.
        self.renewal_delay = 0.0
        self.token_lifetime = token_lifetime
        self.access_tokens = {}  # token -> expiry epoch
        self.clients = {}  # client id -> (secret, refresh token)
        self.roles = {}  # (account, role) -> key id
        self.issued = []  # (account, role, key id, token)
        self.calls = []  # (path, status)
        self.timed_calls = []  # (start, end) of each GetRoleCredentials
        super().__init__(_SsoHandler)

    def add_role(self, account, role, key_id):
        self.roles[(account, role)] = key_id

    def new_access_token(self, lifetime=None):
        token = "sso-token-" + uuid.uuid4().hex
        self.access_tokens[token] = time.time() + (lifetime or self.token_lifetime)
        return token

    def new_client(self):
        client_id, secret, refresh = (f"client-{uuid.uuid4().hex[:8]}",
                                      "client-secret-" + uuid.uuid4().hex,
                                      "refresh-" + uuid.uuid4().hex)
        self.clients[client_id] = (secret, refresh)
        return client_id, secret, refresh


class _SsoHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _json(self, status, document):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status >= 400:
            self.send_header("x-amzn-ErrorType", document.get("__type", "Error"))
        self.end_headers()
        self.wfile.write(data)
        with self.server_owner.lock:
            self.server_owner.calls.append((self.path.split("?")[0], status))

    def do_GET(self):
        start = time.time()
        self._get()
        with self.server_owner.lock:
            self.server_owner.timed_calls.append((start, time.time()))

    def _get(self):
        sso = self.server_owner
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/federation/credentials":
            return self._json(404, {"__type": "NotFound", "message": url.path})
        query = dict(urllib.parse.parse_qsl(url.query))
        token = self.headers.get("x-amz-sso_bearer_token", "")
        if sso.access_tokens.get(token, 0) <= time.time():
            return self._json(401, {"__type": "UnauthorizedException",
                                    "message": "Session token not found or invalid"})
        key_prefix = sso.roles.get((query.get("account_id"), query.get("role_name")))
        if key_prefix is None:
            return self._json(403, {"__type": "ForbiddenException",
                                    "message": "No access"})
        with sso.lock:
            renewal = any(i[2] == key_prefix for i in sso.issued)
        if renewal and sso.renewal_delay:
            time.sleep(sso.renewal_delay)
        with sso.lock:
            key_id = key_prefix
            secret = "sso-secret-" + uuid.uuid4().hex
            session = "sso-session-" + uuid.uuid4().hex
            now = time.time()
            expires = now + sso.lifetime
            sso.issued.append((query["account_id"], query["role_name"], key_id, session))
        enforced = now + sso.enforced_lifetime if sso.enforced_lifetime else expires
        sso.known.add(key_id, secret, session, enforced, label=query["role_name"])
        self._json(200, {"roleCredentials": {
            "accessKeyId": key_id, "secretAccessKey": secret, "sessionToken": session,
            "expiration": int(expires * 1000)}})

    def do_POST(self):
        sso = self.server_owner
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/token" or body.get("grantType") != "refresh_token":
            return self._json(400, {"error": "unsupported_grant_type"})
        client = sso.clients.get(body.get("clientId"))
        if client is None or client != (body.get("clientSecret"), body.get("refreshToken")):
            return self._json(400, {"error": "invalid_grant"})
        refresh = "refresh-" + uuid.uuid4().hex
        sso.clients[body["clientId"]] = (client[0], refresh)
        self._json(200, {"accessToken": sso.new_access_token(), "tokenType": "Bearer",
                         "expiresIn": sso.token_lifetime, "refreshToken": refresh})
