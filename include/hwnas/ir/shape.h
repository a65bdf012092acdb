// Shape: the dimensions of a tensor (NCHW for feature maps, NC for vectors).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace hwnas::ir {

struct Shape {
  std::vector<int64_t> dims;

  Shape() = default;
  Shape(std::initializer_list<int64_t> d) : dims(d) {}
  explicit Shape(std::vector<int64_t> d) : dims(std::move(d)) {}

  size_t rank() const { return dims.size(); }
  int64_t operator[](size_t i) const { return dims[i]; }
  int64_t& operator[](size_t i) { return dims[i]; }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
  bool operator==(const Shape& other) const = default;

  // NCHW accessors; only meaningful for rank-4 shapes.
  int64_t n() const { return dims[0]; }
  int64_t c() const { return dims[1]; }
  int64_t h() const { return dims[2]; }
  int64_t w() const { return dims[3]; }

  // "1x32x112x112"
  std::string to_string() const;
};

}  // namespace hwnas::ir
