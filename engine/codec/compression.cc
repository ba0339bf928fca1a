// gzip, zlib and zstd codecs over zlib and libzstd; gzip values decode with
// libdeflate first (whole-buffer, about twice zlib's speed), zlib being the
// reference for everything libdeflate does not finish.
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "engine/codec/codec.h"

namespace ddb::codec {
namespace {

// Decompressed output is capped at Context::max_decoded_bytes
// (kDefaultMaxDecodedBytes, codec.h) so that a hostile value cannot exhaust
// memory: a value that would grow past it fails with TooLarge below, while
// the output buffer never holds more than the limit and one step of growth.
// Size hints from the data itself (gzip's ISIZE, zstd's frame content size)
// are trusted for one allocation up to this much, or up to what the format's
// best ratio allows for the input; beyond, output grows as it comes.
constexpr size_t kMaxTrustedHint = size_t{64} << 20;
constexpr size_t kMaxDeflateRatio = 1032;

// "gzip: decompressed value larger than the limit of 64 MiB": Corruption, as
// for any value that is not what its codec writes.
Status TooLarge(std::string_view name, size_t limit) {
  std::string size = limit % (size_t{1} << 20) == 0 ? std::to_string(limit >> 20) + " MiB"
                                                    : std::to_string(limit) + " bytes";
  return Status::Corruption(std::string(name) + ": decompressed value larger than the limit of " +
                            size);
}

// zlib's windowBits for each container: raw deflate inside our own gzip
// framing, zlib (RFC 1950), and gzip (RFC 1952) for decoding.
constexpr int kRawDeflate = -15;
constexpr int kZlibFormat = 15;
constexpr int kGzipFormat = 16 + 15;

// RAII for a z_stream set up for deflate or inflate.
class ZStream {
 public:
  enum class Mode { kDeflate, kInflate };
  explicit ZStream(Mode mode) : mode_(mode) { std::memset(&z_, 0, sizeof(z_)); }
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;
  ~ZStream() {
    if (!initialized_) return;
    if (mode_ == Mode::kDeflate) {
      deflateEnd(&z_);
    } else {
      inflateEnd(&z_);
    }
  }

