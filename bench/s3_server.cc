// An in-memory S3 endpoint for the benches: the subset that ddbsql's codec
// columns, the ledger and the boto3 peers call, served fast enough that the
// client, not the server, is what a bench measures (bench/writes.sh,
// bench/codec_run.sh):
//
//   build/bench/ddbsql_s3_server [--port P] [--max-seconds N]
//
// Listens on 127.0.0.1 (a free port unless --port), prints the port as the
// first line of stdout, and answers path-style requests over HTTP/1.1
// (keep-alive, pipelining, Expect: 100-continue):
//
//   PUT/HEAD/DELETE /BUCKET          create (idempotent), test, delete when empty
//   PUT /BUCKET/KEY                  store; Content-MD5, x-amz-checksum-crc32 and
//                                    -sha256 checked (400 BadDigest); the ETag is the MD5
//   GET/HEAD /BUCKET/KEY             the object (Range: one range, 206), its
//                                    x-amz-meta-*, and with x-amz-checksum-mode:
//                                    ENABLED the checksum it was stored with
//   DELETE /BUCKET/KEY               204 whether or not it existed
//   GET /BUCKET?list-type=2          ListObjectsV2: prefix, delimiter, max-keys,
//                                    start-after, continuation-token
//   POST /BUCKET?delete              DeleteObjects
//
// Anything else (copy, multipart, ListObjects v1, chunked or aws-chunked
// bodies, sub-resources, If-* conditions, server-side encryption headers) is
// a 501 NotImplemented naming what was asked, never a silent success.
// Signatures are accepted without being checked. One thread, epoll; objects
// live in memory until the process exits (SIGTERM, SIGINT, its parent gone,
// or --max-seconds, default 7200).
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench/rig_net.h"
#include "engine/encoding.h"
#include "engine/s3/xml.h"
#include "engine/strings.h"

namespace ddb::rig {
namespace {

constexpr size_t kReadBytes = 256 * 1024;
constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr size_t kMaxBodyBytes = size_t{5} << 30;  // S3's single PUT limit
constexpr int kDefaultMaxKeys = 1000;

struct Object {
  std::string body;
  std::string etag;  // with its quotes
  std::string content_type;
  std::string last_modified_http;  // RFC 7231
  std::string last_modified_iso;   // ListObjectsV2's form
  // x-amz-meta-* and x-amz-checksum-* headers as stored (lower-case names).
  std::vector<std::pair<std::string, std::string>> meta;
  std::vector<std::pair<std::string, std::string>> checksums;
};

using Bucket = std::map<std::string, std::shared_ptr<const Object>>;

struct Request {
  std::string method;
  std::string bucket;
  std::string key;
  std::string raw_target;
  std::vector<std::pair<std::string, std::string>> query;    // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  bool keep_alive = true;

  const std::string* Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return &v;
    }
    return nullptr;
  }
  const std::string* Query(std::string_view name) const {
    for (const auto& [n, v] : query) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

// What goes back: a head (status line and headers) and a body that may be a
// slice of a stored object, shared rather than copied.
struct Response {
  std::string head;
  std::shared_ptr<const Object> object;
  std::string own_body;
  size_t body_begin = 0;
  size_t body_end = 0;
  size_t sent = 0;  // over head then body

  std::string_view Body() const {
    if (object) return std::string_view(object->body).substr(body_begin, body_end - body_begin);
    return own_body;
  }
};

struct Conn {
  Fd fd;
  std::string in;
  size_t scanned = 0;
  bool have_head = false;
  bool sent_continue = false;
  size_t body_needed = 0;
  Request req;
  std::deque<Response> out;
  bool close_after = false;
  uint32_t events = 0;
};

// The text of an XML element's content with the five entities and numeric
// references resolved; false on an unknown entity.
bool XmlUnescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out->push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) return false;
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out->push_back('&');
    else if (ent == "lt")
      out->push_back('<');
    else if (ent == "gt")
      out->push_back('>');
    else if (ent == "quot")
      out->push_back('"');
    else if (ent == "apos")
      out->push_back('\'');
    else if (ent.size() > 1 && ent[0] == '#') {
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      unsigned v = 0;
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
      if (ec != std::errc() || end != digits.data() + digits.size() || v > 0x7f) return false;
      out->push_back(static_cast<char>(v));
    } else {
      return false;
    }
    i = semi;
  }
  return true;
}

