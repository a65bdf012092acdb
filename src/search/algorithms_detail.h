// Constructors of the search algorithms (private to hwnas_search; see algorithm.h's make_algorithm).
#pragma once

#include <memory>

#include "hwnas/search/algorithm.h"

namespace hwnas::search::detail {

std::unique_ptr<SearchAlgorithm> make_random_search(const space::SearchSpace& space);
std::unique_ptr<SearchAlgorithm> make_regularized_evolution(const space::SearchSpace& space, const AlgorithmOptions& options);
std::unique_ptr<SearchAlgorithm> make_reinforce(const space::SearchSpace& space, const AlgorithmOptions& options);
std::unique_ptr<SearchAlgorithm> make_nsga2(const space::SearchSpace& space, const AlgorithmOptions& options);

}  // namespace hwnas::search::detail