  bool InitDeflate(int level, int window_bits) {
    initialized_ = deflateInit2(&z_, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    return initialized_;
  }
  bool InitInflate(int window_bits) {
    initialized_ = inflateInit2(&z_, window_bits) == Z_OK;
    return initialized_;
  }
  z_stream* get() { return &z_; }

 private:
  Mode mode_;
  bool initialized_ = false;
  z_stream z_;
};

Status Deflate(std::string_view name, int level, int window_bits, std::string_view in,
               std::string* out) {
  ZStream z(ZStream::Mode::kDeflate);
  if (in.size() > UINT_MAX || !z.InitDeflate(level, window_bits)) {
    return Status::InvalidArgument(std::string(name) + ": cannot compress this value");
  }
  z_stream* s = z.get();
  size_t start = out->size();
  out->resize(start + deflateBound(s, static_cast<uLong>(in.size())));
  s->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s->avail_in = static_cast<uInt>(in.size());
  s->next_out = reinterpret_cast<Bytef*>(out->data() + start);
  s->avail_out = static_cast<uInt>(out->size() - start);
  int rc = deflate(s, Z_FINISH);
  if (rc != Z_STREAM_END) {
    return Status::Corruption(std::string(name) + ": compression failed");
  }
  out->resize(start + s->total_out);
  return Status::OK();
}

// Inflates one stream (zlib or gzip member) starting at *pos; on return *pos
// is past its end. `size_hint` reserves output. All of *out (earlier members
// included) stays within `limit` bytes.
Status InflateOne(std::string_view name, int window_bits, std::string_view in, size_t* pos,
                  size_t size_hint, size_t limit, std::string* out) {
  ZStream z(ZStream::Mode::kInflate);
  if (!z.InitInflate(window_bits)) {
    return Status::Corruption(std::string(name) + ": cannot start decompression");
  }
  z_stream* s = z.get();
  std::string_view rest = in.substr(*pos);
  if (rest.size() > UINT_MAX)
    return Status::InvalidArgument(std::string(name) + ": value too large");
  s->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(rest.data()));
  s->avail_in = static_cast<uInt>(rest.size());
  size_t start = out->size();
  if (start > limit) return TooLarge(name, limit);
  // One byte past the limit tells a value of exactly `limit` bytes from a
  // larger one.
  size_t cap = limit - start < SIZE_MAX ? limit - start + 1 : SIZE_MAX;
  size_t produced = 0;
  out->resize(start +
              std::min(cap, std::max<size_t>(size_hint, std::max<size_t>(rest.size() * 3, 256))));
  for (;;) {
    size_t room = std::min<size_t>(out->size() - start - produced, UINT_MAX);
    s->next_out = reinterpret_cast<Bytef*>(out->data() + start + produced);
    s->avail_out = static_cast<uInt>(room);
    int rc = inflate(s, Z_NO_FLUSH);
    produced += room - s->avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK || rc == Z_BUF_ERROR) {
      if (s->avail_out == 0) {
        size_t have = out->size() - start;
        if (have >= cap) return TooLarge(name, limit);
        out->resize(start + std::min(have * 2, cap));
        continue;
      }
      if (s->avail_in == 0 || rc == Z_BUF_ERROR) {
        return Status::Corruption(std::string(name) + ": truncated data");
      }
      continue;
    }
    std::string msg = s->msg ? s->msg : "invalid data";
    return Status::Corruption(std::string(name) + ": not valid " + std::string(name) + " data (" +
                              msg + ")");
  }
  if (produced >= cap) return TooLarge(name, limit);
  out->resize(start + produced);
  *pos += rest.size() - s->avail_in;
  return Status::OK();
}

struct LibdeflateDecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// gzip's FLG bit for a header CRC-16: libdeflate skips it unchecked where
// zlib checks it, so such members go to zlib.
constexpr unsigned char kGzipFlagHeaderCrc = 0x02;

// Decodes the first gzip member of `stored` with libdeflate into *out if that
// member's plain bytes fit in `room` bytes; *pos is then past the member.
// Returns false (and *out, *pos as they were) for anything else: a member
// larger than `room` (a lying or multi-member ISIZE, or one over the limit),
// damaged data, a header CRC. The caller then decodes with zlib, whose
// results and errors stay the reference: libdeflate only ever shortens the
// way to the same bytes.
bool InflateFirstGzipMember(std::string_view stored, size_t room, size_t* pos, std::string* out) {
  if (static_cast<unsigned char>(stored[3]) & kGzipFlagHeaderCrc) return false;
  std::unique_ptr<libdeflate_decompressor, LibdeflateDecompressorFree> d(
      libdeflate_alloc_decompressor());
  if (d == nullptr) return false;
  std::string plain(room, '\0');
  size_t in_used = 0;
  size_t out_used = 0;
  if (libdeflate_gzip_decompress_ex(d.get(), stored.data(), stored.size(), plain.data(),
                                    plain.size(), &in_used, &out_used) != LIBDEFLATE_SUCCESS) {
    return false;
  }
  plain.resize(out_used);
  *out = std::move(plain);
  *pos = in_used;
  return true;
}

class GzipCodec : public Codec {
 public:
  explicit GzipCodec(int level) : level_(level) {}
  std::string_view name() const override { return "gzip"; }
  // Our output is repeatable, but other writers' is not (levels, gzip's
  // mtime): equal values need not have equal stored forms.
  bool deterministic() const override { return false; }

