// Helpers of the data-set tests: a temporary directory removed at the end, byte and text files, IDX, gzip and PNG writers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace hwnas::data::testing {

// A fresh directory under the system's temporary directory, named after the running test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("hwnas-data-") + info->test_suite_name() + "-" + info->name() + "-" +
                       std::to_string(::getpid());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline void write_text(const std::string& path, const std::string& text) {
  write_bytes(path, std::vector<uint8_t>(text.begin(), text.end()));
}

// Whether `message` holds `part` (for error messages).
inline bool mentions(const std::string& message, const std::string& part) {
  return message.find(part) != std::string::npos;
}

// An unsigned-byte IDX file's bytes: header with `dims`, then `data` (which may be shorter or
// longer than the header says, to make broken files).
inline std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
                                      uint8_t type = 0x08) {
  std::vector<uint8_t> bytes = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(d >> shift));
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

// The gzip form of `bytes` (zlib's deflate with a gzip wrapper).
inline std::vector<uint8_t> gzip_bytes(const std::vector<uint8_t>& bytes) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<uint8_t> out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32);
  stream.next_in = const_cast<Bytef*>(bytes.data());
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// The bytes of a PNG chunk: length, type, data, CRC.
inline void append_png_chunk(std::vector<uint8_t>& png, const std::string& type,
                             const std::vector<uint8_t>& data) {
  for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<uint8_t>(data.size() >> shift));
  std::vector<uint8_t> body(type.begin(), type.end());
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  uLong crc = crc32(0L, body.data(), static_cast<uInt>(body.size()));
  for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<uint8_t>(crc >> shift));
}

// A PNG written by hand (stb_image_write cannot write palettes): `rows` are the filtered scanlines,
// each starting with its filter byte, deflated into one IDAT chunk. colour_type 3 adds a PLTE of
// 2^depth grey entries. `interlace` sets the IHDR field only.
inline std::vector<uint8_t> png_bytes(uint32_t width, uint32_t height, uint8_t colour_type, uint8_t bit_depth,
                                      const std::vector<uint8_t>& rows, uint8_t interlace = 0) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> header;
  for (uint32_t v : {width, height})
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<uint8_t>(v >> shift));
  header.insert(header.end(), {bit_depth, colour_type, 0, 0, interlace});
  append_png_chunk(png, "IHDR", header);
  if (colour_type == 3) {
    std::vector<uint8_t> palette;
    for (int i = 0; i < (1 << std::min<int>(bit_depth, 8)); ++i)
      palette.insert(palette.end(), {static_cast<uint8_t>(i * 7), static_cast<uint8_t>(i * 3), 200});
    append_png_chunk(png, "PLTE", palette);
  }
  uLongf size = compressBound(static_cast<uLong>(rows.size()));
  std::vector<uint8_t> deflated(size);
  EXPECT_EQ(compress(deflated.data(), &size, rows.data(), static_cast<uLong>(rows.size())), Z_OK);
  deflated.resize(size);
  append_png_chunk(png, "IDAT", deflated);
  append_png_chunk(png, "IEND", {});
  return png;
}

}  // namespace hwnas::data::testing
