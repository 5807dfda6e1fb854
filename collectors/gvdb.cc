#include "collectors/gvdb.h"

#include <optional>
#include <vector>

#include "absl/base/internal/endian.h"
#include "absl/strings/str_cat.h"

namespace candor::collectors {
namespace {

constexpr size_t kHeaderSize = 24;
constexpr size_t kItemSize = 24;
constexpr uint32_t kNoParent = 0xFFFFFFFF;
constexpr int kMaxDepth = 64;  // path components; deeper means a loop or a hostile file

struct Item {
  uint32_t parent;
  uint32_t key_start;
  uint16_t key_size;
  char type;
  uint32_t value_start;
  uint32_t value_end;
};

uint32_t U32(absl::string_view data, size_t at) {
  return absl::little_endian::Load32(data.data() + at);
}

absl::Status Damaged(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("damaged dconf database: ", what));
}

// A serialized GVariant variant: the value's bytes, a zero byte, then its type string.
std::optional<GvdbValue> DecodeVariant(absl::string_view bytes) {
  const size_t zero = bytes.rfind('\0');
  if (zero == absl::string_view::npos) return std::nullopt;
  const absl::string_view type = bytes.substr(zero + 1);
  const absl::string_view value = bytes.substr(0, zero);
  if (type == "b" && value.size() == 1) return value[0] != 0;
  if ((type == "u" || type == "i") && value.size() == 4) {
    const uint32_t raw = absl::little_endian::Load32(value.data());
    return type == "u" ? static_cast<int64_t>(raw)
                       : static_cast<int64_t>(static_cast<int32_t>(raw));
  }
  if (type == "s" && !value.empty() && value.back() == '\0') {
    return std::string(value.substr(0, value.size() - 1));
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::map<std::string, GvdbValue>> ReadGvdb(absl::string_view data) {
  if (data.size() < kHeaderSize || data.substr(0, 8) != "GVariant") {
    return absl::InvalidArgumentError("not a dconf database (or not little-endian)");
  }
  const uint32_t root_start = U32(data, 16);
  const uint32_t root_end = U32(data, 20);
  if (root_start > root_end || root_end > data.size() || root_end - root_start < 8) {
    return Damaged("root table out of bounds");
  }
  const uint32_t bloom_words = U32(data, root_start) & ((1u << 27) - 1);
  const uint32_t buckets = U32(data, root_start + 4);
  const uint64_t items_start =
      uint64_t{root_start} + 8 + 4 * (uint64_t{bloom_words} + uint64_t{buckets});
  if (items_start > root_end || (root_end - items_start) % kItemSize != 0) {
    return Damaged("hash table does not fit");
  }
  std::vector<Item> items;
  for (uint64_t at = items_start; at < root_end; at += kItemSize) {
    const size_t p = static_cast<size_t>(at);
    Item item;
    item.parent = U32(data, p + 4);
    item.key_start = U32(data, p + 8);
    item.key_size = absl::little_endian::Load16(data.data() + p + 12);
    item.type = data[p + 14];
    item.value_start = U32(data, p + 16);
    item.value_end = U32(data, p + 20);
    if (uint64_t{item.key_start} + item.key_size > data.size()) return Damaged("key out of bounds");
    items.push_back(item);
  }
  std::map<std::string, GvdbValue> values;
  for (const Item& item : items) {
    if (item.type != 'v') continue;
    if (item.value_start > item.value_end || item.value_end > data.size()) {
      return Damaged("value out of bounds");
    }
    // The full key is the keys of the parents, outermost first.
    std::string key(data.substr(item.key_start, item.key_size));
    uint32_t parent = item.parent;
    for (int depth = 0; parent != kNoParent; ++depth) {
      if (parent >= items.size() || depth >= kMaxDepth) return Damaged("bad parent chain");
      const Item& up = items[parent];
      key.insert(0, std::string(data.substr(up.key_start, up.key_size)));
      parent = up.parent;
    }
    if (auto value =
            DecodeVariant(data.substr(item.value_start, item.value_end - item.value_start))) {
      values[key] = *value;
    }
  }
  return values;
}

}  // namespace candor::collectors
