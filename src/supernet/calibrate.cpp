// SupernetImpl::recalibrate: a subnet's batch-norm running statistics from a few batches (reset, then exact).
#include <ATen/ATen.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "hwnas/supernet/supernet.h"

namespace hwnas::supernet {

Status SupernetImpl::recalibrate(const space::Architecture& arch, const std::vector<::torch::Tensor>& batches) {
  auto planned = plan(arch);
  if (!planned) return planned.error();
  if (batches.empty()) return Error{"supernet recalibration: no calibration batches"};
  const std::vector<LayerUse> uses = layers_of(*planned);
  for (const LayerUse& use : uses) {
    auto& layer = const_cast<ConvBn&>(*use.layer);  // layers_of hands out this module's own layers
    layer.sum = ::torch::Tensor();
    layer.square_sum = ::torch::Tensor();
    layer.count = 0;
  }
  calibrated_for_.clear();
  try {
    ::torch::NoGradGuard no_grad;
    calibrating_ = true;
    for (const ::torch::Tensor& batch : batches) {
      ::torch::Tensor images = batch;
      if (images.dim() == 4 && (images.size(2) != planned->resolution || images.size(3) != planned->resolution))
        images = at::upsample_bilinear2d(images, {planned->resolution, planned->resolution}, false, c10::nullopt,
                                         c10::nullopt);
      forward(arch, images);
    }
    calibrating_ = false;
    for (const LayerUse& use : uses) {
      auto& layer = const_cast<ConvBn&>(*use.layer);
      if (layer.count < 2) return Error{"supernet recalibration: too few values to estimate a variance"};
      const double n = static_cast<double>(layer.count);
      ::torch::Tensor mean = layer.sum / n;
      ::torch::Tensor var = (layer.square_sum - mean * mean * n) / (n - 1);  // unbiased, as PyTorch keeps it
      layer.mean.narrow(0, 0, use.out_channels).copy_(mean.to(at::kFloat));
      layer.var.narrow(0, 0, use.out_channels).copy_(var.clamp_min(0).to(at::kFloat));
      layer.sum = ::torch::Tensor();
      layer.square_sum = ::torch::Tensor();
      layer.count = 0;
    }
  } catch (const c10::Error& e) {
    calibrating_ = false;
    return Error{"supernet recalibration: " + std::string(e.what_without_backtrace())};
  }
  eval();
  calibrated_for_ = arch;
  return {};
}

}  // namespace hwnas::supernet
