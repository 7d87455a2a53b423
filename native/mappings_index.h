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

}  // namespace viztracer

#endif  // VIZTRACER_MAPPINGS_INDEX_H_
