#include "mappings_index.h"

#include <string.h>

#include <array>

namespace viztracer {
namespace {

// Base64 digit of each byte; -1 for any other.
constexpr std::array<int8_t, 256> kDigits = [] {
  std::array<int8_t, 256> t{};
  for (auto& d : t) d = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; i++) t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}();

}  // namespace

ptrdiff_t IndexMappings(const uint8_t* mappings, size_t length, std::vector<int32_t>& index) {
  size_t lines = 1;
  for (const uint8_t* p = mappings;
       (p = static_cast<const uint8_t*>(memchr(p, ';', length - (p - mappings)))) != nullptr; p++) {
    lines++;
  }
  index.assign(lines * kMappingsIndexStride + 1, 0);
  // Unsigned, so a hostile map wraps as JavaScript's stores into an Int32Array do.
  uint32_t running[5] = {0, 0, 0, 0, 0};
  size_t at = 0;  // the current line's first slot
  int field = 0;
  uint32_t value = 0;
  int shift = 0;
  for (size_t i = 0; i < length; i++) {
    const uint8_t c = mappings[i];
    if (c == ';') {
      field = 0;
      at += kMappingsIndexStride;
      index[at] = static_cast<int32_t>(i + 1);
      for (int f = 1; f <= 4; f++) index[at + f] = static_cast<int32_t>(running[f]);
      continue;
    }
    if (c == ',') {
      field = 0;
      continue;
    }
    const int digit = kDigits[c];
    if (digit < 0 || shift > 30) return static_cast<ptrdiff_t>(i);
    value |= static_cast<uint32_t>(digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    const uint32_t delta = (value & 1) ? 0u - (value >> 1) : (value >> 1);
    if (field >= 1 && field <= 4) running[field] += delta;
    field++;
    value = 0;
    shift = 0;
  }
  index[lines * kMappingsIndexStride] = static_cast<int32_t>(length + 1);
  return -1;
}

}  // namespace viztracer
