// Folding of exporters' shape arithmetic: evaluates Constant, Shape-derived and other small
// constant subgraphs (Gather, Concat, Slice, Unsqueeze, Cast, ...) that PyTorch's exporter writes to
// compute Reshape shapes, Resize sizes and Pad amounts, so that those inputs become constants.
#include <algorithm>
#include <cmath>
#include <limits>

#include "proto_util.h"

namespace hwnas::onnx_io::detail {
namespace {

using Tensors = std::vector<ConstTensor>;

Error fail(const std::string& message) { return Error{message}; }

int64_t float_to_int(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (v <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

ConstTensor empty_like_type(bool is_float, std::vector<int64_t> dims) {
  ConstTensor t;
  t.is_float = is_float;
  t.dims = std::move(dims);
  return t;
}

void append_element(ConstTensor& dst, const ConstTensor& src, size_t i) {
  if (dst.is_float)
    dst.floats.push_back(src.floats[i]);
  else
    dst.ints.push_back(src.ints[i]);
}

Result<int64_t> normalise_axis(int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank)
    return fail(std::string(what) + " axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Row-major strides of dims.
std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

const ConstTensor* input_at(const std::vector<const ConstTensor*>& in, size_t i) {
  return i < in.size() ? in[i] : nullptr;
}

Result<std::vector<int64_t>> int_list(const ConstTensor* t, const char* what) {
  if (!t) return fail(std::string("missing ") + what);
  if (t->is_float) return fail(std::string(what) + " must be integers");
  if (t->dims.size() > 1) return fail(std::string(what) + " must be a 1-D tensor");
  return t->ints;
}

// axes from the attribute (before opset 13) or from input 1 (from 13); nullopt when absent.
Result<std::optional<std::vector<int64_t>>> axes_of(const onnx::NodeProto& node,
                                                    const std::vector<const ConstTensor*>& in,
                                                    int64_t opset) {
  if (opset >= 13) {
    const ConstTensor* axes = input_at(in, 1);
    if (!axes) return std::optional<std::vector<int64_t>>{};
    auto list = int_list(axes, "axes");
    if (!list) return list.error();
    return std::optional<std::vector<int64_t>>{*list};
  }
  return attr_ints(node, "axes");
}

Result<Tensors> constant_node(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute()) {
    ConstTensor t;
    if (a.name() == "value") {
      if (!a.has_t()) return fail("attribute 'value' holds no tensor");
      auto r = read_tensor(a.t());
      if (!r) return r.error();
      t = std::move(r.value());
    } else if (a.name() == "value_float") {
      t.floats = {a.f()};
    } else if (a.name() == "value_floats") {
      t.dims = {a.floats_size()};
      t.floats.assign(a.floats().begin(), a.floats().end());
    } else if (a.name() == "value_int") {
      t.is_float = false;
      t.ints = {a.i()};
    } else if (a.name() == "value_ints") {
      t.is_float = false;
      t.dims = {a.ints_size()};
      t.ints.assign(a.ints().begin(), a.ints().end());
    } else {
      return fail("Constant attribute '" + a.name() + "' is not supported");
    }
    return Tensors{std::move(t)};
  }
  return fail("Constant has no value");
}

Result<Tensors> constant_of_shape(const onnx::NodeProto& node, const std::vector<const ConstTensor*>& in,
                                  int64_t limit) {
  auto dims = int_list(input_at(in, 0), "shape input");
  if (!dims) return dims.error();
  auto numel = checked_numel(*dims, limit);
  if (!numel) return numel.error();
  ConstTensor fill;
  fill.floats = {0.0f};
  if (const auto* a = find_attribute(node, "value")) {
    if (!a->has_t()) return fail("attribute 'value' holds no tensor");
    auto r = read_tensor(a->t());
    if (!r) return r.error();
    if (r->size() != 1) return fail("attribute 'value' must hold one element");
    fill = std::move(r.value());
  }
  ConstTensor t = empty_like_type(fill.is_float, *dims);
  if (t.is_float)
    t.floats.assign(static_cast<size_t>(*numel), fill.floats[0]);
  else
    t.ints.assign(static_cast<size_t>(*numel), fill.ints[0]);
  return Tensors{std::move(t)};
}

Result<Tensors> cast(const onnx::NodeProto& node, const ConstTensor& x) {
  auto to = attr_int(node, "to", 0);
  if (!to) return to.error();
  bool to_float = *to == onnx::TensorProto::FLOAT || *to == onnx::TensorProto::DOUBLE ||
                  *to == onnx::TensorProto::FLOAT16;
  bool to_bool = *to == onnx::TensorProto::BOOL;
  bool to_int = *to == onnx::TensorProto::INT64 || *to == onnx::TensorProto::INT32 ||
                *to == onnx::TensorProto::INT16 || *to == onnx::TensorProto::INT8 ||
                *to == onnx::TensorProto::UINT8 || *to == onnx::TensorProto::UINT16 ||
                *to == onnx::TensorProto::UINT32;
  if (!to_float && !to_int && !to_bool)
    return fail("Cast to type " + std::to_string(*to) + " is not supported");
  ConstTensor t = empty_like_type(to_float, x.dims);
  for (size_t i = 0; i < x.size(); ++i) {
    if (to_float)
      t.floats.push_back(static_cast<float>(x.value(i)));
    else if (to_bool)
      t.ints.push_back(x.value(i) != 0.0 ? 1 : 0);
    else
      t.ints.push_back(x.is_float ? float_to_int(x.floats[i]) : x.ints[i]);
  }
  return Tensors{std::move(t)};
}

Result<Tensors> gather(const onnx::NodeProto& node, const ConstTensor& data, const ConstTensor& indices,
                       int64_t limit) {
  if (indices.is_float) return fail("Gather indices must be integers");
  auto rank = static_cast<int64_t>(data.dims.size());
  if (rank == 0) return fail("Gather needs data of rank >= 1");
  auto axis_attr = attr_int(node, "axis", 0);
  if (!axis_attr) return axis_attr.error();
  auto axis = normalise_axis(*axis_attr, rank, "Gather");
  if (!axis) return axis.error();
  auto a = static_cast<size_t>(*axis);
  std::vector<int64_t> out_dims(data.dims.begin(), data.dims.begin() + *axis);
  out_dims.insert(out_dims.end(), indices.dims.begin(), indices.dims.end());
  out_dims.insert(out_dims.end(), data.dims.begin() + *axis + 1, data.dims.end());
  auto numel = checked_numel(out_dims, limit);
  if (!numel) return numel.error();
  int64_t outer = 1, inner = 1, extent = data.dims[a];
  for (size_t i = 0; i < a; ++i) outer *= data.dims[i];
  for (size_t i = a + 1; i < data.dims.size(); ++i) inner *= data.dims[i];
  ConstTensor t = empty_like_type(data.is_float, out_dims);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t index : indices.ints) {
      if (index < -extent || index >= extent)
        return fail("Gather index " + std::to_string(index) + " is out of range for a dim of " +
                    std::to_string(extent));
      int64_t k = index < 0 ? index + extent : index;
      for (int64_t i = 0; i < inner; ++i)
        append_element(t, data, static_cast<size_t>((o * extent + k) * inner + i));
    }
  return Tensors{std::move(t)};
}

Result<Tensors> unsqueeze(const onnx::NodeProto& node, const std::vector<const ConstTensor*>& in,
                          int64_t opset) {
  const ConstTensor& x = *in[0];
  auto axes = axes_of(node, in, opset);
  if (!axes) return axes.error();
  if (!axes->has_value()) return fail("Unsqueeze needs axes");
  auto out_rank = static_cast<int64_t>(x.dims.size() + (*axes)->size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t axis : **axes) {
    auto a = normalise_axis(axis, out_rank, "Unsqueeze");
    if (!a) return a.error();
    if (inserted[static_cast<size_t>(*a)]) return fail("Unsqueeze axes repeat " + std::to_string(axis));
    inserted[static_cast<size_t>(*a)] = true;
  }
  ConstTensor t = x;
  t.dims.clear();
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i)
    t.dims.push_back(inserted[static_cast<size_t>(i)] ? 1 : x.dims[next++]);
  return Tensors{std::move(t)};
}

Result<Tensors> squeeze(const onnx::NodeProto& node, const std::vector<const ConstTensor*>& in,
                        int64_t opset) {
  const ConstTensor& x = *in[0];
  auto axes = axes_of(node, in, opset);
  if (!axes) return axes.error();
  auto rank = static_cast<int64_t>(x.dims.size());
  std::vector<bool> removed(x.dims.size(), false);
  if (axes->has_value()) {
    for (int64_t axis : **axes) {
      auto a = normalise_axis(axis, rank, "Squeeze");
      if (!a) return a.error();
      if (x.dims[static_cast<size_t>(*a)] != 1) return fail("Squeeze of a dim that is not 1");
      removed[static_cast<size_t>(*a)] = true;
    }
  } else {
    for (size_t i = 0; i < x.dims.size(); ++i) removed[i] = x.dims[i] == 1;
  }
  ConstTensor t = x;
  t.dims.clear();
  for (size_t i = 0; i < x.dims.size(); ++i)
    if (!removed[i]) t.dims.push_back(x.dims[i]);
  return Tensors{std::move(t)};
}

Result<Tensors> concat(const onnx::NodeProto& node, const std::vector<const ConstTensor*>& in,
                       int64_t limit) {
  std::vector<const ConstTensor*> parts;
  for (const ConstTensor* t : in)
    if (t) parts.push_back(t);
  if (parts.empty()) return fail("Concat needs inputs");
  const ConstTensor& first = *parts[0];
  auto rank = static_cast<int64_t>(first.dims.size());
  if (rank == 0) return fail("Concat of scalars");
  auto axis_attr = attr_int(node, "axis", 0);
  if (!axis_attr) return axis_attr.error();
  auto axis = normalise_axis(*axis_attr, rank, "Concat");
  if (!axis) return axis.error();
  auto a = static_cast<size_t>(*axis);
  std::vector<int64_t> out_dims = first.dims;
  out_dims[a] = 0;
  for (const ConstTensor* t : parts) {
    if (t->is_float != first.is_float) return fail("Concat of floats and integers");
    if (t->dims.size() != first.dims.size()) return fail("Concat inputs differ in rank");
    for (size_t d = 0; d < first.dims.size(); ++d)
      if (d != a && t->dims[d] != first.dims[d]) return fail("Concat inputs differ outside the axis");
    if (t->dims[a] > limit - out_dims[a]) return fail("Concat result is too large");
    out_dims[a] += t->dims[a];
  }
  if (auto n = checked_numel(out_dims, limit); !n) return n.error();
  int64_t outer = 1;
  for (size_t i = 0; i < a; ++i) outer *= first.dims[i];
  ConstTensor t = empty_like_type(first.is_float, out_dims);
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstTensor* part : parts) {
      int64_t block = 1;
      for (size_t i = a; i < part->dims.size(); ++i) block *= part->dims[i];
      for (int64_t i = 0; i < block; ++i) append_element(t, *part, static_cast<size_t>(o * block + i));
    }
  return Tensors{std::move(t)};
}

Result<Tensors> slice(const onnx::NodeProto& node, const std::vector<const ConstTensor*>& in, int64_t opset,
                      int64_t limit) {
  const ConstTensor& x = *in[0];
  auto rank = static_cast<int64_t>(x.dims.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset >= 10) {
    auto s = int_list(input_at(in, 1), "starts");
    auto e = int_list(input_at(in, 2), "ends");
    if (!s) return s.error();
    if (!e) return e.error();
    starts = *s;
    ends = *e;
    if (input_at(in, 3)) {
      auto a = int_list(input_at(in, 3), "axes");
      if (!a) return a.error();
      axes = *a;
    }
    if (input_at(in, 4)) {
      auto st = int_list(input_at(in, 4), "steps");
      if (!st) return st.error();
      steps = *st;
    }
  } else {
    auto s = attr_ints(node, "starts");
    auto e = attr_ints(node, "ends");
    auto a = attr_ints(node, "axes");
    if (!s) return s.error();
    if (!e) return e.error();
    if (!a) return a.error();
    if (!s->has_value() || !e->has_value()) return fail("Slice needs starts and ends");
    starts = **s;
    ends = **e;
    if (a->has_value()) axes = **a;
  }
  if (axes.empty())
    for (int64_t i = 0; i < static_cast<int64_t>(starts.size()); ++i) axes.push_back(i);
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return fail("Slice starts, ends, axes and steps differ in length");
  // Per axis: first index, step and count.
  std::vector<int64_t> first(x.dims.size(), 0), step(x.dims.size(), 1), count = x.dims;
  std::vector<bool> seen(x.dims.size(), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    auto axis = normalise_axis(axes[i], rank, "Slice");
    if (!axis) return axis.error();
    auto a = static_cast<size_t>(*axis);
    if (seen[a]) return fail("Slice axes repeat");
    seen[a] = true;
    int64_t dim = x.dims[a];
    int64_t st = steps[i];
    if (st == 0) return fail("Slice step is 0");
    st = std::clamp<int64_t>(st, -(dim + 1), dim + 1);  // a longer step takes one element all the same
    auto clamp_index = [&](int64_t v, bool forward) {
      if (v < 0) v = v < -dim ? -1 : v + dim;  // -1 marks "before the start"
      if (forward) return std::clamp<int64_t>(v, 0, dim);
      return std::clamp<int64_t>(v, -1, dim - 1);
    };
    int64_t begin = clamp_index(starts[i], st > 0);
    int64_t end = clamp_index(ends[i], st > 0);
    int64_t n = 0;
    if (st > 0 && end > begin) n = (end - begin - 1) / st + 1;
    if (st < 0 && begin > end) n = (begin - end - 1) / (-st) + 1;
    first[a] = begin;
    step[a] = st;
    count[a] = n;
  }
  auto numel = checked_numel(count, limit);
  if (!numel) return numel.error();
  ConstTensor t = empty_like_type(x.is_float, count);
  std::vector<int64_t> src_strides = strides_of(x.dims);
  std::vector<int64_t> index(x.dims.size(), 0);
  for (int64_t k = 0; k < *numel; ++k) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d) offset += (first[d] + index[d] * step[d]) * src_strides[d];
    append_element(t, x, static_cast<size_t>(offset));
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < count[d]) break;
      index[d] = 0;
    }
  }
  return Tensors{std::move(t)};
}

