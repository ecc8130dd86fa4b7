// parallel_search: Go's errgroup "parallel" example (ExampleGroup_parallel) in C++.
//
// google() asks three search backends (web, image, video) at once, one task each in a
// Group(ctx). Each task writes its result into its own slot of `results`, so no lock is needed
// and the results print in backend order whatever order the tasks finished in. The first backend
// that fails would cancel the others' context and come back from wait(), which throws it here.
// Prints one line per backend and exits 0; prints the failure and exits 1 if a search fails.
// The README shows this file from the #include line to the end of google().

#include <cascade/cascade.hpp>

#include <iostream>
#include <string>
#include <vector>

// A stand-in for a search backend: it gives up at once when the search was abandoned.
std::string search(const cascade::Context& ctx, const std::string& kind, const std::string& query) {
  ctx.err().throw_if_error();
  return kind + " result for \"" + query + "\"";
}

// Queries every backend in parallel; the first failure cancels the rest and is thrown.
std::vector<std::string> google(const cascade::Context& ctx, const std::string& query) {
  const std::vector<std::string> backends = {"web", "image", "video"};
  std::vector<std::string> results(backends.size());
  cascade::Group g(ctx);
  for (std::size_t i = 0; i < backends.size(); ++i) {
    g.go([&, i](const cascade::Context& task_ctx) {
      results[i] = search(task_ctx, backends[i], query);
    });
  }
  g.wait().throw_if_error();  // every task has finished here: results are complete
  return results;
}

int main() {
  try {
    for (const std::string& result : google(cascade::Context::background(), "golang")) {
      std::cout << result << '\n';
    }
  } catch (const std::exception& failure) {
    std::cerr << "search failed: " << failure.what() << '\n';
    return 1;
  }
}
