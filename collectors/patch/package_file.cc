#include "collectors/patch/package_file.h"

#include <lz4frame.h>
#include <zlib.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace candor::collectors {
namespace {

constexpr size_t kChunkBytes = 256 * 1024;

// Collects text pieces and hands out the complete paragraphs, keeping only the
// unfinished one.
class ParagraphSplitter {
 public:
  explicit ParagraphSplitter(const std::function<bool(const Deb822Paragraph&)>& visit)
      : visit_(visit) {}

  // False once `visit` asked to stop.
  bool Add(absl::string_view text) {
    if (stopped_) return false;
    buffer_.append(text.data(), text.size());
    // Everything up to the last blank line is whole paragraphs.
    const size_t last = buffer_.rfind("\n\n");
    if (last == std::string::npos) return true;
    Emit(absl::string_view(buffer_).substr(0, last + 1));
    buffer_.erase(0, last + 2);
    return !stopped_;
  }

  void Finish() {
    if (!stopped_) Emit(buffer_);
    buffer_.clear();
  }

  uint64_t total() const { return total_; }
  void Count(size_t bytes) { total_ += bytes; }

 private:
  void Emit(absl::string_view text) {
    ForEachParagraph(text, [this](const Deb822Paragraph& p) {
      if (!visit_(p)) stopped_ = true;
      return !stopped_;
    });
  }

  const std::function<bool(const Deb822Paragraph&)>& visit_;
  std::string buffer_;
  bool stopped_ = false;
  uint64_t total_ = 0;
};

absl::Status TooLarge(absl::string_view path, uint64_t max_bytes) {
  return absl::ResourceExhaustedError(
      absl::StrCat(path, ": more than ", max_bytes, " bytes once decompressed"));
}

absl::Status ReadLz4(const HostView& host, absl::string_view path, uint64_t max_bytes,
                     ParagraphSplitter& out) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return absl::InternalError("lz4: cannot create a decompression context");
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> dctx(
      raw, &LZ4F_freeDecompressionContext);
  std::string output(kChunkBytes, '\0');
  absl::Status error = absl::OkStatus();
  size_t hint = 1;  // LZ4F's "bytes it expects next"; 0 once a frame is complete
  absl::Status read = host.ReadChunks(path, kChunkBytes, max_bytes, [&](absl::string_view in) {
    while (!in.empty()) {
      size_t in_size = in.size();
      size_t out_size = output.size();
      hint = LZ4F_decompress(dctx.get(), output.data(), &out_size, in.data(), &in_size, nullptr);
      if (LZ4F_isError(hint)) {
        error = absl::DataLossError(
            absl::StrCat(path, ": not a valid lz4 stream (", LZ4F_getErrorName(hint), ")"));
        return false;
      }
      in.remove_prefix(in_size);
      out.Count(out_size);
      if (out.total() > max_bytes) {
        error = TooLarge(path, max_bytes);
        return false;
      }
      if (!out.Add(absl::string_view(output.data(), out_size))) return false;
    }
    return true;
  });
  if (!read.ok()) return read;
  if (!error.ok()) return error;
  if (hint != 0) return absl::DataLossError(absl::StrCat(path, ": the lz4 stream is cut short"));
  return absl::OkStatus();
}

absl::Status ReadGzip(const HostView& host, absl::string_view path, uint64_t max_bytes,
                      ParagraphSplitter& out) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("zlib: init failed");
  std::string output(kChunkBytes, '\0');
  absl::Status error = absl::OkStatus();
  bool ended = false;
  absl::Status read = host.ReadChunks(path, kChunkBytes, max_bytes, [&](absl::string_view in) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    while (zs.avail_in > 0 && !ended) {
      zs.next_out = reinterpret_cast<Bytef*>(output.data());
      zs.avail_out = static_cast<uInt>(output.size());
      const int rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END) {
        error = absl::DataLossError(absl::StrCat(path, ": not a valid gzip stream"));
        return false;
      }
      ended = rc == Z_STREAM_END;
      const size_t produced = output.size() - zs.avail_out;
      out.Count(produced);
      if (out.total() > max_bytes) {
        error = TooLarge(path, max_bytes);
        return false;
      }
      if (!out.Add(absl::string_view(output.data(), produced))) return false;
    }
    return true;
  });
  inflateEnd(&zs);
  if (!read.ok()) return read;
  if (!error.ok()) return error;
  if (!ended) return absl::DataLossError(absl::StrCat(path, ": the gzip stream is cut short"));
  return absl::OkStatus();
}

}  // namespace

Compression CompressionOf(absl::string_view host_path) {
  if (absl::EndsWith(host_path, ".lz4")) return Compression::kLz4;
  if (absl::EndsWith(host_path, ".gz")) return Compression::kGzip;
  if (absl::EndsWith(host_path, ".xz") || absl::EndsWith(host_path, ".zst") ||
      absl::EndsWith(host_path, ".bz2") || absl::EndsWith(host_path, ".lzma")) {
    return Compression::kUnsupported;
  }
  return Compression::kNone;
}

absl::Status ForEachParagraphInFile(const HostView& host, absl::string_view host_path,
                                    const std::function<bool(const Deb822Paragraph&)>& visit,
                                    uint64_t max_bytes) {
  ParagraphSplitter out(visit);
  absl::Status status = absl::OkStatus();
  switch (CompressionOf(host_path)) {
    case Compression::kNone:
      status = host.ReadChunks(host_path, kChunkBytes, max_bytes,
                               [&out](absl::string_view in) { return out.Add(in); });
      break;
    case Compression::kLz4:
      status = ReadLz4(host, host_path, max_bytes, out);
      break;
    case Compression::kGzip:
      status = ReadGzip(host, host_path, max_bytes, out);
      break;
    case Compression::kUnsupported:
      return absl::UnimplementedError(
          absl::StrCat(host_path,
                       ": compressed in a format Candor does not read (lz4, gzip "
                       "and plain are read)"));
  }
  if (!status.ok()) return status;
  out.Finish();
  return absl::OkStatus();
}

}  // namespace candor::collectors