Result<Tensors> reshape(const onnx::NodeProto& node, const ConstTensor& x, const ConstTensor& shape_tensor) {
  auto shape = int_list(&shape_tensor, "shape input");
  if (!shape) return shape.error();
  auto allowzero = attr_int(node, "allowzero", 0);
  if (!allowzero) return allowzero.error();
  std::vector<int64_t> dims = *shape;
  int64_t known = 1;
  int inferred = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0 && *allowzero == 0) {
      if (i >= x.dims.size())
        return fail("Reshape dim " + std::to_string(i) + " is 0 but the input has no such dim");
      dims[i] = x.dims[i];
    }
    if (dims[i] == -1) {
      if (inferred >= 0) return fail("Reshape target has more than one -1");
      inferred = static_cast<int>(i);
      continue;
    }
    if (dims[i] < 0 || dims[i] > kMaxDim)
      return fail("Reshape dim " + std::to_string(dims[i]) + " is invalid");
    known *= dims[i];
    if (known > kMaxDim) return fail("Reshape target is too large");
  }
  auto n = static_cast<int64_t>(x.size());
  if (inferred >= 0) {
    if (known == 0 || n % known != 0) return fail("cannot reshape " + std::to_string(n) + " elements");
    dims[static_cast<size_t>(inferred)] = n / known;
  } else if (known != n) {
    return fail("cannot reshape " + std::to_string(n) + " elements to [" + dims_to_string(dims) + "]");
  }
  ConstTensor t = x;
  t.dims = dims;
  return Tensors{std::move(t)};
}

