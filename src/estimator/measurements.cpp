// Helpers of a measurement set: merging sets and counting timed kernels per type.
#include "hwnas/estimator/measurements.h"

namespace hwnas::estimator {

void MeasurementSet::append(const MeasurementSet& other) {
  kernels.insert(kernels.end(), other.kernels.begin(), other.kernels.end());
  networks.insert(networks.end(), other.networks.begin(), other.networks.end());
}

std::map<std::string, size_t> MeasurementSet::kernel_counts() const {
  std::map<std::string, size_t> counts;
  for (const KernelSample& k : kernels) ++counts[k.label];
  return counts;
}

}  // namespace hwnas::estimator
