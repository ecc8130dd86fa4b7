// cookbook: nested search with early exit (docs/cookbook.md). Searches a tree of directories with
// one group per directory, nested under the group of its parent; the first find cancels the whole
// search, and wait() at the top returns at once with what was found. Exits 1, naming the check,
// when an outcome differs from the page's.

#include <cascade/cascade.hpp>

#include <atomic>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

struct Directory {
  std::string name;
  std::vector<std::string> files;
  std::vector<Directory> children;
};

// Searches `dir` and, in parallel, every directory below it, each in a group of its own whose
// context is a child of `ctx`. Stops as soon as `ctx` is cancelled (by a find elsewhere).
void search(const cascade::Context& ctx, const Directory& dir, const std::string& wanted,
            const std::function<void(std::string)>& found) {
  for (const std::string& file : dir.files) {
    if (ctx.cancelled()) return;  // another branch found it: stop quietly
    if (file == wanted) return found(dir.name + "/" + file);
  }
  cascade::Group children(ctx);
  for (const Directory& child : dir.children) {
    children.go(
        [&](const cascade::Context& child_ctx) { search(child_ctx, child, wanted, found); });
  }
  children.wait().throw_if_error();  // a failure below fails this directory too
}

// The first find wins: it cancels the search's root, which cancels every nested group at once.
std::optional<std::string> find_first(const Directory& root, const std::string& wanted) {
  auto search_root = cascade::with_cancel(cascade::Context::background());
  const cascade::Context& ctx = search_root.first;         // references, not a structured binding:
  cascade::Canceller& cancel_search = search_root.second;  // the lambdas below capture them
  std::optional<std::string> first;
  std::atomic<bool> claimed{false};
  auto found = [&](std::string path) {
    if (claimed.exchange(true)) return;  // a later find: the first one stands
    first = std::move(path);
    cancel_search();  // every other branch sees cancelled() and stops; queued ones are skipped
  };
  cascade::Group top(ctx);
  top.go([&](const cascade::Context& top_ctx) { search(top_ctx, root, wanted, found); });
  const cascade::Error result = top.wait();
  if (first) return first;  // the search was cancelled on purpose: not a failure
  result.throw_if_error();  // a real failure
  return std::nullopt;      // searched everything, found nothing
}

// A tree `depth` levels deep, `fan_out` children per directory, three files in each.
Directory make_tree(const std::string& name, int depth, int fan_out) {
  Directory dir{name, {"a.txt", "b.txt", "c.txt"}, {}};
  if (depth > 0)
    for (int i = 0; i < fan_out; ++i)
      dir.children.push_back(make_tree(name + "/d" + std::to_string(i), depth - 1, fan_out));
  return dir;
}

int main() {
  bool ok = true;
  auto check = [&ok](bool passed, const char* what) {
    if (!passed) std::cerr << "nested_search: " << what << " did not behave as documented\n";
    ok = ok && passed;
  };
  Directory root = make_tree("root", 4, 4);
  root.children[2].children[1].children[3].files.emplace_back("needle");
  const std::optional<std::string> hit = find_first(root, "needle");
  std::cout << "found: " << hit.value_or("nothing") << '\n';
  check(hit == "root/d2/d1/d3/needle", "a find");
  check(!find_first(root, "absent"), "a search that finds nothing");
  return ok ? 0 : 1;
}
