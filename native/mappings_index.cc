#include "mappings_index.h"

#include <string.h>

#include <array>

namespace viztracer {
namespace {

// What each byte is: a base64 digit (0-63), a `,` (kComma), a `;` (kSemicolon), or no part of
// a mappings string (kOther).
constexpr uint8_t kComma = 64;
constexpr uint8_t kSemicolon = 65;
constexpr uint8_t kOther = 66;
constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (auto& d : t) d = kOther;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; i++) t[static_cast<uint8_t>(alphabet[i])] = static_cast<uint8_t>(i);
  t[','] = kComma;
  t[';'] = kSemicolon;
  return t;
}();

uint32_t Signed(uint32_t vlq) { return (vlq & 1) ? 0u - (vlq >> 1) : (vlq >> 1); }

}  // namespace

ptrdiff_t IndexMappings(const uint8_t* mappings, size_t length, std::vector<int32_t>& index) {
  size_t lines = 1;
  for (const uint8_t* p = mappings;
       (p = static_cast<const uint8_t*>(memchr(p, ';', length - (p - mappings)))) != nullptr; p++) {
    lines++;
  }
  index.assign(lines * kMappingsIndexStride + 1, 0);
  // The running values by field (0, the column, restarts each line and is not kept; past the
  // fifth, a malformed segment's extra fields land in 5-7). Unsigned, so a hostile map wraps as
  // JavaScript's stores into an Int32Array do.
  uint32_t running[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t at = 0;  // the current line's first slot
  unsigned field = 0;
  size_t i = 0;
  while (i < length) {
    unsigned d = kClass[mappings[i++]];
    if (d < 32) {  // a value of one digit: most of them
      running[field++ & 7] += Signed(d);
      continue;
    }
    if (d < 64) {  // a value of several digits
      uint32_t value = d & 31;
      for (int shift = 5;; shift += 5) {
        if (i == length) return static_cast<ptrdiff_t>(length);  // cut by the end
        d = kClass[mappings[i++]];
        if (d >= 64 || shift > 30) return static_cast<ptrdiff_t>(i - 1);
        value |= (d & 31) << shift;
        if (!(d & 32)) break;
      }
      running[field++ & 7] += Signed(value);
      continue;
    }
    if (d == kComma) {
      field = 0;
      continue;
    }
    if (d == kSemicolon) {
      field = 0;
      at += kMappingsIndexStride;
      index[at] = static_cast<int32_t>(i);
      for (int f = 1; f <= 4; f++) index[at + f] = static_cast<int32_t>(running[f]);
      continue;
    }
    return static_cast<ptrdiff_t>(i - 1);
  }
  index[lines * kMappingsIndexStride] = static_cast<int32_t>(length + 1);
  return -1;
}

}  // namespace viztracer