std::string FormatTime(time_t t, const char* format) {
  tm parts;
  gmtime_r(&t, &parts);
  char buf[64];
  strftime(buf, sizeof(buf), format, &parts);
  return buf;
}

const char* Reason(int code) {
  switch (code) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    default:
      return "Error";
  }
}

class S3Server {
 public:
  // Listens on `port` (0: any), prints it, serves until `deadline_us` or
  // until the parent goes away.
  Status Run(int port, int64_t deadline_us, int parent);

 private:
  static constexpr uint64_t kListenerTag = ~uint64_t{0};

  void Accept();
  void OnEvent(uint64_t id, uint32_t events);
  // Parses and answers every complete request in c->in; false when the
  // connection must close now.
  bool Process(Conn* c);
  // Parses the head at c->in[0, end); false (with an answer queued) if bad.
  bool ParseHead(Conn* c, size_t end);
  bool Flush(Conn* c);
  void Update(uint64_t id, Conn* c);
  void Close(uint64_t id);

  void Handle(const Request& r, Conn* c);
  void HandleObject(const Request& r, Bucket* b, Conn* c);
  void PutObject(const Request& r, Bucket* b, Conn* c);
  void GetObject(const Request& r, const std::shared_ptr<const Object>& o, Conn* c);
  void ListObjectsV2(const Request& r, const Bucket& b, Conn* c);
  void DeleteObjects(const Request& r, Bucket* b, Conn* c);

  // Queues an answer with `extra` headers ("Name: value\r\n" lines).
  void Answer(Conn* c, const Request& r, int code, std::string extra, std::string body,
              std::string_view content_type = "application/xml");
  void Error(Conn* c, const Request& r, int code, std::string_view s3_code, std::string message);

  Poller poller_;
  Fd listener_;
  uint64_t next_id_ = 1;
  uint64_t next_request_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::map<std::string, Bucket> buckets_;
  std::vector<char> scratch_ = std::vector<char>(kReadBytes);
};

Status S3Server::Run(int port, int64_t deadline_us, int parent) {
  Status s = ListenAndAnnounce(port, &poller_, kListenerTag, &listener_);
  if (!s.ok()) return s;
  epoll_event events[256];
  for (;;) {
    if (NowMicros() >= deadline_us || ParentGone(parent)) return Status::OK();
    int n = epoll_wait(poller_.fd(), events, 256, 1000);
    if (n < 0 && errno != EINTR)
      return Status::IOError(std::string("epoll_wait: ") + strerror(errno));
    for (int i = 0; i < n; ++i) OnEvent(events[i].data.u64, events[i].events);
  }
}

void S3Server::Accept() {
  AcceptAll(listener_.get(), "s3_server", [this](Fd fd) {
    auto c = std::make_unique<Conn>();
    c->fd = std::move(fd);
    c->events = EPOLLIN;
    uint64_t id = next_id_++;
    if (poller_.Add(c->fd.get(), c->events, id).ok()) conns_.emplace(id, std::move(c));
  });
}

void S3Server::OnEvent(uint64_t id, uint32_t events) {
  if (id == kListenerTag) return Accept();
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn* c = it->second.get();
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    ssize_t n = read(c->fd.get(), scratch_.data(), scratch_.size());
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return Close(id);
    if (n > 0) c->in.append(scratch_.data(), static_cast<size_t>(n));
    if (!Process(c)) return Close(id);
  }
  if (!Flush(c)) return Close(id);
  Update(id, c);
}