Result<Tensors> transpose(const onnx::NodeProto& node, const ConstTensor& x) {
  auto perm_attr = attr_ints(node, "perm");
  if (!perm_attr) return perm_attr.error();
  std::vector<int64_t> perm;
  if (perm_attr->has_value()) {
    perm = **perm_attr;
  } else {
    for (size_t i = x.dims.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  }
  if (perm.size() != x.dims.size()) return fail("Transpose perm has the wrong length");
  std::vector<bool> used(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size()) || used[static_cast<size_t>(p)])
      return fail("Transpose perm is not a permutation");
    used[static_cast<size_t>(p)] = true;
  }
  std::vector<int64_t> out_dims;
  for (int64_t p : perm) out_dims.push_back(x.dims[static_cast<size_t>(p)]);
  std::vector<int64_t> src_strides = strides_of(x.dims);
  ConstTensor t = empty_like_type(x.is_float, out_dims);
  std::vector<int64_t> index(out_dims.size(), 0);
  for (size_t k = 0; k < x.size(); ++k) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d) offset += index[d] * src_strides[static_cast<size_t>(perm[d])];
    append_element(t, x, static_cast<size_t>(offset));
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < out_dims[d]) break;
      index[d] = 0;
    }
  }
  return Tensors{std::move(t)};
}

