// Reading class-id masks from palette and grey PNGs: chunks, CRCs, zlib inflate, scanline filters.
//
// stb_image cannot do this: it expands a palette into colours, and a VOC mask's class id is its
// palette index. The reader handles what masks are saved as (colour types 0 and 3, not
// interlaced) and refuses the rest with an error that names the file.
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "file_reading.h"
#include "hwnas/data/image_io.h"

namespace hwnas::data {
namespace {

constexpr int64_t kMaxMaskSide = 16384;

uint32_t big_endian_u32(std::string_view bytes, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
}

struct Header {
  int64_t width = 0, height = 0;
  int bit_depth = 0, colour_type = 0, interlace = 0;
};

const char* colour_type_name(int colour_type) {
  switch (colour_type) {
    case 0:
      return "grey";
    case 2:
      return "RGB";
    case 3:
      return "palette";
    case 4:
      return "grey + alpha";
    case 6:
      return "RGBA";
  }
  return "unknown";
}

// The chunks' IHDR fields and concatenated IDAT data.
Result<Header> read_chunks(const std::string& path, std::string_view bytes, std::string& compressed) {
  static constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  auto fail = [&](const std::string& why) { return Error{path + ": not a valid mask PNG: " + why}; };
  if (!bytes.starts_with(kSignature)) return fail("no PNG signature");
  Header header;
  bool seen_header = false, seen_end = false;
  for (size_t at = kSignature.size(); !seen_end;) {
    if (bytes.size() - at < 12) return fail("truncated (no IEND chunk)");
    const uint32_t length = big_endian_u32(bytes, at);
    const std::string_view type = bytes.substr(at + 4, 4);
    if (length > bytes.size() - at - 12) return fail("chunk " + std::string(type) + " is truncated");
    const std::string_view data = bytes.substr(at + 8, length);
    const uint32_t stored_crc = big_endian_u32(bytes, at + 8 + length);
    const uLong crc = crc32(crc32(0L, reinterpret_cast<const Bytef*>(type.data()), 4),
                            reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    if (crc != stored_crc) return fail("CRC mismatch in chunk " + std::string(type));
    if (!seen_header && type != "IHDR") return fail("the first chunk is " + std::string(type) + ", not IHDR");
    if (type == "IHDR") {
      if (length != 13) return fail("IHDR has " + std::to_string(length) + " bytes, not 13");
      header.width = big_endian_u32(data, 0);
      header.height = big_endian_u32(data, 4);
      header.bit_depth = static_cast<uint8_t>(data[8]);
      header.colour_type = static_cast<uint8_t>(data[9]);
      header.interlace = static_cast<uint8_t>(data[12]);
      if (data[10] != 0 || data[11] != 0) return fail("unknown compression or filter method");
      seen_header = true;
    } else if (type == "IDAT") {
      compressed.append(data);
    } else if (type == "IEND") {
      seen_end = true;
    }
    at += 12 + length;
  }
  return header;
}

// The Paeth predictor of the PNG specification.
uint8_t paeth(int a, int b, int c) {
  int p = a + b - c;
  int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  return static_cast<uint8_t>(pb <= pc ? b : c);
}

}  // namespace

Result<Mask> decode_mask_png(const std::string& path) {
  auto read = read_file_bytes(path);
  if (!read) return read.error();
  std::string compressed;
  auto header = read_chunks(path, *read, compressed);
  if (!header) return header.error();
  const Header& h = *header;
  auto fail = [&](const std::string& why) { return Error{path + ": " + why}; };
  if (h.width < 1 || h.height < 1 || h.width > kMaxMaskSide || h.height > kMaxMaskSide)
    return fail("mask of " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                " px is outside 1..16384");
  if (h.colour_type != 0 && h.colour_type != 3)
    return fail("a mask must be a palette or grey PNG whose values are class ids, not " +
                std::string(colour_type_name(h.colour_type)) + " (colour type " +
                std::to_string(h.colour_type) + ")");
  const bool depth_ok = h.bit_depth == 1 || h.bit_depth == 2 || h.bit_depth == 4 || h.bit_depth == 8 ||
                        (h.bit_depth == 16 && h.colour_type == 0);
  if (!depth_ok)
    return fail("bit depth " + std::to_string(h.bit_depth) + " is not valid for a " +
                colour_type_name(h.colour_type) + " PNG");
  if (h.interlace != 0)
    return fail("interlaced (Adam7) mask PNGs are not supported; save the mask without interlacing");

  // Inflate into exactly height rows of (filter byte + packed samples).
  const int64_t row_bytes = (h.width * h.bit_depth + 7) / 8;
  const int64_t bytes_per_pixel = h.bit_depth == 16 ? 2 : 1;  // the filters' left neighbour distance
  std::vector<uint8_t> raw(static_cast<size_t>(h.height * (row_bytes + 1)));
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return fail("cannot start zlib");
  stream.next_in = reinterpret_cast<Bytef*>(compressed.data());
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = raw.data();
  stream.avail_out = static_cast<uInt>(raw.size());
  const int inflated = inflate(&stream, Z_FINISH);
  const size_t produced = stream.total_out;
  const std::string zlib_message = stream.msg ? stream.msg : "incomplete";
  inflateEnd(&stream);
  if (inflated != Z_STREAM_END && produced == raw.size())
    return fail("not a valid mask PNG: more image data than " + std::to_string(h.width) + "x" +
                std::to_string(h.height) + " pixels need");
  if (inflated != Z_STREAM_END || produced != raw.size())
    return fail("not a valid mask PNG: image data truncated or corrupt (zlib: " + zlib_message + ")");

  // Undo the per-row filters in place; `previous` is the row above (zeros for the first).
  std::vector<uint8_t> previous(static_cast<size_t>(row_bytes), 0);
  Mask mask;
  mask.height = h.height;
  mask.width = h.width;
  mask.classes.assign(static_cast<size_t>(h.height * h.width), 0);
  for (int64_t y = 0; y < h.height; ++y) {
    uint8_t* row = raw.data() + y * (row_bytes + 1);
    const int filter = row[0];
    uint8_t* line = row + 1;
    for (int64_t i = 0; i < row_bytes; ++i) {
      const int left = i >= bytes_per_pixel ? line[i - bytes_per_pixel] : 0;
      const int up = previous[static_cast<size_t>(i)];
      const int up_left = i >= bytes_per_pixel ? previous[static_cast<size_t>(i - bytes_per_pixel)] : 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          line[i] = static_cast<uint8_t>(line[i] + left);
          break;
        case 2:
          line[i] = static_cast<uint8_t>(line[i] + up);
          break;
        case 3:
          line[i] = static_cast<uint8_t>(line[i] + (left + up) / 2);
          break;
        case 4:
          line[i] = static_cast<uint8_t>(line[i] + paeth(left, up, up_left));
          break;
        default:
          return fail("not a valid mask PNG: unknown filter type " + std::to_string(filter) + " in row " +
                      std::to_string(y));
      }
    }
    for (int64_t x = 0; x < h.width; ++x) {
      int64_t value = 0;
      if (h.bit_depth == 16) {
        value = (static_cast<int64_t>(line[2 * x]) << 8) | line[2 * x + 1];
      } else {
        const int64_t bit = x * h.bit_depth;
        const int shift = 8 - h.bit_depth - static_cast<int>(bit % 8);
        value = (line[bit / 8] >> shift) & ((1 << h.bit_depth) - 1);
      }
      mask.at(y, x) = value;
    }
    previous.assign(line, line + row_bytes);
  }
  return mask;
}

}  // namespace hwnas::data