  // Header as Python's gzip.compress writes it (mtime 0 here), raw deflate,
  // CRC-32 and size little-endian.
  Status Encode(const Context&, std::string_view plain, std::string* out) const override {
    char xfl = level_ == 9 ? 2 : (level_ == 1 ? 4 : 0);
    out->assign({'\x1f', '\x8b', '\x08', '\0', '\0', '\0', '\0', '\0', xfl, '\xff'});
    Status s = Deflate("gzip", level_, kRawDeflate, plain, out);
    if (!s.ok()) return s;
    uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(plain.data()), static_cast<uInt>(plain.size())));
    AppendLe32(crc, out);
    AppendLe32(static_cast<uint32_t>(plain.size()), out);
    return Status::OK();
  }

  // One or more members, as Python's gzip.decompress accepts.
  Status Decode(const Context& ctx, std::string_view stored, std::string* out) const override {
    out->clear();
    if (stored.size() < 18 || stored[0] != '\x1f' || stored[1] != '\x8b') {
      return Status::Corruption("gzip: not gzip data (no gzip header)");
    }
    // ISIZE of a single member is the plain size mod 2^32: a reservation hint.
    // Capped, since a damaged or hostile trailer may claim anything.
    size_t hint = std::min<size_t>({ReadLe32(stored.substr(stored.size() - 4)),
                                    stored.size() * kMaxDeflateRatio + 1024, kMaxTrustedHint});
    size_t pos = 0;
    // The first member in one call when ISIZE is honest and within the limit
    // (room for ISIZE bytes only: a value over the limit, or a first member
    // larger than it claims, fails here and zlib below decides).
    if (InflateFirstGzipMember(stored, std::min(hint, ctx.max_decoded_bytes), &pos, out)) {
      hint = 0;
      size_t next = stored.find_first_not_of('\0', pos);
      if (next == std::string_view::npos) return Status::OK();
      pos = next;
    }
    while (pos < stored.size()) {
      Status s = InflateOne("gzip", kGzipFormat, stored, &pos, hint, ctx.max_decoded_bytes, out);
      if (!s.ok()) return s;
      hint = 0;
      // Python ignores trailing zero padding after a member.
      size_t next = stored.find_first_not_of('\0', pos);
      if (next == std::string_view::npos) break;
      pos = next;
    }
    return Status::OK();
  }

 private:
  static void AppendLe32(uint32_t v, std::string* out) {
    for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  static uint32_t ReadLe32(std::string_view b) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }
  int level_;
};

class ZlibCodec : public Codec {
 public:
  explicit ZlibCodec(int level) : level_(level) {}
  std::string_view name() const override { return "zlib"; }
  // Our output is repeatable, but other writers' is not (levels, gzip's
  // mtime): equal values need not have equal stored forms.
  bool deterministic() const override { return false; }
  Status Encode(const Context&, std::string_view plain, std::string* out) const override {
    out->clear();
    return Deflate("zlib", level_, kZlibFormat, plain, out);
  }
  Status Decode(const Context& ctx, std::string_view stored, std::string* out) const override {
    out->clear();
    if (stored.size() < 2 || (static_cast<unsigned char>(stored[0]) & 0x0f) != 8 ||
        ((static_cast<unsigned char>(stored[0]) << 8) | static_cast<unsigned char>(stored[1])) %
                31 !=
            0) {
      return Status::Corruption("zlib: not zlib data (no zlib header)");
    }
    size_t pos = 0;
    Status s = InflateOne("zlib", kZlibFormat, stored, &pos, 0, ctx.max_decoded_bytes, out);
    if (!s.ok()) return s;
    if (pos != stored.size()) return Status::Corruption("zlib: trailing bytes after the data");
    return Status::OK();
  }

 private:
  int level_;
};

struct ZstdCCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

class ZstdCodec : public Codec {
 public:
  explicit ZstdCodec(int level) : level_(level) {}
  std::string_view name() const override { return "zstd"; }
  // Our output is repeatable, but other writers' is not (levels, gzip's
  // mtime): equal values need not have equal stored forms.
  bool deterministic() const override { return false; }