bool S3Server::Process(Conn* c) {
  for (;;) {
    if (c->close_after) return true;  // nothing more is read on this connection
    if (!c->have_head) {
      size_t from = c->scanned >= 3 ? c->scanned - 3 : 0;
      size_t end = c->in.find("\r\n\r\n", from);
      if (end == std::string::npos) {
        c->scanned = c->in.size();
        if (c->in.size() > kMaxHeadBytes) {
          Request bad;
          bad.keep_alive = false;
          Error(c, bad, 431, "RequestHeaderSectionTooLarge", "request head over 64 KB");
        }
        return true;
      }
      if (!ParseHead(c, end)) return true;
      c->in.erase(0, end + 4);
      c->scanned = 0;
      c->have_head = true;
    }
    // An Expect: 100-continue is answered even for an empty body: botocore
    // reads a final answer in its place as the end of that request and
    // stalls the connection's next one.
    const std::string* expect = c->req.Header("expect");
    if (expect && str::EqualsIgnoreCase(*expect, "100-continue") && !c->sent_continue) {
      c->sent_continue = true;
      Response cont;
      cont.head = "HTTP/1.1 100 Continue\r\n\r\n";
      c->out.push_back(std::move(cont));
    }
    if (c->in.size() < c->body_needed) return true;
    c->req.body = c->in.substr(0, c->body_needed);
    c->in.erase(0, c->body_needed);
    c->have_head = false;
    c->sent_continue = false;
    Request r = std::move(c->req);
    c->req = Request();
    Handle(r, c);
  }
}

bool S3Server::ParseHead(Conn* c, size_t end) {
  Request& r = c->req;
  r = Request();
  std::string_view head(c->in.data(), end);
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) {
    r.keep_alive = false;
    Error(c, r, 400, "BadRequest", "malformed request line");
    return false;
  }
  r.method = std::string(line.substr(0, sp1));
  r.raw_target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (line.substr(sp2 + 1) == "HTTP/1.0") r.keep_alive = false;
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view h = head.substr(pos, eol - pos);
    size_t colon = h.find(':');
    if (colon != std::string_view::npos) {
      r.headers.emplace_back(str::Lower(h.substr(0, colon)),
                             std::string(str::Trim(h.substr(colon + 1))));
    }
    pos = eol + 2;
  }
  if (const std::string* conn = r.Header("connection");
      conn && str::EqualsIgnoreCase(*conn, "close")) {
    r.keep_alive = false;
  }
  c->body_needed = 0;
  if (r.Header("transfer-encoding") != nullptr) {
    r.keep_alive = false;
    Error(c, r, 501, "NotImplemented", "Transfer-Encoding bodies are not supported here");
    return false;
  }
  if (const std::string* len = r.Header("content-length")) {
    auto [p, ec] = std::from_chars(len->data(), len->data() + len->size(), c->body_needed);
    if (ec != std::errc() || p != len->data() + len->size() || c->body_needed > kMaxBodyBytes) {
      r.keep_alive = false;
      Error(c, r, 400, "InvalidArgument", "bad Content-Length: " + *len);
      return false;
    }
  }
  std::string_view target = r.raw_target;
  std::string_view query;
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  std::string path = s3::UrlDecode(target, false);
  while (!query.empty()) {
    std::string_view part = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), part.size() + 1));
    size_t eq = part.find('=');
    r.query.emplace_back(
        s3::UrlDecode(part.substr(0, eq), false),
        eq == std::string_view::npos ? "" : s3::UrlDecode(part.substr(eq + 1), false));
  }
  if (path.empty() || path[0] != '/') {
    r.keep_alive = false;
    Error(c, r, 400, "InvalidURI", "not a path: " + r.raw_target);
    return false;
  }
  size_t slash = path.find('/', 1);
  r.bucket = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  if (slash != std::string::npos) r.key = path.substr(slash + 1);
  return true;
}

