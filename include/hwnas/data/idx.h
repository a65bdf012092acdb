// Reading IDX files (the format of MNIST and Fashion-MNIST), gzipped or not, with every field checked.
//
// An IDX file is: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions,
// then each dimension as a big-endian uint32, then the elements in row-major order. Only
// unsigned-byte files are read (all MNIST-family files are).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::data {

struct IdxArray {
  std::vector<int64_t> dims;  // e.g. {10000, 28, 28}
  std::vector<uint8_t> data;  // product(dims) bytes, row-major
};

// The bytes of a file; inflated with zlib when they start with the gzip magic (1f 8b), whatever
// the file's name. Errors name the file: missing, unreadable, corrupt or truncated gzip data, or
// more than `max_bytes` once inflated.
Result<std::vector<uint8_t>> read_maybe_gzipped_file(const std::string& path,
                                                     size_t max_bytes = size_t{1} << 31);

// Parses IDX bytes; `name` (the file) prefixes every error. Rejects: a bad magic number, a
// type other than unsigned byte, zero dimensions, data shorter or longer than the header says.
Result<IdxArray> parse_idx(std::span<const uint8_t> bytes, const std::string& name);

// read_maybe_gzipped_file + parse_idx.
Result<IdxArray> read_idx_file(const std::string& path);

}  // namespace hwnas::data