// Add, Sub, Mul, Div with NumPy broadcasting.
Result<Tensors> arithmetic(const std::string& op, const ConstTensor& a, const ConstTensor& b, int64_t limit) {
  if (a.is_float != b.is_float) return fail(op + " of floats and integers");
  size_t rank = std::max(a.dims.size(), b.dims.size());
  std::vector<int64_t> out(rank), sa(rank, 0), sb(rank, 0);
  std::vector<int64_t> stride_a = strides_of(a.dims), stride_b = strides_of(b.dims);
  for (size_t i = 0; i < rank; ++i) {
    size_t ia = i + a.dims.size(), ib = i + b.dims.size();
    int64_t da = ia >= rank ? a.dims[ia - rank] : 1;
    int64_t db = ib >= rank ? b.dims[ib - rank] : 1;
    if (da != db && da != 1 && db != 1) return fail(op + " operands do not broadcast");
    out[i] = std::max(da, db);
    if (ia >= rank && da != 1) sa[i] = stride_a[ia - rank];
    if (ib >= rank && db != 1) sb[i] = stride_b[ib - rank];
  }
  auto numel = checked_numel(out, limit);
  if (!numel) return numel.error();
  ConstTensor t = empty_like_type(a.is_float, out);
  std::vector<int64_t> index(rank, 0);
  for (int64_t k = 0; k < *numel; ++k) {
    size_t i = 0, j = 0;
    for (size_t d = 0; d < rank; ++d) {
      i += static_cast<size_t>(index[d] * sa[d]);
      j += static_cast<size_t>(index[d] * sb[d]);
    }
    if (t.is_float) {
      float x = a.floats[i], y = b.floats[j];
      t.floats.push_back(op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y : x / y);
    } else {
      int64_t x = a.ints[i], y = b.ints[j];
      // Wrap-around arithmetic in unsigned, so that hostile values cannot overflow.
      auto ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
      if (op == "Div") {
        if (y == 0) return fail("integer division by zero");
        if (x == std::numeric_limits<int64_t>::min() && y == -1) return fail("integer division overflows");
        t.ints.push_back(x / y);
      } else {
        uint64_t r = op == "Add" ? ux + uy : op == "Sub" ? ux - uy : ux * uy;
        t.ints.push_back(static_cast<int64_t>(r));
      }
    }
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return Tensors{std::move(t)};
}

}  // namespace

