// Per-kernel cycles, bytes, bound and energy on a configurable accelerator (Vela's model, generalised).
#include "hwnas/hw/cycle_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "hwnas/analysis/cost.h"

namespace hwnas::hw {
namespace {

using ir::OpKind;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t m) { return ceil_div(a, m) * m; }

// The array's figures at one precision (the spec's, or a kernel's own under mixed precision).
struct Array {
  int64_t ub_h, ub_w, ub_d;
  int64_t dot;            // dot-product width
  int64_t ifm_depth;      // IFM block depth
  int64_t pkf_depth;      // IFM block depth of part-kernel-first traversal
  int64_t step_cycles;    // cycles of one block step: ifm_depth / dot
  int64_t weight_cycles;  // least cycles a kernel step takes to load its weights
  int64_t delay;
  int64_t dw_step;
  int64_t wide;  // 2 for 16-bit activations, else 1
  double cores;
  bool part_kernel_first;

  Array(const AcceleratorSpec& spec, ir::Precision precision) {
    const MacArraySpec& m = spec.mac_array;
    ub_h = m.micro_block_height;
    ub_w = m.micro_block_width;
    ub_d = m.micro_block_depth;
    dot = spec.dot_product_width(precision);
    ifm_depth = spec.ifm_block_depth(precision);
    pkf_depth = std::max<int64_t>(dot, m.ifm_block_depth / 2);
    step_cycles = ifm_depth / dot;
    weight_cycles = ceil_div(m.micro_block_depth * m.ifm_block_depth, m.weight_bytes_per_cycle);
    delay = m.small_block_delay_cycles;
    dw_step = m.depthwise_kernel_step;
    wide = AcceleratorSpec::wide_activations(precision) ? 2 : 1;
    cores = static_cast<double>(m.cores);
    part_kernel_first = m.part_kernel_first;
  }
};

enum class JobKind { Conv, Depthwise, Pool };

// One convolution-like operation on the MAC array, per group.
struct ArrayJob {
  JobKind kind = JobKind::Conv;
  int64_t out_h = 1, out_w = 1, out_depth = 1;  // out_depth per group
  int64_t in_depth = 1;                         // reduction depth per group (conv); channels otherwise
  int64_t kernel_h = 1, kernel_w = 1;           // dilated extent
  int64_t taps_h = 1, taps_w = 1;               // kernel elements
  int64_t stride_h = 1, stride_w = 1;
  int64_t groups = 1;
};

// Pieces of a length: `count` pieces of `size` (at most two kinds, no allocation).
struct Extent {
  int64_t size = 0, count = 0;
};
struct Extents {
  Extent part[2];
  int kinds = 0;
};

// `total` cut into pieces of `step`, the last one partial.
Extents cut(int64_t total, int64_t step) {
  Extents e;
  if (total / step > 0) e.part[e.kinds++] = {step, total / step};
  if (total % step > 0) e.part[e.kinds++] = {total % step, 1};
  return e;
}

// Sub-kernels of at most 8 elements per side, as the hardware splits large kernels.
Extents split_kernel(int64_t taps) { return cut(taps, 8); }

int64_t piece_count(const Extents& e) {
  int64_t n = 0;
  for (int i = 0; i < e.kinds; ++i) n += e.part[i].count;
  return n;
}

// DPU cycles of one OFM block of ublk_x x ublk_y x ublk_z micro-blocks.
double block_dpu_cycles(const Array& a, const ArrayJob& job, int64_t ublk_x, int64_t ublk_y, int64_t ublk_z,
                        bool part_kernel_first) {
  const int64_t xy = ublk_x * ublk_y;
  int64_t slices = 1;  // part-kernel-first: dot-product slices of the IFM block
  if (part_kernel_first) slices = ceil_div(std::min(job.in_depth, a.pkf_depth), a.dot);
  const Extents rows = split_kernel(job.taps_h), cols = split_kernel(job.taps_w);
  double total = 0;
  for (int r = 0; r < rows.kinds; ++r)
    for (int c = 0; c < cols.kinds; ++c) {
      const int64_t elements = rows.part[r].size * cols.part[c].size;
      const int64_t sub_kernels = rows.part[r].count * cols.part[c].count;
      int64_t steps = 0;
      double cycles = 0;
      switch (job.kind) {
        case JobKind::Conv:
          if (part_kernel_first) {
            steps = ceil_div(elements, a.step_cycles);
            cycles =
                static_cast<double>(std::max(a.weight_cycles, a.step_cycles * xy) * steps * slices * ublk_z);
          } else {
            steps = elements;
            cycles = static_cast<double>(std::max(a.weight_cycles, a.step_cycles * xy) * steps * ublk_z);
          }
          break;
        case JobKind::Depthwise:
          steps = ceil_div(elements, a.dw_step);
          cycles =
              static_cast<double>(std::max(a.weight_cycles, a.step_cycles * a.wide * xy) * steps * ublk_z);
          break;
        case JobKind::Pool:
          steps = 1;
          cycles = static_cast<double>(std::max(a.step_cycles, elements) * xy * ublk_z * a.wide);
          break;
      }
      int64_t delay = 0;  // a one-micro-block block stalls between kernel steps
      if (xy == 1) {
        if (ublk_z == 1)
          delay = a.delay * steps;
        else if (steps > 1)
          delay = a.delay * (steps - 1) * ublk_z;
      }
      total += static_cast<double>(sub_kernels) * (cycles + static_cast<double>(delay * slices));
    }
  if (job.kind == JobKind::Conv)
    total *= static_cast<double>(ceil_div(job.in_depth, part_kernel_first ? a.pkf_depth : a.ifm_depth));
  return total / a.cores;
}

struct BlockShape {
  int64_t h, w, d;
};

struct NpuTime {
  double dpu = 0, vector = 0, npu = 0;
  int64_t output_elements = 0;  // through the output stage, depth padded to micro-blocks
};

// NPU time of `job` tiled into blocks of `block` (the last block along each axis partial).
NpuTime npu_time(const Array& a, const ArrayJob& job, const BlockShape& block, double cycles_per_element,
                 bool part_kernel_first) {
  const int64_t depth = round_up(job.out_depth, a.ub_d);
  NpuTime t;
  double last_min = 0;
  const Extents hs = cut(job.out_h, block.h), ws = cut(job.out_w, block.w), ds = cut(depth, block.d);
  for (int ih = 0; ih < hs.kinds; ++ih)
    for (int iw = 0; iw < ws.kinds; ++iw)
      for (int id = 0; id < ds.kinds; ++id) {
        const Extent& eh = hs.part[ih];
        const Extent& ew = ws.part[iw];
        const Extent& ed = ds.part[id];
        const int64_t ux = ceil_div(ew.size, a.ub_w), uy = ceil_div(eh.size, a.ub_h),
                      uz = ceil_div(ed.size, a.ub_d);
        const double dpu = block_dpu_cycles(a, job, ux, uy, uz, part_kernel_first);
        const int64_t elements = eh.size * ew.size * ed.size;
        const double vector = static_cast<double>(elements) * cycles_per_element / a.cores;
        const auto count = static_cast<double>(eh.count * ew.count * ed.count);
        t.dpu += count * dpu;
        t.vector += count * vector;
        t.npu += count * std::max(dpu, vector);
        t.output_elements += eh.count * ew.count * ed.count * elements;
        last_min = std::min(dpu, vector);
      }
  t.npu += last_min;  // the pipeline fills once: the other unit's share of one block
  const auto groups = static_cast<double>(job.groups);
  t.dpu *= groups;
  t.vector *= groups;
  t.npu *= groups;
  t.output_elements *= job.groups;
  return t;
}

// Bytes of one IFM block (of `ifm_element_bytes` elements) and its accumulators, double-buffered,
// as the shared buffer holds them.
int64_t shared_buffer_need(const Array& a, const ArrayJob& job, const BlockShape& block, int64_t ifm_element_bytes,
                           int64_t accumulator_bytes) {
  const int64_t ifm_h = round_up((block.h - 1) * job.stride_h + std::min<int64_t>(8, job.kernel_h), a.ub_h);
  const int64_t ifm_w = round_up((block.w - 1) * job.stride_w + std::min<int64_t>(8, job.kernel_w), a.ub_w);
  const int64_t ifm_d =
      job.kind == JobKind::Conv ? std::min(round_up(job.in_depth, a.ub_d), a.ifm_depth) : block.d;
  return 2 * ifm_h * ifm_w * ifm_d * ifm_element_bytes + 2 * block.h * block.w * block.d * accumulator_bytes;
}

// Block sizes to try along one axis: micro-block multiples doubling, plus the whole extent.
std::vector<int64_t> block_options(int64_t extent, int64_t quantum, int64_t largest) {
  const int64_t whole = round_up(extent, quantum);
  const int64_t limit = std::max(quantum, std::min(largest / quantum * quantum, whole));
  std::vector<int64_t> options;
  for (int64_t b = quantum; b <= limit; b *= 2) options.push_back(b);
  if (options.back() != limit) options.push_back(limit);
  return options;
}

// A tensor access: bytes, the memory level, and the contiguous run a burst can cover.
struct Access {
  int64_t bytes = 0;
  MemoryLevel level = MemoryLevel::Sram;
  int64_t run_bytes = std::numeric_limits<int64_t>::max();
};

// Contiguous bytes when a block reads `depth_read` channels of `width` pixels of a tensor whose
// stored depth is `stored_depth` (NHWC with channels padded in bricks of `brick`).
int64_t run_length(int64_t depth_read, int64_t width, int64_t stored_depth, int64_t brick,
                   int64_t element_bytes) {
  if (depth_read >= stored_depth) return stored_depth * width * element_bytes;
  if (brick > 1 && depth_read % brick == 0) return brick * width * element_bytes;
  return depth_read * element_bytes;
}

struct MemoryTime {
  int64_t sram_bytes = 0, dram_bytes = 0;
  double sram_cycles = 0, dram_cycles = 0;

