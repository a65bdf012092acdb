// Numeric precision of weights and activations, and their sizes in bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hwnas::ir {

enum class Precision { Int8, Int16, Fp16, Fp32 };

inline int64_t bytes_per_element(Precision p) {
  switch (p) {
    case Precision::Int8: return 1;
    case Precision::Int16: return 2;
    case Precision::Fp16: return 2;
    case Precision::Fp32: return 4;
  }
  return 4;
}

inline std::string_view precision_name(Precision p) {
  switch (p) {
    case Precision::Int8: return "int8";
    case Precision::Int16: return "int16";
    case Precision::Fp16: return "fp16";
    case Precision::Fp32: return "fp32";
  }
  return "fp32";
}

inline std::optional<Precision> precision_from_name(std::string_view name) {
  for (Precision p : {Precision::Int8, Precision::Int16, Precision::Fp16, Precision::Fp32})
    if (precision_name(p) == name) return p;
  return std::nullopt;
}

// Whether `p` is an integer precision: a target computing in int8 or int16 can run each layer at
// either (mixed precision); a float target runs every layer at its own precision.
inline bool is_integer(Precision p) { return p == Precision::Int8 || p == Precision::Int16; }

// The precision a layer that asks for `layer` (ir::Node::precision; unset: nothing) runs in on a
// target computing at `target`: the layer's own on an integer target, else the target's.
inline Precision layer_precision(std::optional<Precision> layer, Precision target) {
  return layer && is_integer(target) && is_integer(*layer) ? *layer : target;
}

}  // namespace hwnas::ir