void S3Server::Answer(Conn* c, const Request& r, int code, std::string extra, std::string body,
                      std::string_view content_type) {
  Response resp;
  resp.head = "HTTP/1.1 " + std::to_string(code) + " " + Reason(code) + "\r\n";
  resp.head += "x-amz-request-id: " + std::to_string(next_request_++) + "\r\n";
  if (!body.empty()) resp.head += "Content-Type: " + std::string(content_type) + "\r\n";
  if (extra.find("Content-Length:") == std::string::npos) {
    resp.head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  resp.head += extra;
  if (!r.keep_alive) {
    resp.head += "Connection: close\r\n";
    c->close_after = true;
  }
  resp.head += "\r\n";
  if (r.method != "HEAD") resp.own_body = std::move(body);
  c->out.push_back(std::move(resp));
}

void S3Server::Error(Conn* c, const Request& r, int code, std::string_view s3_code,
                     std::string message) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                     std::string(s3_code) + "</Code><Message>" + s3::XmlEscape(message) +
                     "</Message>";
  if (!r.key.empty()) body += "<Key>" + s3::XmlEscape(r.key) + "</Key>";
  if (!r.bucket.empty()) body += "<BucketName>" + s3::XmlEscape(r.bucket) + "</BucketName>";
  body += "</Error>";
  Answer(c, r, code, "", std::move(body));
}

