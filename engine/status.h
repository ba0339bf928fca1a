// Status: the outcome of an engine operation, LevelDB style. Engine code never
// throws across its public API; callers test `ok()` and propagate:
//
//   Status s = client.GetItem(req, &out);
//   if (!s.ok()) return s;
//
// Besides a code and a message, a Status may carry the AWS error code
// ("ResourceNotFoundException"), the HTTP status and whether it is worth
// retrying, so that the retry layer and the shell can act on them.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace ddb {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,         // a table, object, profile or file that does not exist
    kInvalidArgument,  // bad input from the user: SQL, flag, URL, value
    kIOError,          // local files
    kTransport,        // connection refused, reset, timeout, DNS, TLS
    kAwsError,         // the service answered with an error document
    kCorruption,       // a response we cannot parse, a CRC mismatch
    kNotSupported,
    kCancelled,  // the user pressed Ctrl-C
    kNoCredentials,
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Transport(std::string msg) { return Status(Code::kTransport, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status NotSupported(std::string msg) {
    return Status(Code::kNotSupported, std::move(msg));
  }
  static Status Cancelled(std::string msg = "interrupted") {
    return Status(Code::kCancelled, std::move(msg));
  }
  static Status NoCredentials(std::string msg) {
    return Status(Code::kNoCredentials, std::move(msg));
  }
  // An error document from an AWS service: `aws_code` is its short code
  // ("ThrottlingException"), `msg` its message, `http_status` the HTTP status.
  static Status AwsError(std::string aws_code, std::string msg, int http_status) {
    Status s(Code::kAwsError, std::move(msg));
    s.aws_code_ = std::move(aws_code);
    s.http_status_ = http_status;
    return s;
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCancelled() const { return code_ == Code::kCancelled; }
  const std::string& message() const { return message_; }
  const std::string& aws_code() const { return aws_code_; }
  int http_status() const { return http_status_; }

  // Returns a copy that says what the failed operation was about: contexts
  // stack outermost first ("table orders: ...").
  Status WithContext(std::string_view context) const {
    Status s = *this;
    s.context_ = context_.empty() ? std::string(context) : std::string(context) + ": " + context_;
    return s;
  }
  // Returns a copy with `note` appended to the message ("... (after 3 attempts)").
  Status WithNote(std::string_view note) const {
    Status s = *this;
    s.message_ += " (" + std::string(note) + ")";
    return s;
  }
  const std::string& context() const { return context_; }

  // Returns a copy marked as a failure to obtain what the operation needed
  // (a service unreachable, throttled or refusing; a key, or the store that
  // holds it, that cannot be read) rather than a finding about the data it
  // was given: a caller that may skip bad data (`.verify warn`) stops on
  // it instead. WithContext and WithNote keep the mark.
  Status AsUnavailable() const {
    Status s = *this;
    s.unavailable_ = !ok();
    return s;
  }
  // True for AsUnavailable's copies.
  bool IsUnavailable() const { return unavailable_; }

  // "context: AwsCode: message"; parts that are empty are left out.
  std::string ToString() const {
    if (ok()) return "OK";
    std::string out = context_.empty() ? std::string() : context_ + ": ";
    if (!aws_code_.empty()) out += aws_code_ + ": ";
    return out + message_;
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
  std::string context_;
  std::string aws_code_;
  int http_status_ = 0;
  bool unavailable_ = false;
};

}  // namespace ddb
