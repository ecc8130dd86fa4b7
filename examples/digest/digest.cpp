// digest: Go's errgroup pipeline example (MD5All) made useful. Hashes every file under a
// directory, at most --jobs files at a time, and prints one line per file as sha256sum does
// ("<hex digest>  <path>", sorted by path), so `sha256sum -c` can check the output.
//
//   digest [--jobs N] [--algorithm NAME] DIRECTORY
//
// Reading a file blocks, so each file is a go_blocking task of one Group: the blocking pool runs
// them, set_limit(N) bounds how many are open at once, and no TBB worker waits on a disk. The
// first file that cannot be read cancels the group: the files not started yet are skipped, the
// ones being read stop at their next chunk, and the error names the file. Ctrl-C (or SIGTERM)
// cancels the same way, through notify_signals.
//
// Exit status: 0 when every file was hashed; 1 when a file or directory could not be read; 2
// for a bad command line; 130 when stopped by a signal.

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <cascade/cascade.hpp>

namespace {

namespace fs = std::filesystem;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitSignal = 130;

struct Options {
  int jobs = 8;
  std::string algorithm = "sha256";
  fs::path directory;
};

class UsageError : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

int parse_jobs(const std::string& text) {
  std::size_t used = 0;
  int jobs = 0;
  try {
    jobs = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || jobs < 1)
    throw UsageError("--jobs needs a whole number of at least 1, not '" + text + "'");
  return jobs;
}

Options parse_options(int argc, char** argv) {
  Options options;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    const bool has_value = i + 1 < argc;
    if (argument == "--jobs" && has_value)
      options.jobs = parse_jobs(argv[++i]);
    else if (argument == "--algorithm" && has_value)
      options.algorithm = argv[++i];
    else if (argument.starts_with("--"))
      throw UsageError("unknown option or missing value: " + argument);
    else
      positional.push_back(argument);
  }
  if (positional.size() != 1) throw UsageError("give exactly one directory");
  options.directory = positional.front();
  return options;
}

// Every file under `directory` (not directories; symbolic links are listed, so a dangling one is
// reported as unreadable instead of skipped), sorted by path.
std::vector<fs::path> files_under(const fs::path& directory) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(directory))
    if (!entry.is_directory()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

std::string to_hex(const unsigned char* bytes, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{2} * size);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

// An open file descriptor, closed on scope exit.
class File {
 public:
  explicit File(const fs::path& path) : descriptor_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (descriptor_ < 0)
      throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() { ::close(descriptor_); }
  int descriptor() const noexcept { return descriptor_; }

 private:
  int descriptor_;
};

// Hashes one file, checking between chunks whether the work was abandoned. Blocks in read().
cascade::Error hash_file(const cascade::Context& ctx, const EVP_MD* algorithm, const fs::path& path,
                         std::string& digest) {
  const File file(path);
  const std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> hashing(EVP_MD_CTX_new());
  if (!hashing || EVP_DigestInit_ex(hashing.get(), algorithm, nullptr) != 1)
    throw std::runtime_error("OpenSSL could not start a digest");
  std::array<unsigned char, std::size_t{64} * 1024> chunk{};
  for (;;) {
    if (ctx.cancelled()) return ctx.cause();  // why: the failed file, or the signal
    const ssize_t got = ::read(file.descriptor(), chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      throw std::system_error(errno, std::generic_category(), "cannot read " + path.string());
    if (got == 0) break;
    EVP_DigestUpdate(hashing.get(), chunk.data(), static_cast<std::size_t>(got));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> value{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(hashing.get(), value.data(), &size);
  digest = to_hex(value.data(), size);
  return {};
}

// Hashes `files`, at most `jobs` at a time; returns the digests in the same order, or the first
// failure (a file that cannot be read, or the context's cancellation).
cascade::Error hash_all(const cascade::Context& ctx, const EVP_MD* algorithm,
                        const std::vector<fs::path>& files, int jobs,
                        std::vector<std::string>& digests) {
  digests.assign(files.size(), std::string());
  cascade::Group group(ctx);
  group.set_limit(jobs);
  for (std::size_t i = 0; i < files.size(); ++i)
    group.go_blocking([&, i](const cascade::Context& task_ctx) {
      return hash_file(task_ctx, algorithm, files[i], digests[i]);
    });
  return group.wait();
}

int run(const Options& options) {
  const EVP_MD* algorithm = EVP_get_digestbyname(options.algorithm.c_str());
  if (algorithm == nullptr)
    throw UsageError("unknown digest algorithm '" + options.algorithm + "'");
  auto [ctx, stop_listening] =
      cascade::notify_signals(cascade::Context::background(), {SIGINT, SIGTERM});
  const std::vector<fs::path> files = files_under(options.directory);
  std::vector<std::string> digests;
  if (const cascade::Error failure = hash_all(ctx, algorithm, files, options.jobs, digests)) {
    std::cerr << "digest: " << failure.message() << '\n';
    return failure.as<cascade::SignalReceived>() != nullptr ? kExitSignal : kExitFailure;
  }
  for (std::size_t i = 0; i < files.size(); ++i)
    std::cout << digests[i] << "  " << files[i].string() << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_options(argc, argv));
  } catch (const UsageError& mistake) {
    std::cerr << "digest: " << mistake.what()
              << "\nusage: digest [--jobs N] [--algorithm NAME] DIRECTORY\n";
    return kExitUsage;
  } catch (const std::exception& failure) {
    std::cerr << "digest: " << failure.what() << '\n';
    return kExitFailure;
  }
}
