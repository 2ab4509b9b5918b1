#include "tests/support/run_process.h"

#include <sys/wait.h>

#include "core/base/subprocess.h"

namespace hotsplice::testing {

ProcessResult run_process(const std::vector<std::string>& argv) {
  auto result = run_subprocess(SubprocessSpec(argv));
  if (!result) return {-1, result.error().message()};
  int exit_code = WIFEXITED(result->wait_status) ? WEXITSTATUS(result->wait_status) : -1;
  return {exit_code, std::move(result->output)};
}

}  // namespace hotsplice::testing