bool is_foldable_op(std::string_view op) {
  static const char* const kOps[] = {
      "Constant", "ConstantOfShape", "Identity",  "Cast", "Gather", "Unsqueeze", "Squeeze", "Concat",
      "Slice",    "Reshape",         "Transpose", "Add",  "Sub",    "Mul",       "Div",     "Shape"};
  for (const char* k : kOps)
    if (op == k) return true;
  return false;
}

Result<Tensors> fold_constant_node(const onnx::NodeProto& node, const std::vector<const ConstTensor*>& in,
                                   int64_t opset, int64_t limit) {
  const std::string& op = node.op_type();
  if (op == "Constant") return constant_node(node);
  if (op == "ConstantOfShape") return constant_of_shape(node, in, limit);
  const ConstTensor* x = input_at(in, 0);
  if (!x) return fail(op + " needs an input");
  if (op == "Identity") return Tensors{*x};
  if (op == "Cast") return cast(node, *x);
  if (op == "Shape") {
    ConstTensor t = empty_like_type(false, {static_cast<int64_t>(x->dims.size())});
    t.ints = x->dims;
    return Tensors{std::move(t)};
  }
  if (op == "Unsqueeze") return unsqueeze(node, in, opset);
  if (op == "Squeeze") return squeeze(node, in, opset);
  if (op == "Concat") return concat(node, in, limit);
  if (op == "Slice") return slice(node, in, opset, limit);
  if (op == "Transpose") return transpose(node, *x);
  const ConstTensor* y = input_at(in, 1);
  if (!y) return fail(op + " needs two inputs");
  if (op == "Gather") return gather(node, *x, *y, limit);
  if (op == "Reshape") return reshape(node, *x, *y);
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return arithmetic(op, *x, *y, limit);
  return fail("operator " + op + " cannot be folded");
}

}  // namespace hwnas::onnx_io::detail
