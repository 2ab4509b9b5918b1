#include "kmod/kernel_tree/process.h"

#include <fstream>

#include "core/base/subprocess.h"

namespace hotsplice::kernel_tree {

namespace fs = std::filesystem;

Status run_logged(const std::vector<std::string>& argv, const fs::path& directory,
                  const fs::path& log) {
  {
    std::ofstream record(log, std::ios::app);
    record << "$ " << command_text(argv) << "\n";
  }
  SubprocessSpec spec(argv);
  spec.directory = directory;
  spec.output_log = log;
  auto result = run_checked(spec);
  if (!result) return result.error();
  return Status::ok();
}

Expected<std::string> capture_output(const std::vector<std::string>& argv,
                                     const fs::path& directory) {
  SubprocessSpec spec(argv);
  spec.directory = directory;
  auto result = run_checked(spec);
  if (!result) return result.error();
  return std::move(result->output);
}

}  // namespace hotsplice::kernel_tree
