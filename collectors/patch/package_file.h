#pragma once

// Reads the deb822 files apt and dpkg keep (Packages lists, the dpkg status file) from a
// HostView as a stream of paragraphs, decompressing on the way: apt stores its lists
// plain, or compressed with lz4 (Debian's default when Acquire::GzipIndexes is set) or
// gzip. Memory stays at a few hundred KiB however large the list (50 MB for Debian main).

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "collectors/host_view.h"
#include "collectors/patch/deb822.h"

namespace candor::collectors {

// How `host_path` is compressed, from its name: "", "lz4" or "gz"; others are refused.
enum class Compression { kNone, kLz4, kGzip, kUnsupported };
Compression CompressionOf(absl::string_view host_path);

// Calls `visit` for every paragraph of the file. kUnimplemented for a compression Candor
// does not read (xz, zstd, bzip2), kDataLoss for a corrupt stream, kResourceExhausted past
// `max_bytes` of compressed or decompressed data.
absl::Status ForEachParagraphInFile(const HostView& host, absl::string_view host_path,
                                    const std::function<bool(const Deb822Paragraph&)>& visit,
                                    uint64_t max_bytes = uint64_t{1} << 30);

}  // namespace candor::collectors