  void add(const AcceleratorSpec& spec, const Access& access) {
    const MemoryLevelSpec& level = access.level == MemoryLevel::Sram ? spec.sram : spec.dram;
    const int64_t run = std::max<int64_t>(1, std::min(level.burst_bytes, access.run_bytes));
    const double scaled =
        static_cast<double>(access.bytes) * static_cast<double>(level.burst_bytes) / static_cast<double>(run);
    if (access.level == MemoryLevel::Sram) {
      sram_bytes += access.bytes;
      sram_cycles += scaled / level.bytes_per_cycle;
    } else {
      dram_bytes += access.bytes;
      dram_cycles += scaled / level.bytes_per_cycle;
    }
  }
};

double relu_or_lut_cycles(const VectorUnitSpec& v, OpKind kind) {
  switch (kind) {
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::Clip:
      return v.relu_cycles;
    default:
      return v.lut_cycles;  // sigmoid, swish, hard_swish, hard_sigmoid, leaky_relu
  }
}

double arithmetic_cycles(const VectorUnitSpec& v, OpKind kind) {
  switch (kind) {
    case OpKind::Add:
    case OpKind::Sub:
      return v.add_cycles;
    case OpKind::Div:  // a reciprocal from the lookup table, then a multiply
      return v.lut_cycles + v.mul_cycles;
    case OpKind::Mul:
      return v.mul_cycles;
    case OpKind::BatchNorm:
      return v.batch_norm_cycles;
    case OpKind::Resize:
      return v.resize_cycles;
    case OpKind::Softmax:
      return v.softmax_cycles;
    default:
      return v.default_cycles;
  }
}

bool is_view(OpKind kind) {
  return kind == OpKind::Flatten || kind == OpKind::Reshape || kind == OpKind::Concat;
}

// The roles of a kernel's nodes.
struct KernelShape {
  ir::NodeId head = ir::kNoNode;    // conv, linear or pool: runs on the MAC array
  ir::NodeId first = ir::kNoNode;   // first node that is not a view (vector kernels)
  ir::NodeId output = ir::kNoNode;  // the tensor the kernel writes (its last node)
  bool only_views = true;
  bool only_pad = true;
  std::vector<ir::NodeId> external_inputs;  // tensors read from outside the kernel, first use order
};

KernelShape shape_of(const ir::Graph& graph, const Kernel& kernel) {
  KernelShape s;
  for (ir::NodeId id : kernel.nodes) {
    const ir::Node& node = graph.node(id);
    if (s.head == ir::kNoNode &&
        (ir::is_mac(node.kind) || node.kind == OpKind::MaxPool || node.kind == OpKind::AvgPool ||
         node.kind == OpKind::GlobalAvgPool || node.kind == OpKind::GlobalMaxPool))
      s.head = id;
    if (!is_view(node.kind)) {
      s.only_views = false;
      if (s.first == ir::kNoNode) s.first = id;
    }
    if (node.kind != OpKind::Pad && !is_view(node.kind)) s.only_pad = false;
    for (ir::NodeId input : node.inputs) {
      bool inside = std::find(kernel.nodes.begin(), kernel.nodes.end(), input) != kernel.nodes.end();
      if (!inside &&
          std::find(s.external_inputs.begin(), s.external_inputs.end(), input) == s.external_inputs.end())
        s.external_inputs.push_back(input);
    }
  }
  s.output = kernel.nodes.back();
  return s;
}

ArrayJob job_of(const ir::Graph& graph, ir::NodeId head) {
  const ir::Node& node = graph.node(head);
  const ir::Shape& in = graph.node(node.inputs.front()).shape;
  const ir::Shape& out = node.shape;
  ArrayJob job;
  switch (node.kind) {
    case OpKind::Conv2d: {
      const auto& c = node.attr<ir::Conv2dAttrs>();
      job.out_h = out.n() * out.h();
      job.out_w = out.w();
      job.taps_h = c.kernel_h;
      job.taps_w = c.kernel_w;
      job.kernel_h = (c.kernel_h - 1) * c.dilation_h + 1;
      job.kernel_w = (c.kernel_w - 1) * c.dilation_w + 1;
      job.stride_h = c.stride_h;
      job.stride_w = c.stride_w;
      if (c.groups > 1 && c.groups == in.c() && out.c() % in.c() == 0) {
        job.kind = JobKind::Depthwise;
        job.in_depth = in.c();
        job.out_depth = out.c();
      } else {
        job.kind = JobKind::Conv;
        job.groups = c.groups;
        job.in_depth = in.c() / c.groups;
        job.out_depth = out.c() / c.groups;
      }
      break;
    }
    case OpKind::ConvTranspose2d: {
      // As Vela runs it: a stride-1 convolution over the input upsampled with zeros, so every
      // output pixel costs the whole kernel (the zero taps included).
      const auto& c = node.attr<ir::ConvTranspose2dAttrs>();
      job.kind = JobKind::Conv;
      job.out_h = out.n() * out.h();
      job.out_w = out.w();
      job.taps_h = c.kernel_h;
      job.taps_w = c.kernel_w;
      job.kernel_h = (c.kernel_h - 1) * c.dilation_h + 1;
      job.kernel_w = (c.kernel_w - 1) * c.dilation_w + 1;
      job.groups = c.groups;
      job.in_depth = in.c() / c.groups;
      job.out_depth = out.c() / c.groups;
      break;
    }
    case OpKind::Linear:  // a 1x1 convolution over a 1 x batch image
      job.kind = JobKind::Conv;
      job.out_h = 1;
      job.out_w = out[0];
      job.in_depth = in[1];
      job.out_depth = out[1];
      break;
    case OpKind::GlobalAvgPool:
    case OpKind::GlobalMaxPool:
      job.kind = JobKind::Pool;
      job.out_h = out.n();
      job.out_w = 1;
      job.in_depth = job.out_depth = in.c();
      job.taps_h = job.kernel_h = in.h();
      job.taps_w = job.kernel_w = in.w();
      job.stride_h = in.h();
      job.stride_w = in.w();
      break;
    default: {  // max / avg pool
      const auto& p = node.attr<ir::PoolAttrs>();
      job.kind = JobKind::Pool;
      job.out_h = out.n() * out.h();
      job.out_w = out.w();
      job.in_depth = job.out_depth = in.c();
      job.taps_h = job.kernel_h = p.kernel_h;
      job.taps_w = job.kernel_w = p.kernel_w;
      job.stride_h = p.stride_h;
      job.stride_w = p.stride_w;
      break;
    }
  }
  return job;
}

int64_t stored_depth(const AcceleratorSpec& spec, const ir::Shape& shape) {
  return shape.rank() >= 2 ? round_up(shape[1], spec.channel_padding) : 1;
}
int64_t row_width(const ir::Shape& shape) { return shape.rank() == 4 ? shape.w() : 1; }

// Bytes of one element of node `id`'s output, at its precision.
int64_t element_bytes(const AcceleratorSpec& spec, const ir::Graph& graph, ir::NodeId id) {
  return AcceleratorSpec::activation_bytes(spec.precision_of(graph.node(id)));
}

// A whole-rows access of a tensor (elementwise kernels, residual operands, copies).
Access rows_access(const AcceleratorSpec& spec, const TensorPlacement& placement, const ir::Graph& graph,
                   ir::NodeId id) {
  const ir::Shape& shape = graph.node(id).shape;
  const int64_t element = element_bytes(spec, graph, id);
  Access access;
  access.bytes = storage_bytes(spec, graph, id);
  access.level = placement.level[static_cast<size_t>(id)];
  access.run_bytes = stored_depth(spec, shape) * row_width(shape) * element;
  return access;
}

Access weight_access(const TensorPlacement& placement, int64_t bytes) {
  Access access;
  access.bytes = bytes;
  access.level = placement.weights_on_chip ? MemoryLevel::Sram : MemoryLevel::Dram;
  return access;  // a weight stream is one long burst
}

// Cycles per output element of a MAC kernel's output stage: Vela takes the largest of the
// output, activation and (fused) residual-add costs.
double output_stage_cycles(const AcceleratorSpec& spec, const ir::Graph& graph, const Kernel& kernel) {
  const VectorUnitSpec& v = spec.vector_unit;
  double cycles = v.default_cycles;
  for (ir::NodeId id : kernel.nodes) {
    OpKind kind = graph.node(id).kind;
    if (ir::is_activation(kind)) cycles = std::max(cycles, relu_or_lut_cycles(v, kind));
    if (ir::is_elementwise_binary(kind)) cycles = std::max(cycles, arithmetic_cycles(v, kind));
  }
  return cycles;
}

// Cycles per element of a vector-unit kernel: its arithmetic ops one after another, the
// activation as a pipeline stage beside them.
double vector_kernel_cycles(const AcceleratorSpec& spec, const ir::Graph& graph, const Kernel& kernel) {
  const VectorUnitSpec& v = spec.vector_unit;
  double arithmetic = 0, activation = 0;
  for (ir::NodeId id : kernel.nodes) {
    OpKind kind = graph.node(id).kind;
    if (is_view(kind) || kind == OpKind::Pad) continue;
    if (ir::is_activation(kind))
      activation = std::max(activation, relu_or_lut_cycles(v, kind));
    else
      arithmetic += arithmetic_cycles(v, kind);
  }
  return std::max(arithmetic, activation);
}

// `precision`: the kernel's. Its utilisation is against the array's peak at that precision, and
// a 16-bit MAC takes the multiplier slots of int8_macs_per_cycle / macs_per_cycle int8 MACs (two),
// so it costs that many times the spec's mac_pj when the spec itself is int8.
void finish(const AcceleratorSpec& spec, KernelCost& cost, ir::Precision precision) {
  const double memory = std::max(cost.sram_cycles, cost.dram_cycles);
  const double busiest = std::max(cost.npu_cycles, memory);
  cost.cycles = busiest + cost.overhead_cycles;
  if (cost.cycles <= 0)
    cost.bound = Bound::Unknown;
  else if (cost.overhead_cycles > busiest)
    cost.bound = Bound::Overhead;
  else if (memory > cost.npu_cycles)
    cost.bound = Bound::Memory;
  else if (cost.vector_cycles > cost.dpu_cycles)
    cost.bound = Bound::Elementwise;
  else
    cost.bound = Bound::Compute;
  cost.latency_us = cost.cycles / spec.clock_mhz;
  const double peak = static_cast<double>(spec.macs_per_cycle(precision));
  cost.mac_utilisation = cost.cycles > 0 ? static_cast<double>(cost.macs) / (cost.cycles * peak) : 0.0;
  const EnergySpec& e = spec.energy;
  const double mac_pj = e.mac_pj * static_cast<double>(spec.macs_per_cycle()) / peak;
  cost.energy_uj = (static_cast<double>(cost.macs) * mac_pj +
                    static_cast<double>(cost.vector_elements) * e.vector_element_pj +
                    static_cast<double>(cost.sram_bytes) * e.sram_byte_pj +
                    static_cast<double>(cost.dram_bytes) * e.dram_byte_pj) *
                   1e-6;
}

double latency_cycles(const AcceleratorSpec& spec, MemoryLevel level, bool read) {
  const MemoryLevelSpec& m = level == MemoryLevel::Sram ? spec.sram : spec.dram;
  return static_cast<double>(read ? m.read_latency_cycles : m.write_latency_cycles);
}

KernelCost estimate_mac_kernel(const AcceleratorSpec& spec, const ir::Graph& graph, const Kernel& kernel,
                               const TensorPlacement& placement, const KernelShape& shape) {
  const ir::Node& head = graph.node(shape.head);
  const Array a(spec, spec.precision_of(head));  // the kernel computes at its MAC layer's precision
  const ArrayJob job = job_of(graph, shape.head);
  KernelCost cost;
  for (ir::NodeId id : kernel.nodes) cost.macs += analysis::layer_cost(graph, id).macs;

  // The IFM: the head's input, or the input of the pad in front of it.
  ir::NodeId ifm = head.inputs.front();
  if (std::find(kernel.nodes.begin(), kernel.nodes.end(), ifm) != kernel.nodes.end())
    ifm = graph.node(ifm).inputs.front();
  const ir::Shape& ifm_shape = graph.node(ifm).shape;
  const ir::Shape& ofm_shape = graph.node(shape.output).shape;
  // Each tensor moves at its own precision: a stage boundary of mixed precision reads one and writes the other.
  const int64_t ifm_element = element_bytes(spec, graph, ifm), ofm_element = element_bytes(spec, graph, shape.output);
  const int64_t ifm_stored = stored_depth(spec, ifm_shape), ofm_stored = stored_depth(spec, ofm_shape);
  const int64_t n_sub_kernels = piece_count(split_kernel(job.taps_h)) * piece_count(split_kernel(job.taps_w));
  const double cycles_per_element = output_stage_cycles(spec, graph, kernel);
  const int64_t weights = kernel_weight_bytes(spec, graph, kernel);

  MemoryTime others_time;  // weights, residual operands and other tensors read whole
  others_time.add(spec, weight_access(placement, weights));
  for (ir::NodeId input : shape.external_inputs)
    if (input != ifm) others_time.add(spec, rows_access(spec, placement, graph, input));

  const bool try_part_kernel_first = a.part_kernel_first && job.kind == JobKind::Conv;
  double best_time = std::numeric_limits<double>::infinity();
  double best_busy = std::numeric_limits<double>::infinity();
  bool any_fits = false;
  const int64_t depth = round_up(job.out_depth, a.ub_d);
  for (int pass = 0; pass < 2 && !any_fits; ++pass) {  // second pass: nothing fitted, take any block
    for (int64_t bh : block_options(job.out_h, a.ub_h, spec.mac_array.max_block_height))
      for (int64_t bw : block_options(job.out_w, a.ub_w, spec.mac_array.max_block_width))
        for (int64_t bd : block_options(depth, a.ub_d, spec.mac_array.max_block_depth)) {
          const BlockShape block{bh, bw, bd};
          const bool fits = shared_buffer_need(a, job, block, ifm_element, spec.mac_array.accumulator_bytes) <=
                            spec.mac_array.shared_buffer_bytes;
          if (pass == 0 && !fits) continue;
          if (pass == 1 && (bh != a.ub_h || bw != a.ub_w || bd != a.ub_d)) continue;  // the smallest block
          any_fits = any_fits || fits;
          for (int traversal = 0; traversal < (try_part_kernel_first ? 2 : 1); ++traversal) {
            const bool pkf = traversal == 1;
            const NpuTime npu = npu_time(a, job, block, cycles_per_element, pkf);
            // IFM re-read once per OFM depth block (convolutions) and once per sub-kernel
            // (convolutions); a pooling window's sub-kernels read disjoint parts.
            const int64_t rereads = job.kind == JobKind::Conv        ? ceil_div(depth, bd) * n_sub_kernels
                                    : job.kind == JobKind::Depthwise ? n_sub_kernels
                                                                     : 1;
            MemoryTime memory = others_time;
            Access in;
            in.bytes = storage_bytes(spec, graph, ifm) * rereads;
            in.level = placement.level[static_cast<size_t>(ifm)];
            const int64_t ifm_block_w =
                std::min<int64_t>(row_width(ifm_shape), (bw - 1) * job.stride_w + job.kernel_w);
            in.run_bytes = run_length(job.kind == JobKind::Conv ? (pkf ? a.pkf_depth : a.ifm_depth) : bd,
                                      ifm_block_w, ifm_stored, spec.channel_padding, ifm_element);
            memory.add(spec, in);
            Access out;
            out.bytes = storage_bytes(spec, graph, shape.output);
            out.level = placement.level[static_cast<size_t>(shape.output)];
            out.run_bytes = run_length(bd, std::min(bw, row_width(ofm_shape)), ofm_stored,
                                       spec.channel_padding, ofm_element);
            memory.add(spec, out);
            // Fastest first; among equally fast blocks (say, all waiting on the same weight
            // stream), the one keeping the units least busy.
            const double time = std::max({npu.npu, memory.sram_cycles, memory.dram_cycles});
            const double busy = npu.npu + memory.sram_cycles + memory.dram_cycles;
            if (time < best_time || (time == best_time && busy < best_busy)) {
              best_time = time;
              best_busy = busy;
              cost.dpu_cycles = npu.dpu;
              cost.vector_cycles = npu.vector;
              cost.npu_cycles = npu.npu;
              cost.vector_elements = npu.output_elements;
              cost.sram_bytes = memory.sram_bytes;
              cost.dram_bytes = memory.dram_bytes;
              cost.sram_cycles = memory.sram_cycles;
              cost.dram_cycles = memory.dram_cycles;
              cost.block_height = bh;
              cost.block_width = bw;
              cost.block_depth = bd;
            }
          }
        }
  }
  cost.overhead_cycles = static_cast<double>(spec.command_overhead_cycles) +
                         latency_cycles(spec, placement.level[static_cast<size_t>(ifm)], true) +
                         latency_cycles(spec, placement.level[static_cast<size_t>(shape.output)], false);
  finish(spec, cost, spec.precision_of(head));
  return cost;
}

// Elementwise, resize and softmax kernels on the vector unit, and pad copies.
KernelCost estimate_vector_kernel(const AcceleratorSpec& spec, const ir::Graph& graph, const Kernel& kernel,
                                  const TensorPlacement& placement, const KernelShape& shape) {
  const Array a(spec, spec.precision_of(graph.node(shape.output)));
  KernelCost cost;
  const ir::Shape& out = graph.node(shape.output).shape;
  MemoryTime memory;
  for (ir::NodeId input : shape.external_inputs)
    memory.add(spec, rows_access(spec, placement, graph, input));
  memory.add(spec, rows_access(spec, placement, graph, shape.output));
  memory.add(spec, weight_access(placement, kernel_weight_bytes(spec, graph, kernel)));
  cost.sram_bytes = memory.sram_bytes;
  cost.dram_bytes = memory.dram_bytes;
  cost.sram_cycles = memory.sram_cycles;
  cost.dram_cycles = memory.dram_cycles;
  if (!shape.only_pad) {  // a lone pad is a copy by DMA: memory only
    int64_t elements = out.rank() >= 2 ? out[0] * round_up(out[1], a.ub_d) : out.numel();
    for (size_t i = 2; i < out.rank(); ++i) elements *= out[i];
    cost.vector_elements = elements;
    cost.vector_cycles = static_cast<double>(elements) * vector_kernel_cycles(spec, graph, kernel) / a.cores;
    cost.npu_cycles = cost.vector_cycles;
  }
  const ir::NodeId first_input = shape.external_inputs.empty() ? shape.output : shape.external_inputs.front();
  cost.overhead_cycles = static_cast<double>(spec.command_overhead_cycles) +
                         latency_cycles(spec, placement.level[static_cast<size_t>(first_input)], true) +
                         latency_cycles(spec, placement.level[static_cast<size_t>(shape.output)], false);
  finish(spec, cost, spec.precision_of(graph.node(shape.output)));
  return cost;
}

}  // namespace

KernelCost estimate_kernel(const AcceleratorSpec& spec, const ir::Graph& graph, const Kernel& kernel,
                           const TensorPlacement& placement) {
  if (kernel.nodes.empty()) return KernelCost{};
  const KernelShape shape = shape_of(graph, kernel);
  if (shape.only_views) {  // flatten, reshape and concat are addressing: nothing moves
    KernelCost cost;
    finish(spec, cost, spec.precision);
    return cost;
  }
  if (shape.head != ir::kNoNode) return estimate_mac_kernel(spec, graph, kernel, placement, shape);
  return estimate_vector_kernel(spec, graph, kernel, placement, shape);
}

}  // namespace hwnas::hw
