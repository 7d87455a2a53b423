#include "mappings_index.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <numeric>

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

// The base64 VLQ value at m[i], before `end`: true, with `i` past it and its signed value in
// `out`; false when a byte is not base64, a digit goes past 32 bits, or `end` cuts the value,
// with `i` at that byte (or at `end`). The one reader of both passes below, as readVlq is of
// report/source-maps.ts's.
inline bool ReadVlq(const uint8_t* m, size_t end, size_t& i, uint32_t& out) {
  uint32_t vlq = 0;
  for (int shift = 0;; shift += 5) {
    if (i == end) return false;
    const unsigned digit = kClass[m[i]];
    if (digit >= 64 || shift > 30) return false;
    i++;
    vlq |= (digit & 31) << shift;
    if (!(digit & 32)) break;
  }
  out = Signed(vlq);
  return true;
}

// One mapping of a decoded line: its column, then source, original line, column and name (-1:
// none), as report/source-maps.ts's line decoding stores them.
struct Segment {
  int32_t column, source, line, original_column, name;
};

// The mappings of generated line `line` (0-based), by column (stably, as the JavaScript sorts
// them); none when the index does not fit `mappings` or a value is malformed.
void DecodeLine(const uint8_t* m, size_t length, const int32_t* index, size_t line,
                std::vector<Segment>& out) {
  out.clear();
  const size_t at = line * kMappingsIndexStride;
  const int64_t from = index[at];
  const int64_t to = static_cast<int64_t>(index[at + kMappingsIndexStride]) - 1;
  if (from < 0 || to > static_cast<int64_t>(length) || from > to) return;
  // Unsigned: a hostile map's sums wrap as JavaScript's stores into an Int32Array do.
  uint32_t column = 0;
  uint32_t source = static_cast<uint32_t>(index[at + 1]);
  uint32_t orig_line = static_cast<uint32_t>(index[at + 2]);
  uint32_t orig_column = static_cast<uint32_t>(index[at + 3]);
  uint32_t name = static_cast<uint32_t>(index[at + 4]);
  uint32_t d[5] = {0, 0, 0, 0, 0};
  unsigned fields = 0;
  const size_t end = static_cast<size_t>(to);
  for (size_t i = static_cast<size_t>(from); i <= end;) {
    const uint8_t c = i < end ? m[i] : ',';  // the line's end ends its last segment
    if (c != ',') {
      uint32_t value;
      if (!ReadVlq(m, end, i, value)) {
        out.clear();
        return;
      }
      if (fields < 5) d[fields] = value;
      fields++;
      continue;
    }
    i++;
    if (fields == 0) continue;
    column += d[0];
    Segment s{static_cast<int32_t>(column), -1, 0, 0, -1};
    if (fields >= 4) {
      source += d[1];
      orig_line += d[2];
      orig_column += d[3];
      if (fields >= 5) name += d[4];
      s.source = static_cast<int32_t>(source);
      s.line = static_cast<int32_t>(orig_line);
      s.original_column = static_cast<int32_t>(orig_column);
      s.name = fields >= 5 ? static_cast<int32_t>(name) : -1;
    }
    out.push_back(s);
    fields = 0;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Segment& a, const Segment& b) { return a.column < b.column; });
}

}  // namespace

