// s3_get, gunzip, zstd_decompress and decrypt: see codec_functions.h.
#include "vtab/codec_functions.h"

#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/codec/codec.h"

namespace ddb::vtab {
namespace {

// State shared by the functions of one registration; owned by SQLite (one
// reference per function, released by xDestroy).
struct FunctionState {
  CodecFunctionSources sources;
  std::unique_ptr<codec::Codec> gzip = codec::NewGzipCodec();
  std::unique_ptr<codec::Codec> zstd = codec::NewZstdCodec();
  std::mutex mu;  // guards ciphers
  // decrypt()'s codecs by scheme and key reference, so that a key (and a
  // password's scrypt derivation) is worked out once per session.
  std::map<std::string, std::shared_ptr<const codec::Codec>> ciphers;
};

using SharedState = std::shared_ptr<FunctionState>;

FunctionState& State(sqlite3_context* ctx) {
  return **static_cast<SharedState*>(sqlite3_user_data(ctx));
}

// A Context for a loose value, with the session's decoded-value limit.
codec::Context DecodeContext(const FunctionState& st) {
  codec::Context context;
  if (st.sources.max_decoded_bytes) context.max_decoded_bytes = st.sources.max_decoded_bytes();
  return context;
}

void ResultError(sqlite3_context* ctx, const char* fn, const Status& s) {
  std::string msg = std::string(fn) + "(): " + s.ToString();
  sqlite3_result_error(ctx, msg.c_str(), static_cast<int>(msg.size()));
}

std::string_view BlobArg(sqlite3_value* v) {
  const void* p = sqlite3_value_blob(v);
  int n = sqlite3_value_bytes(v);
  return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), n);
}

std::string TextArg(sqlite3_value* v) {
  const unsigned char* p = sqlite3_value_text(v);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}

void ResultBlob(sqlite3_context* ctx, const std::string& bytes) {
  sqlite3_result_blob64(ctx, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
}

// s3_get(uri): the object's bytes.
void S3GetFunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  FunctionState& st = State(ctx);
  codec::S3Resolver* resolver = st.sources.resolver ? st.sources.resolver() : nullptr;
  if (resolver == nullptr) {
    std::string why = "S3 is not available";
    if (!st.sources.no_s3_reason.empty()) why += " (" + st.sources.no_s3_reason + ")";
    return ResultError(ctx, "s3_get", Status::NotSupported(why));
  }
  std::shared_ptr<const std::string> body;
  Status s = resolver->Get(TextArg(argv[0]), &body);
  if (!s.ok()) return ResultError(ctx, "s3_get", s);
  sqlite3_result_blob64(ctx, body->data(), body->size(), SQLITE_TRANSIENT);
}

void Decompress(sqlite3_context* ctx, sqlite3_value* arg, const codec::Codec& codec,
                const char* fn) {
  if (sqlite3_value_type(arg) == SQLITE_NULL) return sqlite3_result_null(ctx);
  std::string out;
  Status s = codec.Decode(DecodeContext(State(ctx)), BlobArg(arg), &out);
  if (!s.ok()) return ResultError(ctx, fn, s);
  ResultBlob(ctx, out);
}

void GunzipFunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  Decompress(ctx, argv[0], *State(ctx).gzip, "gunzip");
}

void ZstdDecompressFunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  Decompress(ctx, argv[0], *State(ctx).zstd, "zstd_decompress");
}

// The item key of decrypt()'s 6th argument: {"pk": "a", "sk": 3}.
Status ParseItemKey(const std::string& text, std::vector<codec::KeyAttribute>* key) {
  auto doc = nlohmann::ordered_json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("the item key must be a JSON object such as {\"pk\": \"a\"}");
  }
  for (const auto& [name, v] : doc.items()) {
    if (v.is_string()) {
      key->push_back({name, dynamodb::AttributeValue::S(v.get<std::string>())});
    } else if (v.is_number()) {
      key->push_back({name, dynamodb::AttributeValue::N(v.dump())});
    } else {
      return Status::InvalidArgument("item key attribute \"" + name +
                                     "\" must be a string or a number");
    }
  }
  return Status::OK();
}

Status CipherFor(FunctionState& st, const std::string& scheme_name, const std::string& key_ref,
                 std::shared_ptr<const codec::Codec>* out) {
  codec::Scheme scheme;
  Status s = codec::ParseScheme(scheme_name, &scheme);
  if (!s.ok()) return s;
  codec::KeyRef ref;
  s = codec::KeyRef::Parse(key_ref, &ref);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(st.mu);
  std::string id = scheme_name + "\n" + ref.Spec();
  auto it = st.ciphers.find(id);
  if (it == st.ciphers.end()) {
    it = st.ciphers.emplace(id, codec::NewCipherCodec(scheme, ref, st.sources.keys)).first;
  }
  *out = it->second;
  return Status::OK();
}

// decrypt(blob, scheme, key_ref [, table, column, key_json])
void DecryptFunc(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  FunctionState& st = State(ctx);
  std::shared_ptr<const codec::Codec> cipher;
  Status s = CipherFor(st, TextArg(argv[1]), TextArg(argv[2]), &cipher);
  if (!s.ok()) return ResultError(ctx, "decrypt", s);
  codec::Context context = DecodeContext(st);
  if (argc == 6) {
    context.table = TextArg(argv[3]);
    context.attribute = TextArg(argv[4]);
    s = ParseItemKey(TextArg(argv[5]), &context.key);
    if (!s.ok()) return ResultError(ctx, "decrypt", s);
  }
  std::string out;
  s = cipher->Decode(context, BlobArg(argv[0]), &out);
  if (!s.ok()) return ResultError(ctx, "decrypt", s);
  ResultBlob(ctx, out);
  codec::Wipe(&out);
}

void DestroyState(void* p) { std::unique_ptr<SharedState> owned(static_cast<SharedState*>(p)); }

}  // namespace

Status RegisterCodecFunctions(sqlite3* db, CodecFunctionSources sources) {
  auto state = std::make_shared<FunctionState>();
  state->sources = std::move(sources);
  if (!state->sources.keys) state->sources.keys = std::make_shared<codec::KeyStore>();
  using Fn = void (*)(sqlite3_context*, int, sqlite3_value**);
  struct Def {
    const char* name;
    int argc;
    Fn fn;
    bool deterministic;
  };
  const Def defs[] = {
      {"s3_get", 1, S3GetFunc, false},
      {"gunzip", 1, GunzipFunc, true},
      {"zstd_decompress", 1, ZstdDecompressFunc, true},
      {"decrypt", 3, DecryptFunc, false},
      {"decrypt", 6, DecryptFunc, false},
  };
  for (const Def& d : defs) {
    int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY | (d.deterministic ? SQLITE_DETERMINISTIC : 0);
    auto holder = std::make_unique<SharedState>(state);
    int rc = sqlite3_create_function_v2(db, d.name, d.argc, flags, holder.get(), d.fn, nullptr,
                                        nullptr, DestroyState);
    // SQLite calls xDestroy itself when registration fails.
    holder.release();
    if (rc != SQLITE_OK) {
      return Status::IOError(std::string("sqlite: ") + d.name + ": " + sqlite3_errmsg(db));
    }
  }
  return Status::OK();
}

}  // namespace ddb::vtab