void S3Server::Handle(const Request& r, Conn* c) {
  // Conditions and server-side encryption would change what a request does:
  // refused rather than ignored.
  for (const auto& [name, _] : r.headers) {
    if (name.rfind("if-", 0) == 0 || name.rfind("x-amz-server-side-encryption", 0) == 0) {
      return Error(c, r, 501, "NotImplemented", "the header " + name + " is not served here");
    }
  }
  if (r.bucket.empty()) {
    if (r.method != "GET") return Error(c, r, 501, "NotImplemented", r.method + " /");
    std::string body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult><Buckets>";
    for (const auto& [name, _] : buckets_) {
      body += "<Bucket><Name>" + s3::XmlEscape(name) +
              "</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>";
    }
    body += "</Buckets></ListAllMyBucketsResult>";
    return Answer(c, r, 200, "", std::move(body));
  }
  auto it = buckets_.find(r.bucket);
  if (!r.key.empty()) {
    if (it == buckets_.end()) {
      return Error(c, r, 404, "NoSuchBucket", "The specified bucket does not exist");
    }
    return HandleObject(r, &it->second, c);
  }
  if (r.method == "PUT" && r.query.empty()) {
    buckets_.try_emplace(r.bucket);
    return Answer(c, r, 200, "Location: /" + r.bucket + "\r\n", "");
  }
  if (it == buckets_.end()) {
    return Error(c, r, 404, "NoSuchBucket", "The specified bucket does not exist");
  }
  if (r.method == "HEAD" && r.query.empty()) return Answer(c, r, 200, "", "");
  if (r.method == "DELETE" && r.query.empty()) {
    if (!it->second.empty()) {
      return Error(c, r, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
    }
    buckets_.erase(it);
    return Answer(c, r, 204, "", "");
  }
  const std::string* list_type = r.Query("list-type");
  if (r.method == "GET" && list_type && *list_type == "2") return ListObjectsV2(r, it->second, c);
  if (r.method == "POST" && r.Query("delete")) return DeleteObjects(r, &it->second, c);
  Error(c, r, 501, "NotImplemented", r.method + " " + r.raw_target + " is not served here");
}

void S3Server::HandleObject(const Request& r, Bucket* b, Conn* c) {
  for (const auto& [name, _] : r.query) {
    if (name != "x-id") {  // botocore names the operation in x-id
      return Error(c, r, 501, "NotImplemented",
                   r.method + " with ?" + name + " is not served here (" + r.raw_target + ")");
    }
  }
  if (r.method == "PUT") return PutObject(r, b, c);
  if (r.method == "DELETE") {
    b->erase(r.key);
    return Answer(c, r, 204, "", "");
  }
  if (r.method != "GET" && r.method != "HEAD") {
    return Error(c, r, 501, "NotImplemented", r.method + " of an object is not served here");
  }
  auto it = b->find(r.key);
  if (it == b->end()) return Error(c, r, 404, "NoSuchKey", "The specified key does not exist.");
  GetObject(r, it->second, c);
}

void S3Server::PutObject(const Request& r, Bucket* b, Conn* c) {
  if (r.Header("x-amz-copy-source")) {
    return Error(c, r, 501, "NotImplemented", "CopyObject is not served here");
  }
  if (const std::string* enc = r.Header("content-encoding");
      enc && enc->find("aws-chunked") != std::string::npos) {
    return Error(c, r, 501, "NotImplemented", "aws-chunked bodies are not served here");
  }
  auto o = std::make_shared<Object>();
  o->body = r.body;
  std::string md5 = Md5(o->body);
  if (const std::string* sent = r.Header("content-md5"); sent && *sent != Base64Encode(md5)) {
    return Error(c, r, 400, "BadDigest", "The Content-MD5 you specified did not match");
  }
  for (const auto& [name, value] : r.headers) {
    if (name.rfind("x-amz-meta-", 0) == 0) o->meta.emplace_back(name, value);
    if (name == "x-amz-checksum-crc32") {
      uint32_t crc = Crc32(o->body);
      char be[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                    static_cast<char>(crc >> 8), static_cast<char>(crc)};
      if (value != Base64Encode(std::string_view(be, 4))) {
        return Error(c, r, 400, "BadDigest", "The CRC32 you specified did not match");
      }
      o->checksums.emplace_back(name, value);
    } else if (name == "x-amz-checksum-sha256") {
      if (value != Base64Encode(Sha256(o->body))) {
        return Error(c, r, 400, "BadDigest", "The SHA256 you specified did not match");
      }
      o->checksums.emplace_back(name, value);
    } else if (name.rfind("x-amz-checksum-", 0) == 0 && name != "x-amz-checksum-algorithm") {
      return Error(c, r, 501, "NotImplemented", name + " is not checked here");
    }
  }
  const std::string* type = r.Header("content-type");
  o->content_type = type ? *type : "binary/octet-stream";
  o->etag = "\"" + HexEncode(md5) + "\"";
  time_t now = time(nullptr);
  o->last_modified_http = FormatTime(now, "%a, %d %b %Y %H:%M:%S GMT");
  o->last_modified_iso = FormatTime(now, "%Y-%m-%dT%H:%M:%S.000Z");
  std::string extra = "ETag: " + o->etag + "\r\n";
  for (const auto& [name, value] : o->checksums) extra += name + ": " + value + "\r\n";
  (*b)[r.key] = std::move(o);
  Answer(c, r, 200, std::move(extra), "");
}

void S3Server::GetObject(const Request& r, const std::shared_ptr<const Object>& o, Conn* c) {
  size_t size = o->body.size();
  size_t begin = 0, end = size;
  int code = 200;
  std::string extra = "ETag: " + o->etag + "\r\nLast-Modified: " + o->last_modified_http +
                      "\r\nContent-Type: " + o->content_type + "\r\nAccept-Ranges: bytes\r\n";
  for (const auto& [name, value] : o->meta) extra += name + ": " + value + "\r\n";
  if (const std::string* range = r.Header("range")) {
    std::string_view spec = *range;
    bool ok = spec.rfind("bytes=", 0) == 0 && spec.find(',') == std::string_view::npos;
    spec.remove_prefix(std::min<size_t>(6, spec.size()));
    size_t dash = spec.find('-');
    ok = ok && dash != std::string_view::npos;
    size_t first = 0, last = size == 0 ? 0 : size - 1;
    auto number = [](std::string_view t, size_t* v) {
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *v);
      return ec == std::errc() && p == t.data() + t.size();
    };
    if (ok && dash == 0) {  // the last N bytes
      size_t n = 0;
      ok = number(spec.substr(1), &n) && n > 0;
      first = n >= size ? 0 : size - n;
    } else if (ok) {
      ok = number(spec.substr(0, dash), &first);
      if (ok && dash + 1 < spec.size()) {
        ok = number(spec.substr(dash + 1), &last) && last >= first;
        last = std::min(last, size == 0 ? 0 : size - 1);
      }
    }
    if (!ok) return Error(c, r, 501, "NotImplemented", "Range " + *range + " is not served here");
    if (first >= size) {
      return Error(c, r, 416, "InvalidRange", "The requested range is not satisfiable");
    }
    begin = first;
    end = last + 1;
    code = 206;
    extra += "Content-Range: bytes " + std::to_string(begin) + "-" + std::to_string(end - 1) + "/" +
             std::to_string(size) + "\r\n";
  } else if (const std::string* mode = r.Header("x-amz-checksum-mode");
             mode && str::EqualsIgnoreCase(*mode, "ENABLED")) {
    for (const auto& [name, value] : o->checksums) extra += name + ": " + value + "\r\n";
    if (!o->checksums.empty()) extra += "x-amz-checksum-type: FULL_OBJECT\r\n";
  }
  extra += "Content-Length: " + std::to_string(end - begin) + "\r\n";
  Answer(c, r, code, std::move(extra), "");
  if (r.method == "GET") {
    Response& resp = c->out.back();
    resp.object = o;
    resp.body_begin = begin;
    resp.body_end = end;
  }
}

