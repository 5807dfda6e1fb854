#include "config/read_file.h"

#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace candor::config {

absl::StatusOr<std::string> ReadBoundedFile(const std::filesystem::path& path, size_t max_bytes,
                                            absl::string_view what) {
  const std::string name = what.empty() ? path.string() : absl::StrCat(what, " ", path.string());
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat(name, ": cannot read: ", ec.message()));
  if (size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": file is ", size, " bytes; the limit is ", max_bytes));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat(name, ": cannot open"));
  // Read at most one byte past the limit, in case the file grew since it was measured.
  std::string text(max_bytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": larger than ", max_bytes, " bytes"));
  }
  return text;
}

}  // namespace candor::config
