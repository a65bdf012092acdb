// The table of YAML fields of every operator's typed attributes (see include/hwnas/text/op_fields.h).
#include "hwnas/text/op_fields.h"

#include <map>

namespace hwnas::text {
namespace {

using ir::Attrs;

template <class A>
const A& as(const Attrs& attrs) {
  return std::get<A>(attrs);
}
template <class A>
A& as(Attrs& attrs) {
  return std::get<A>(attrs);
}
int64_t to_int(const FieldValue& v) { return std::get<int64_t>(v); }
const std::vector<int64_t>& to_dims(const FieldValue& v) { return std::get<std::vector<int64_t>>(v); }

// Fields shared by convolution and pooling: the same names and shapes on two attribute types.
template <class A>
FieldSpec kernel_field(std::string_view help) {
  return {"kernel",
          FieldKind::Pair,
          false,
          help,
          {},
          [](const Attrs& a) -> FieldValue {
            return std::vector<int64_t>{as<A>(a).kernel_h, as<A>(a).kernel_w};
          },
          [](Attrs& a, const FieldValue& v) {
            as<A>(a).kernel_h = to_dims(v)[0];
            as<A>(a).kernel_w = to_dims(v)[1];
          }};
}

template <class A>
FieldSpec stride_field(std::string_view help) {
  return {"stride",
          FieldKind::Pair,
          false,
          help,
          {},
          [](const Attrs& a) -> FieldValue {
            return std::vector<int64_t>{as<A>(a).stride_h, as<A>(a).stride_w};
          },
          [](Attrs& a, const FieldValue& v) {
            as<A>(a).stride_h = to_dims(v)[0];
            as<A>(a).stride_w = to_dims(v)[1];
          }};
}

template <class A>
FieldSpec padding_field(std::string_view help) {
  return {"padding",
          FieldKind::Padding,
          false,
          help,
          {},
          [](const Attrs& a) -> FieldValue {
            const A& x = as<A>(a);
            return std::vector<int64_t>{x.pad_top, x.pad_left, x.pad_bottom, x.pad_right};
          },
          [](Attrs& a, const FieldValue& v) {
            A& x = as<A>(a);
            x.pad_top = to_dims(v)[0];
            x.pad_left = to_dims(v)[1];
            x.pad_bottom = to_dims(v)[2];
            x.pad_right = to_dims(v)[3];
          }};
}

// The fields of a convolution or a transposed convolution (the same names on both).
template <class A>
std::vector<FieldSpec> conv_fields() {
  return {
      {"out_channels",
       FieldKind::Int,
       true,
       "output channels",
       {},
       [](const Attrs& a) -> FieldValue { return as<A>(a).out_channels; },
       [](Attrs& a, const FieldValue& v) { as<A>(a).out_channels = to_int(v); }},
      kernel_field<A>("kernel size [h, w]; default 1"),
      stride_field<A>("stride [h, w]; default 1"),
      padding_field<A>("zero padding [top, left, bottom, right]; default 0"),
      {"dilation",
       FieldKind::Pair,
       false,
       "dilation [h, w]; default 1",
       {},
       [](const Attrs& a) -> FieldValue {
         return std::vector<int64_t>{as<A>(a).dilation_h, as<A>(a).dilation_w};
       },
       [](Attrs& a, const FieldValue& v) {
         as<A>(a).dilation_h = to_dims(v)[0];
         as<A>(a).dilation_w = to_dims(v)[1];
       }},
      {"groups",
       FieldKind::Int,
       false,
       "channel groups; groups == channels is depthwise; default 1",
       {},
       [](const Attrs& a) -> FieldValue { return as<A>(a).groups; },
       [](Attrs& a, const FieldValue& v) { as<A>(a).groups = to_int(v); }},
      {"bias",
       FieldKind::Bool,
       false,
       "whether the convolution adds a bias; default false",
       {},
       [](const Attrs& a) -> FieldValue { return as<A>(a).bias; },
       [](Attrs& a, const FieldValue& v) { as<A>(a).bias = std::get<bool>(v); }},
  };
}

std::vector<FieldSpec> conv_transpose2d_fields() {
  using A = ir::ConvTranspose2dAttrs;
  std::vector<FieldSpec> fields = conv_fields<A>();
  fields.push_back({"output_padding",
                    FieldKind::Pair,
                    false,
                    "added to the bottom and right of the output [h, w]; default 0",
                    {},
                    [](const Attrs& a) -> FieldValue {
                      return std::vector<int64_t>{as<A>(a).output_padding_h, as<A>(a).output_padding_w};
                    },
                    [](Attrs& a, const FieldValue& v) {
                      as<A>(a).output_padding_h = to_dims(v)[0];
                      as<A>(a).output_padding_w = to_dims(v)[1];
                    }});
  return fields;
}

std::vector<FieldSpec> pool_fields() {
  using A = ir::PoolAttrs;
  return {
      kernel_field<A>("window size [h, w]; default 2"),
      stride_field<A>("stride [h, w]; default 2"),
      padding_field<A>("padding [top, left, bottom, right]; default 0"),
      {"ceil_mode",
       FieldKind::Bool,
       false,
       "round the output size up; default false",
       {},
       [](const Attrs& a) -> FieldValue { return as<A>(a).ceil_mode; },
       [](Attrs& a, const FieldValue& v) { as<A>(a).ceil_mode = std::get<bool>(v); }},
      {"count_include_pad",
       FieldKind::Bool,
       false,
       "average pooling divides by the padded window; default false",
       {},
       [](const Attrs& a) -> FieldValue { return as<A>(a).count_include_pad; },
       [](Attrs& a, const FieldValue& v) { as<A>(a).count_include_pad = std::get<bool>(v); }},
  };
}

template <class A>
std::vector<FieldSpec> axis_fields(std::string_view help) {
  return {{"axis",
           FieldKind::Int,
           false,
           help,
           {},
           [](const Attrs& a) -> FieldValue { return as<A>(a).axis; },
           [](Attrs& a, const FieldValue& v) { as<A>(a).axis = to_int(v); }}};
}

std::vector<FieldSpec> fields_of(ir::OpKind kind) {
  switch (kind) {
    case ir::OpKind::Input:
      return {{"shape",
               FieldKind::Dims,
               true,
               "the full input shape, batch included, e.g. [1, 3, 224, 224]",
               {},
               [](const Attrs& a) -> FieldValue { return as<ir::InputAttrs>(a).shape.dims; },
               [](Attrs& a, const FieldValue& v) { as<ir::InputAttrs>(a).shape = ir::Shape(to_dims(v)); }}};
    case ir::OpKind::Conv2d:
      return conv_fields<ir::Conv2dAttrs>();
    case ir::OpKind::ConvTranspose2d:
      return conv_transpose2d_fields();
    case ir::OpKind::LeakyRelu:
      return {{"alpha",
               FieldKind::Double,
               false,
               "slope for negative inputs; default 0.01",
               {},
               [](const Attrs& a) -> FieldValue { return as<ir::LeakyReluAttrs>(a).alpha; },
               [](Attrs& a, const FieldValue& v) { as<ir::LeakyReluAttrs>(a).alpha = std::get<double>(v); }}};
    case ir::OpKind::Transpose:
      return {{"perm",
               FieldKind::Dims,
               true,
               "output dim i is input dim perm[i]",
               {},
               [](const Attrs& a) -> FieldValue { return as<ir::TransposeAttrs>(a).perm; },
               [](Attrs& a, const FieldValue& v) { as<ir::TransposeAttrs>(a).perm = to_dims(v); }}};
    case ir::OpKind::ChannelShuffle:
      return {{"groups",
               FieldKind::Int,
               true,
               "channel groups interleaved",
               {},
               [](const Attrs& a) -> FieldValue { return as<ir::ChannelShuffleAttrs>(a).groups; },
               [](Attrs& a, const FieldValue& v) { as<ir::ChannelShuffleAttrs>(a).groups = to_int(v); }}};
    case ir::OpKind::Slice: {
      using A = ir::SliceAttrs;
      std::vector<FieldSpec> fields = axis_fields<A>("the axis sliced; default 1");
      fields.push_back({"start",
                        FieldKind::Int,
                        true,
                        "first index kept",
                        {},
                        [](const Attrs& a) -> FieldValue { return as<A>(a).start; },
                        [](Attrs& a, const FieldValue& v) { as<A>(a).start = to_int(v); }});
      fields.push_back({"end",
                        FieldKind::Int,
                        true,
                        "one past the last index kept",
                        {},
                        [](const Attrs& a) -> FieldValue { return as<A>(a).end; },
                        [](Attrs& a, const FieldValue& v) { as<A>(a).end = to_int(v); }});
      return fields;
    }
    case ir::OpKind::Linear: {
      using A = ir::LinearAttrs;
      return {{"out_features",
               FieldKind::Int,
               true,
               "output features",
               {},
               [](const Attrs& a) -> FieldValue { return as<A>(a).out_features; },
               [](Attrs& a, const FieldValue& v) { as<A>(a).out_features = to_int(v); }},
              {"bias",
               FieldKind::Bool,
               false,
               "whether the layer adds a bias; default true",
               {},
               [](const Attrs& a) -> FieldValue { return as<A>(a).bias; },
               [](Attrs& a, const FieldValue& v) { as<A>(a).bias = std::get<bool>(v); }}};
    }
    case ir::OpKind::BatchNorm:
      return {
          {"epsilon",
           FieldKind::Double,
           false,
           "added to the variance; default 1e-05",
           {},
           [](const Attrs& a) -> FieldValue { return as<ir::BatchNormAttrs>(a).epsilon; },
           [](Attrs& a, const FieldValue& v) { as<ir::BatchNormAttrs>(a).epsilon = std::get<double>(v); }}};
    case ir::OpKind::Clip: {
      using A = ir::ClipAttrs;
      return {{"min",
               FieldKind::Double,
               false,
               "lower bound; default 0",
               {},
               [](const Attrs& a) -> FieldValue { return as<A>(a).min; },
               [](Attrs& a, const FieldValue& v) { as<A>(a).min = std::get<double>(v); }},
              {"max",
               FieldKind::Double,
               false,
               "upper bound; default 6",
               {},
               [](const Attrs& a) -> FieldValue { return as<A>(a).max; },
               [](Attrs& a, const FieldValue& v) { as<A>(a).max = std::get<double>(v); }}};
    }
    case ir::OpKind::HardSigmoid: {
      using A = ir::HardSigmoidAttrs;
      return {{"alpha",
               FieldKind::Double,
               false,
               "slope; default 1/6 (0.16666666666666666)",
               {},
               [](const Attrs& a) -> FieldValue { return as<A>(a).alpha; },
               [](Attrs& a, const FieldValue& v) { as<A>(a).alpha = std::get<double>(v); }},
              {"beta",
               FieldKind::Double,
               false,
               "offset; default 0.5",
               {},
               [](const Attrs& a) -> FieldValue { return as<A>(a).beta; },
               [](Attrs& a, const FieldValue& v) { as<A>(a).beta = std::get<double>(v); }}};
    }
    case ir::OpKind::Concat:
      return axis_fields<ir::ConcatAttrs>("the axis joined along; negative counts from the end; default 1");
    case ir::OpKind::MaxPool:
    case ir::OpKind::AvgPool:
      return pool_fields();
    case ir::OpKind::Resize: {
      using A = ir::ResizeAttrs;
      return {{"mode",
               FieldKind::Mode,
               false,
               "nearest or bilinear; default nearest",
               {"nearest", "bilinear"},
               [](const Attrs& a) -> FieldValue {
                 return std::string(as<A>(a).mode == ir::ResizeMode::Bilinear ? "bilinear" : "nearest");
               },
               [](Attrs& a, const FieldValue& v) {
                 as<A>(a).mode = std::get<std::string>(v) == "bilinear" ? ir::ResizeMode::Bilinear
                                                                        : ir::ResizeMode::Nearest;
               }},
              {"size",
               FieldKind::Pair,
               true,
               "output size [h, w]",
               {},
               [](const Attrs& a) -> FieldValue {
                 return std::vector<int64_t>{as<A>(a).out_h, as<A>(a).out_w};
               },
               [](Attrs& a, const FieldValue& v) {
                 as<A>(a).out_h = to_dims(v)[0];
                 as<A>(a).out_w = to_dims(v)[1];
               }},
              {"align_corners",
               FieldKind::Bool,
               false,
               "bilinear only; default false",
               {},
               [](const Attrs& a) -> FieldValue { return as<A>(a).align_corners; },
               [](Attrs& a, const FieldValue& v) { as<A>(a).align_corners = std::get<bool>(v); }}};
    }
    case ir::OpKind::Pad: {
      using A = ir::PadAttrs;
      return {padding_field<A>("padding [top, left, bottom, right]; default 0"),
              {"value",
               FieldKind::Double,
               false,
               "the constant padded in; default 0",
               {},
               [](const Attrs& a) -> FieldValue { return as<A>(a).value; },
               [](Attrs& a, const FieldValue& v) { as<A>(a).value = std::get<double>(v); }}};
    }
    case ir::OpKind::Flatten:
      return axis_fields<ir::FlattenAttrs>(
          "dims before axis are kept, the rest flattened into one; default 1");
    case ir::OpKind::Reshape:
      return {{"shape",
               FieldKind::Dims,
               true,
               "target shape; one -1 is inferred, 0 copies the input dim",
               {},
               [](const Attrs& a) -> FieldValue { return as<ir::ReshapeAttrs>(a).shape; },
               [](Attrs& a, const FieldValue& v) { as<ir::ReshapeAttrs>(a).shape = to_dims(v); }}};
    case ir::OpKind::Softmax:
      return axis_fields<ir::SoftmaxAttrs>("the axis normalised over; default 1");
    case ir::OpKind::Relu:
    case ir::OpKind::Relu6:
    case ir::OpKind::HardSwish:
    case ir::OpKind::Sigmoid:
    case ir::OpKind::Swish:
    case ir::OpKind::Add:
    case ir::OpKind::Mul:
    case ir::OpKind::Sub:
    case ir::OpKind::Div:
    case ir::OpKind::GlobalAvgPool:
    case ir::OpKind::GlobalMaxPool:
      return {};
  }
  return {};
}

}  // namespace

const std::vector<FieldSpec>& op_fields(ir::OpKind kind) {
  static const std::map<ir::OpKind, std::vector<FieldSpec>> table = [] {
    std::map<ir::OpKind, std::vector<FieldSpec>> t;
    for (ir::OpKind k : ir::all_op_kinds()) t.emplace(k, fields_of(k));
    return t;
  }();
  return table.at(kind);
}

}  // namespace hwnas::text