void S3Server::ListObjectsV2(const Request& r, const Bucket& b, Conn* c) {
  auto param = [&](std::string_view name) {
    const std::string* v = r.Query(name);
    return v ? *v : std::string();
  };
  std::string prefix = param("prefix"), delimiter = param("delimiter");
  std::string start_after = param("start-after"), token = param("continuation-token");
  int max_keys = kDefaultMaxKeys;
  if (const std::string* mk = r.Query("max-keys")) {
    auto [p, ec] = std::from_chars(mk->data(), mk->data() + mk->size(), max_keys);
    if (ec != std::errc() || p != mk->data() + mk->size() || max_keys < 0) {
      return Error(c, r, 400, "InvalidArgument", "bad max-keys: " + *mk);
    }
    max_keys = std::min(max_keys, kDefaultMaxKeys);
  }
  // The continuation token is the last key (or common prefix) listed, in hex.
  std::string after = start_after;
  if (!token.empty()) {
    after.clear();
    for (size_t i = 0; i + 1 < token.size(); i += 2) {
      int v = 0;
      auto [p, ec] = std::from_chars(token.data() + i, token.data() + i + 2, v, 16);
      if (ec != std::errc() || p != token.data() + i + 2) {
        return Error(c, r, 400, "InvalidArgument", "The continuation token provided is incorrect");
      }
      after.push_back(static_cast<char>(v));
    }
  }
  auto it = after.empty() ? b.lower_bound(prefix) : b.upper_bound(after);
  if (it != b.end() && it->first < prefix) it = b.lower_bound(prefix);
  // A common prefix ends with the delimiter; every key under it was listed.
  if (!after.empty() && !delimiter.empty() && after.size() >= delimiter.size() &&
      after.compare(after.size() - delimiter.size(), delimiter.size(), delimiter) == 0) {
    while (it != b.end() && it->first.rfind(after, 0) == 0) ++it;
  }
  std::string contents, prefixes, last;
  int count = 0;
  bool truncated = false;
  while (it != b.end() && it->first.rfind(prefix, 0) == 0) {
    if (count == max_keys) {
      truncated = true;
      break;
    }
    size_t d = delimiter.empty() ? std::string::npos : it->first.find(delimiter, prefix.size());
    if (d != std::string::npos) {
      std::string common = it->first.substr(0, d + delimiter.size());
      prefixes += "<CommonPrefixes><Prefix>" + s3::XmlEscape(common) + "</Prefix></CommonPrefixes>";
      while (it != b.end() && it->first.rfind(common, 0) == 0) ++it;
      last = std::move(common);
    } else {
      const Object& o = *it->second;
      contents += "<Contents><Key>" + s3::XmlEscape(it->first) + "</Key><LastModified>" +
                  o.last_modified_iso + "</LastModified><ETag>" + s3::XmlEscape(o.etag) +
                  "</ETag><Size>" + std::to_string(o.body.size()) +
                  "</Size><StorageClass>STANDARD</StorageClass></Contents>";
      last = it->first;
      ++it;
    }
    ++count;
  }
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" +
      s3::XmlEscape(r.bucket) + "</Name><Prefix>" + s3::XmlEscape(prefix) + "</Prefix><KeyCount>" +
      std::to_string(count) + "</KeyCount><MaxKeys>" + std::to_string(max_keys) + "</MaxKeys>";
  if (!delimiter.empty()) body += "<Delimiter>" + s3::XmlEscape(delimiter) + "</Delimiter>";
  body += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
  if (!token.empty()) body += "<ContinuationToken>" + s3::XmlEscape(token) + "</ContinuationToken>";
  if (truncated) body += "<NextContinuationToken>" + HexEncode(last) + "</NextContinuationToken>";
  if (!start_after.empty()) body += "<StartAfter>" + s3::XmlEscape(start_after) + "</StartAfter>";
  body += contents + prefixes + "</ListBucketResult>";
  Answer(c, r, 200, "", std::move(body));
}