ptrdiff_t IndexMappings(const uint8_t* mappings, size_t length, std::vector<int32_t>& index) {
  size_t lines = 1;
  for (const uint8_t* p = mappings;
       (p = static_cast<const uint8_t*>(memchr(p, ';', length - (p - mappings)))) != nullptr; p++) {
    lines++;
  }
  index.assign(lines * kMappingsIndexStride + 1, 0);
  // The running values (the column restarts each line and is not kept). Unsigned, so a hostile
  // map wraps as JavaScript's stores into an Int32Array do. A segment's fields are read in turn
  // into their own variables; past the fifth, they are read and not kept.
  uint32_t source = 0, line = 0, column = 0, name = 0;
  size_t at = 0;  // the current line's first slot
  size_t i = 0;
  uint32_t v = 0;
  ptrdiff_t bad = -1;
  // The value at `i` into `v`: true; false at a separator or the end, or for a bad value (its
  // offset in `bad`).
  auto value = [&]() -> bool {
    if (i == length) return false;
    const unsigned d = kClass[mappings[i]];
    if (d >= 64) {
      if (d == kOther) bad = static_cast<ptrdiff_t>(i);
      return false;
    }
    if (!ReadVlq(mappings, length, i, v)) {
      bad = static_cast<ptrdiff_t>(i);  // the bad byte, or the length when the end cuts it
      return false;
    }
    return true;
  };
  auto next_line = [&]() {
    at += kMappingsIndexStride;
    index[at] = static_cast<int32_t>(i);
    index[at + 1] = static_cast<int32_t>(source);
    index[at + 2] = static_cast<int32_t>(line);
    index[at + 3] = static_cast<int32_t>(column);
    index[at + 4] = static_cast<int32_t>(name);
  };
  for (;;) {
    // Most segments are four or five values of one digit each, then a separator (3.7 million
    // of the 3.8 million values of a 5 MB bundle's map): those are read at once, their bytes
    // classified together and one branch taken, which halves the time of the pass.
    if (length - i >= 6) {
      const unsigned c0 = kClass[mappings[i]], c1 = kClass[mappings[i + 1]],
                     c2 = kClass[mappings[i + 2]], c3 = kClass[mappings[i + 3]],
                     c4 = kClass[mappings[i + 4]];
      if ((c0 | c1 | c2 | c3) < 32) {
        if ((c4 & ~1u) == kComma) {  // `,` or `;`
          source += Signed(c1);
          line += Signed(c2);
          column += Signed(c3);
          i += 5;
          if (c4 == kSemicolon) next_line();
          continue;
        }
        const unsigned c5 = kClass[mappings[i + 5]];
        if (c4 < 32 && (c5 & ~1u) == kComma) {
          source += Signed(c1);
          line += Signed(c2);
          column += Signed(c3);
          name += Signed(c4);
          i += 6;
          if (c5 == kSemicolon) next_line();
          continue;
        }
      }
    }
    // Any other segment: the column, then source, line, column and name; past the fifth, a
    // malformed segment's extra fields, read and not kept.
    if (value() && value()) {
      source += v;
      if (value()) {
        line += v;
        if (value()) {
          column += v;
          if (value()) {
            name += v;
            while (value()) {
            }
          }
        }
      }
    }
    if (bad >= 0) return bad;
    if (i == length) break;
    if (mappings[i++] == ';') next_line();
  }
  index[lines * kMappingsIndexStride] = static_cast<int32_t>(length + 1);
  return -1;
}

void LookupMappings(const uint8_t* mappings, size_t length, const int32_t* index,
                    size_t index_length, const int32_t* queries, size_t count, int32_t* results) {
  const size_t lines = index_length == 0 ? 0 : (index_length - 1) / kMappingsIndexStride;
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [queries](size_t a, size_t b) {
    return queries[a * kLookupQueryStride] < queries[b * kLookupQueryStride];
  });
  std::vector<Segment> segs;
  int64_t decoded = -1;  // the line in `segs`
  for (size_t q : order) {
    const int32_t line = queries[q * kLookupQueryStride];
    const int32_t column = queries[q * kLookupQueryStride + 1];
    const bool least_upper_bound = queries[q * kLookupQueryStride + 2] != 0;
    int32_t* result = results + q * kLookupResultStride;
    result[0] = -1;
    result[1] = result[2] = 0;
    result[3] = -1;
    if (line < 0 || static_cast<size_t>(line) >= lines) continue;
    if (decoded != line) {
      DecodeLine(mappings, length, index, static_cast<size_t>(line), segs);
      decoded = line;
    }
    // The last mapping at or before the column (its first, when several share it)...
    const auto after = std::upper_bound(segs.begin(), segs.end(), column,
                                        [](int32_t c, const Segment& s) { return c < s.column; });
    ptrdiff_t k = (after - segs.begin()) - 1;
    // ...or the last of those at the column, else the first after it.
    if (k >= 0 && segs[k].column == column) {
      if (!least_upper_bound)
        while (k > 0 && segs[k - 1].column == column) k--;
    } else if (least_upper_bound) {
      k++;
    }
    if (k < 0 || static_cast<size_t>(k) >= segs.size() || segs[k].source < 0) continue;
    result[0] = segs[k].source;
    result[1] = segs[k].line;
    result[2] = segs[k].original_column;
    result[3] = segs[k].name;
  }
}

}  // namespace viztracer
