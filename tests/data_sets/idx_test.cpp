// IDX parsing and gzip reading: good files in both forms; every malformed file rejected, named.
#include "hwnas/data/idx.h"

#include <gtest/gtest.h>

#include "test_files.h"

namespace hwnas::data {
namespace {
using testing::TempDir;

TEST(Idx, ParsesHeaderAndData) {
  auto bytes = testing::idx_bytes({2, 3}, {1, 2, 3, 4, 5, 6});
  auto array = parse_idx(bytes, "x.idx");
  ASSERT_TRUE(array.ok()) << array.error().message;
  EXPECT_EQ(array->dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(array->data, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(Idx, RejectsMalformedFiles) {
  struct Case {
    std::vector<uint8_t> bytes;
    std::string message;
  };
  std::vector<Case> cases = {
      {{}, "x.idx: too short for an IDX header"},
      {{1, 0, 8, 1, 0, 0, 0, 1, 7}, "x.idx: not an IDX file"},
      {testing::idx_bytes({2}, {1, 2}, 0x0d), "x.idx: IDX element type 0x0d is not supported"},
      {{0, 0, 8, 0}, "x.idx: IDX header has zero dimensions"},
      {{0, 0, 8, 3, 0, 0, 0, 1}, "x.idx: truncated IDX header"},
      {testing::idx_bytes({2, 0}, {}), "x.idx: IDX dimension 1 is zero"},
      {testing::idx_bytes({10, 28, 28}, std::vector<uint8_t>(100)),
       "x.idx: truncated: the IDX header says 7840 bytes of data, the file has 100"},
      {testing::idx_bytes({2}, {1, 2, 3}),
       "x.idx: trailing bytes: the IDX header says 2 bytes of data, the file has 3"},
  };
  for (const Case& c : cases) {
    auto array = parse_idx(c.bytes, "x.idx");
    ASSERT_FALSE(array.ok()) << c.message;
    EXPECT_NE(array.error().message.find(c.message), std::string::npos) << array.error().message;
  }
}

TEST(Idx, ReadsGzippedAndPlainFilesAlike) {
  TempDir dir;
  auto bytes = testing::idx_bytes({3}, {7, 8, 9});
  testing::write_bytes(dir / "plain", bytes);
  testing::write_bytes(dir / "packed.gz", testing::gzip_bytes(bytes));
  auto plain = read_idx_file(dir / "plain");
  auto packed = read_idx_file(dir / "packed.gz");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  ASSERT_TRUE(packed.ok()) << packed.error().message;
  EXPECT_EQ(plain->data, (std::vector<uint8_t>{7, 8, 9}));
  EXPECT_EQ(packed->data, plain->data);
}

TEST(Idx, ReadsConcatenatedGzipMembers) {
  TempDir dir;
  auto first = testing::gzip_bytes({0, 0, 8, 1, 0, 0});
  auto second = testing::gzip_bytes({0, 2, 5, 6});
  first.insert(first.end(), second.begin(), second.end());
  testing::write_bytes(dir / "two.gz", first);
  auto array = read_idx_file(dir / "two.gz");
  ASSERT_TRUE(array.ok()) << array.error().message;
  EXPECT_EQ(array->data, (std::vector<uint8_t>{5, 6}));
}

TEST(Idx, RejectsTruncatedAndCorruptGzip) {
  TempDir dir;
  std::vector<uint8_t> payload(5000);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7 % 251);
  auto packed = testing::gzip_bytes(testing::idx_bytes({5000}, payload));

  std::vector<uint8_t> truncated(packed.begin(),
                                 packed.begin() + static_cast<std::ptrdiff_t>(packed.size() / 2));
  testing::write_bytes(dir / "truncated.gz", truncated);
  auto a = read_idx_file(dir / "truncated.gz");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find(dir / "truncated.gz"), std::string::npos) << a.error().message;
  EXPECT_NE(a.error().message.find("truncated gzip data"), std::string::npos) << a.error().message;

  std::vector<uint8_t> corrupt = packed;
  for (size_t i = 20; i < 60; ++i) corrupt[i] ^= 0x5a;
  testing::write_bytes(dir / "corrupt.gz", corrupt);
  auto b = read_idx_file(dir / "corrupt.gz");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find(dir / "corrupt.gz"), std::string::npos) << b.error().message;
  EXPECT_NE(b.error().message.find("gzip"), std::string::npos) << b.error().message;
}

TEST(Idx, MissingFileIsAnErrorNamingIt) {
  auto array = read_idx_file("/nonexistent/hwnas/labels-idx1-ubyte");
  ASSERT_FALSE(array.ok());
  EXPECT_NE(array.error().message.find("/nonexistent/hwnas/labels-idx1-ubyte: cannot open"),
            std::string::npos)
      << array.error().message;
}

TEST(Idx, InflatedSizeIsBounded) {
  TempDir dir;
  testing::write_bytes(dir / "big.gz", testing::gzip_bytes(std::vector<uint8_t>(100000)));
  auto bytes = read_maybe_gzipped_file(dir / "big.gz", 1000);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.error().message.find("more than 1000 bytes once inflated"), std::string::npos)
      << bytes.error().message;
}

}  // namespace
}  // namespace hwnas::data