void S3Server::DeleteObjects(const Request& r, Bucket* b, Conn* c) {
  std::string_view xml = r.body;
  bool quiet = xml.find("<Quiet>true</Quiet>") != std::string_view::npos;
  std::string result = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult>";
  size_t pos = 0;
  for (;;) {
    size_t open = xml.find("<Key>", pos);
    if (open == std::string_view::npos) break;
    size_t close = xml.find("</Key>", open);
    if (close == std::string_view::npos) {
      return Error(c, r, 400, "MalformedXML", "a <Key> is not closed");
    }
    std::string key;
    if (!XmlUnescape(xml.substr(open + 5, close - open - 5), &key)) {
      return Error(c, r, 400, "MalformedXML", "an entity in a <Key> is not understood");
    }
    b->erase(key);
    if (!quiet) result += "<Deleted><Key>" + s3::XmlEscape(key) + "</Key></Deleted>";
    pos = close + 6;
  }
  result += "</DeleteResult>";
  Answer(c, r, 200, "", std::move(result));
}

bool S3Server::Flush(Conn* c) {
  while (!c->out.empty()) {
    Response& resp = c->out.front();
    std::string_view body = resp.Body();
    size_t total = resp.head.size() + body.size();
    iovec iov[2];
    int n_iov = 0;
    if (resp.sent < resp.head.size()) {
      iov[n_iov++] = {resp.head.data() + resp.sent, resp.head.size() - resp.sent};
      if (!body.empty()) iov[n_iov++] = {const_cast<char*>(body.data()), body.size()};
    } else {
      size_t off = resp.sent - resp.head.size();
      iov[n_iov++] = {const_cast<char*>(body.data()) + off, body.size() - off};
    }
    ssize_t n = writev(c->fd.get(), iov, n_iov);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    resp.sent += static_cast<size_t>(n);
    if (resp.sent < total) return true;
    c->out.pop_front();
  }
  return true;
}

void S3Server::Update(uint64_t id, Conn* c) {
  if (c->close_after && c->out.empty()) return Close(id);
  uint32_t want = c->close_after ? 0u : static_cast<uint32_t>(EPOLLIN);
  if (!c->out.empty()) want |= EPOLLOUT;
  if (want != c->events) {
    c->events = want;
    poller_.Modify(c->fd.get(), want, id);
  }
}

void S3Server::Close(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  poller_.Remove(it->second->fd.get());
  conns_.erase(it);
}

int Main(int argc, char** argv) {
  int parent = DieWithParent();
  long long port = 0, max_seconds = 7200;
  if (!ParseArgs(argc, argv, {{"--port", &port}, {"--max-seconds", &max_seconds}}, nullptr)) {
    std::fprintf(stderr, "usage: ddbsql_s3_server [--port P] [--max-seconds N]\n");
    return 2;
  }
  S3Server server;
  Status s = server.Run(static_cast<int>(port), NowMicros() + max_seconds * 1000000, parent);
  if (!s.ok()) {
    std::fprintf(stderr, "ddbsql_s3_server: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace ddb::rig

int main(int argc, char** argv) { return ddb::rig::Main(argc, argv); }
