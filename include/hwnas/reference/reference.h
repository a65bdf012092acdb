// Everything of the reference part in one include: Tensor, evaluate, fill_random_weights.
#pragma once

#include "hwnas/reference/evaluate.h"
#include "hwnas/reference/random_weights.h"
#include "hwnas/reference/tensor.h"
