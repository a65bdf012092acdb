// Names of the Target interface's enumerations.
#include "hwnas/hw/target.h"

namespace hwnas::hw {

const char* bound_name(Bound bound) {
  switch (bound) {
    case Bound::Unknown:
      return "unknown";
    case Bound::Compute:
      return "compute";
    case Bound::Memory:
      return "memory";
    case Bound::Elementwise:
      return "elementwise";
    case Bound::Overhead:
      return "overhead";
  }
  return "unknown";
}

}  // namespace hwnas::hw
