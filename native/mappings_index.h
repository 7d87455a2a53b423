// The one pass over a source map's `mappings` that notes where each generated line starts and
// the running values there (report/source-maps.ts reads the rest of the map). It is here, not
// in TypeScript, because it reads every byte of a map of megabytes once, in a report build that
// runs in a fresh process at exit: cold, the same loop in JavaScript took 35 ms for a 5 MB
// bundle's map, most of what naming a million samples from it may cost (docs/benchmarks.md,
// section 22). TypeScript keeps an identical loop for when the addon is not built, and the
// tests hold the two to the same output.
#ifndef VIZTRACER_MAPPINGS_INDEX_H_
#define VIZTRACER_MAPPINGS_INDEX_H_

#include <stddef.h>
#include <stdint.h>

#include <vector>

namespace viztracer {

// Values per line in an index: where the line starts in `mappings`, then the running source,
// original line, original column and name there (the fields after a segment's column are
// deltas across the whole map).
constexpr size_t kMappingsIndexStride = 5;

// `mappings`: the string's characters, one byte each. Fills `index` with kMappingsIndexStride
// values per generated line (one line more than there are `;`), then one more value: the
// length plus one (so line k ends where line k + 1 starts, less one). Returns -1, or the offset
// of the first byte that is not base64, `,` or `;`, or that cuts a value (a separator, a digit
// past 32 bits; the length when the end does).
ptrdiff_t IndexMappings(const uint8_t* mappings, size_t length, std::vector<int32_t>& index);

// A query of LookupMappings: the generated line (0-based), the column (0-based), and the bias
// (0: the mapping at or before the column, the first of those at it; 1: the last at it, else
// the first after it).
constexpr size_t kLookupQueryStride = 3;
// A result: the source, original line (0-based), column and name (-1: none) of the mapping;
// -1 for the source when there is none, or it maps to no source.
constexpr size_t kLookupResultStride = 4;

// Answers `count` queries from `mappings` and the `index` IndexMappings made of it, into
// `results` (kLookupResultStride values each): each queried line is decoded once (queries
// are taken in order of line), its mappings ordered by column. An index that does not fit
// `mappings`, or a malformed value, gives no mappings on that line: never a read out of bounds.
void LookupMappings(const uint8_t* mappings, size_t length, const int32_t* index,
                    size_t index_length, const int32_t* queries, size_t count, int32_t* results);

}  // namespace viztracer

#endif  // VIZTRACER_MAPPINGS_INDEX_H_
