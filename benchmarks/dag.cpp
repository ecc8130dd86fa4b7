// dag: a random DAG of 100,000 nodes (each depends on 0 to 3 of the 64 nodes before it, from a
// fixed seed), built and run: with tbb::flow::graph, a continue_node per node and an edge per
// dependency; with cascade, a Group::spawn(f, after(list)) per node. Each iteration builds the
// graph and waits for it; node bodies are empty, so the numbers are the cost of a node and its
// edges.
#include <oneapi/tbb/flow_graph.h>

#include <cstddef>
#include <memory>
#include <random>
#include <vector>

#include "arena.hpp"
#include "cascade/cascade.hpp"

namespace cascade_bench {
namespace {

constexpr std::size_t kNodes = 100'000;

// Each node's dependencies, the same on every run.
const std::vector<std::vector<std::size_t>>& dag() {
  static const std::vector<std::vector<std::size_t>> dependencies = [] {
    std::mt19937_64 random(20240611);
    std::vector<std::vector<std::size_t>> made(kNodes);
    for (std::size_t node = 1; node < kNodes; ++node) {
      const std::size_t window = node < 64 ? node : 64;
      const int count = std::uniform_int_distribution<int>(0, 3)(random);
      for (int i = 0; i < count; ++i)
        made[node].push_back(node - 1 -
                             std::uniform_int_distribution<std::size_t>(0, window - 1)(random));
    }
    return made;
  }();
  return dependencies;
}

void dag_tbb(benchmark::State&) {
  using Node = tbb::flow::continue_node<tbb::flow::continue_msg>;
  tbb::flow::graph graph;
  std::vector<std::unique_ptr<Node>> nodes;
  nodes.reserve(kNodes);
  for (std::size_t node = 0; node < kNodes; ++node) {
    nodes.push_back(std::make_unique<Node>(
        graph, [](const tbb::flow::continue_msg&) { return tbb::flow::continue_msg(); }));
    for (std::size_t dependency : dag()[node])
      tbb::flow::make_edge(*nodes[dependency], *nodes[node]);
  }
  for (std::size_t node = 0; node < kNodes; ++node)
    if (dag()[node].empty()) nodes[node]->try_put(tbb::flow::continue_msg());
  graph.wait_for_all();
}

void dag_cascade(benchmark::State& state) {
  cascade::Group group(cascade::Context::background());
  std::vector<cascade::Task<void>> tasks;
  tasks.reserve(kNodes);
  for (std::size_t node = 0; node < kNodes; ++node) {
    cascade::AfterList dependencies;
    dependencies.reserve(dag()[node].size());
    for (std::size_t dependency : dag()[node]) dependencies.add(tasks[dependency]);
    tasks.push_back(group.spawn([] {}, dependencies));
  }
  skip_on_failure(state, group.wait());
}

const bool registered = register_pair(
    {.name = "dag", .counter = "ns_per_node", .items_per_iteration = kNodes}, dag_tbb, dag_cascade);

}  // namespace
}  // namespace cascade_bench
