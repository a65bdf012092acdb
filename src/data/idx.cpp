// Reading IDX files: whole-file reads, in-process gzip inflation with zlib, and the checked IDX header.
#include "hwnas/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace hwnas::data {
namespace {

Result<std::vector<uint8_t>> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
  std::vector<uint8_t> bytes;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return Error{path + ": cannot read its size"};
  in.seekg(0, std::ios::beg);
  bytes.resize(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) return Error{path + ": read failed"};
  return bytes;
}

bool is_gzip(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// Inflates every gzip member of `compressed` (gzip allows several, concatenated).
Result<std::vector<uint8_t>> gunzip(const std::vector<uint8_t>& compressed, const std::string& path,
                                    size_t max_bytes) {
  std::vector<uint8_t> out;
  // The trailer holds the size of the (last) member modulo 2^32: a good first guess.
  if (compressed.size() >= 18) {
    size_t n = compressed.size();
    uint32_t isize = uint32_t{compressed[n - 4]} | uint32_t{compressed[n - 3]} << 8 |
                     uint32_t{compressed[n - 2]} << 16 | uint32_t{compressed[n - 1]} << 24;
    out.reserve(std::min<size_t>(isize, max_bytes));
  }
  size_t consumed = 0;
  while (consumed < compressed.size()) {
    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
      return Error{path + ": zlib could not start inflating"};
    stream.next_in = const_cast<Bytef*>(compressed.data() + consumed);
    size_t available = compressed.size() - consumed;
    stream.avail_in = static_cast<uInt>(std::min<size_t>(available, UINT32_MAX));
    int rc = Z_OK;
    uint8_t chunk[1 << 16];
    while (rc != Z_STREAM_END) {
      stream.next_out = chunk;
      stream.avail_out = sizeof(chunk);
      rc = inflate(&stream, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        std::string reason = stream.msg ? stream.msg : "error " + std::to_string(rc);
        inflateEnd(&stream);
        return Error{path + ": corrupt gzip data (" + reason + ")"};
      }
      size_t produced = sizeof(chunk) - stream.avail_out;
      if (out.size() + produced > max_bytes) {
        inflateEnd(&stream);
        return Error{path + ": more than " + std::to_string(max_bytes) + " bytes once inflated"};
      }
      out.insert(out.end(), chunk, chunk + produced);
      if (rc == Z_BUF_ERROR || (rc == Z_OK && produced == 0 && stream.avail_in == 0)) {
        // No progress possible: the input ended before the stream did.
        inflateEnd(&stream);
        return Error{path + ": truncated gzip data (the stream ends early)"};
      }
    }
    consumed += stream.total_in;
    inflateEnd(&stream);
    // Trailing zero padding after the last member is tolerated (as gzip does).
    bool rest_is_padding = true;
    for (size_t i = consumed; i < compressed.size(); ++i)
      rest_is_padding = rest_is_padding && compressed[i] == 0;
    if (rest_is_padding) break;
    if (compressed.size() - consumed < 2 || compressed[consumed] != 0x1f || compressed[consumed + 1] != 0x8b)
      return Error{path + ": unexpected bytes after the gzip data"};
  }
  return out;
}

uint32_t big_endian_u32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

}  // namespace

Result<std::vector<uint8_t>> read_maybe_gzipped_file(const std::string& path, size_t max_bytes) {
  auto bytes = read_whole_file(path);
  if (!bytes) return bytes.error();
  if (!is_gzip(*bytes)) {
    if (bytes->size() > max_bytes)
      return Error{path + ": larger than " + std::to_string(max_bytes) + " bytes"};
    return bytes;
  }
  return gunzip(*bytes, path, max_bytes);
}

Result<IdxArray> parse_idx(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.size() < 4)
    return Error{name + ": too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)"};
  if (bytes[0] != 0 || bytes[1] != 0)
    return Error{name + ": not an IDX file (magic number must start with two zero bytes)"};
  if (bytes[2] != 0x08) {
    char code[8];
    std::snprintf(code, sizeof(code), "0x%02x", bytes[2]);
    return Error{name + ": IDX element type " + code + " is not supported (only unsigned byte, 0x08)"};
  }
  int64_t rank = bytes[3];
  if (rank == 0) return Error{name + ": IDX header has zero dimensions"};
  size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header)
    return Error{name + ": truncated IDX header (" + std::to_string(rank) + " dimensions need " +
                 std::to_string(header) + " bytes, the file has " + std::to_string(bytes.size()) + ")"};
  IdxArray array;
  uint64_t elements = 1;
  for (int64_t d = 0; d < rank; ++d) {
    uint32_t dim = big_endian_u32(bytes.data() + 4 + 4 * d);
    if (dim == 0) return Error{name + ": IDX dimension " + std::to_string(d) + " is zero"};
    elements *= dim;
    if (elements > (uint64_t{1} << 40)) return Error{name + ": IDX dimensions too large"};
    array.dims.push_back(dim);
  }
  size_t data_bytes = bytes.size() - header;
  if (data_bytes != elements)
    return Error{name + ": " + (data_bytes < elements ? "truncated" : "trailing bytes") +
                 ": the IDX header says " + std::to_string(elements) + " bytes of data, the file has " +
                 std::to_string(data_bytes)};
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

Result<IdxArray> read_idx_file(const std::string& path) {
  auto bytes = read_maybe_gzipped_file(path);
  if (!bytes) return bytes.error();
  return parse_idx(*bytes, path);
}

}  // namespace hwnas::data