  Status Encode(const Context&, std::string_view plain, std::string* out) const override {
    std::unique_ptr<ZSTD_CCtx, ZstdCCtxFree> cctx(ZSTD_createCCtx());
    if (!cctx) return Status::IOError("zstd: out of memory");
    out->resize(ZSTD_compressBound(plain.size()));
    size_t n =
        ZSTD_compressCCtx(cctx.get(), out->data(), out->size(), plain.data(), plain.size(), level_);
    if (ZSTD_isError(n)) {
      return Status::Corruption(std::string("zstd: compression failed (") + ZSTD_getErrorName(n) +
                                ")");
    }
    out->resize(n);
    return Status::OK();
  }

  Status Decode(const Context& ctx, std::string_view stored, std::string* out) const override {
    out->clear();
    const size_t limit = ctx.max_decoded_bytes;
    if (stored.size() < 4 || std::memcmp(stored.data(), "\x28\xb5\x2f\xfd", 4) != 0) {
      return Status::Corruption("zstd: not zstd data (no zstd frame header)");
    }
    std::unique_ptr<ZSTD_DCtx, ZstdDCtxFree> dctx(ZSTD_createDCtx());
    if (!dctx) return Status::IOError("zstd: out of memory");
    unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
    if (size == ZSTD_CONTENTSIZE_ERROR) return Status::Corruption("zstd: not valid zstd data");
    if (size != ZSTD_CONTENTSIZE_UNKNOWN && size > limit) return TooLarge("zstd", limit);
    if (size != ZSTD_CONTENTSIZE_UNKNOWN && size <= kMaxTrustedHint &&
        ZSTD_findFrameCompressedSize(stored.data(), stored.size()) == stored.size()) {
      out->resize(size);
      size_t n =
          ZSTD_decompressDCtx(dctx.get(), out->data(), out->size(), stored.data(), stored.size());
      if (ZSTD_isError(n)) return Error(n);
      out->resize(n);
      return Status::OK();
    }
    // Streaming: unknown size or several frames.
    ZSTD_inBuffer in{stored.data(), stored.size(), 0};
    size_t chunk = ZSTD_DStreamOutSize();
    size_t last = 1;
    while (in.pos < in.size) {
      if (out->size() > limit) return TooLarge("zstd", limit);
      size_t used = out->size();
      out->resize(used + chunk);
      ZSTD_outBuffer o{out->data() + used, chunk, 0};
      last = ZSTD_decompressStream(dctx.get(), &o, &in);
      out->resize(used + o.pos);
      if (ZSTD_isError(last)) return Error(last);
    }
    if (last != 0) {
      // Flush what the decoder still holds.
      for (;;) {
        size_t used = out->size();
        out->resize(used + chunk);
        ZSTD_outBuffer o{out->data() + used, chunk, 0};
        last = ZSTD_decompressStream(dctx.get(), &o, &in);
        out->resize(used + o.pos);
        if (ZSTD_isError(last)) return Error(last);
        if (out->size() > limit) return TooLarge("zstd", limit);
        if (last == 0 || o.pos == 0) break;
      }
      if (last != 0) return Status::Corruption("zstd: truncated data");
    }
    if (out->size() > limit) return TooLarge("zstd", limit);
    return Status::OK();
  }

 private:
  static Status Error(size_t code) {
    return Status::Corruption(std::string("zstd: not valid zstd data (") + ZSTD_getErrorName(code) +
                              ")");
  }
  int level_;
};

}  // namespace

std::unique_ptr<Codec> NewGzipCodec(int level) { return std::make_unique<GzipCodec>(level); }
std::unique_ptr<Codec> NewZlibCodec(int level) { return std::make_unique<ZlibCodec>(level); }
std::unique_ptr<Codec> NewZstdCodec(int level) { return std::make_unique<ZstdCodec>(level); }

}  // namespace ddb::codec
