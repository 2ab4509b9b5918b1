#include "kmod/elfdiff/tests/compile_fixture.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "core/base/file_io.h"

extern char** environ;

namespace hotsplice::elfdiff::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = HOTSPLICE_ELFDIFF_FIXTURES;

// Runs gcc with the arguments; its diagnostics go to log so a failure can show them.
Status run_gcc(const std::vector<std::string>& arguments, const fs::path& log) {
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return io_error("spawn gcc", spawned);
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return io_error("wait for gcc", errno);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    auto output = read_file(log, 1 << 20);
    return Error("compile_failed", "gcc failed: " + (output ? *output : std::string()));
  }
  return Status::ok();
}

Expected<fs::path> compile(const fs::path& source, const fs::path& directory, bool fentry) {
  if (auto status = ensure_directory(directory); !status) return status.error();
  const fs::path copy = directory / "fixture.c";
  auto content = read_file(source, 1 << 20);
  if (!content) return content.error();
  if (auto status = write_file_atomically(copy, *content); !status) return status.error();
  const fs::path object = directory / "fixture.o";
  std::vector<std::string> arguments = {"gcc",
                                        "-O2",
                                        "-ffunction-sections",
                                        "-fdata-sections",
                                        "-fno-pie",
                                        "-c",
                                        "-I" + kFixtures.string(),
                                        "-fmacro-prefix-map=" + directory.string() + "/=",
                                        copy.string(),
                                        "-o",
                                        object.string()};
  if (fentry) {
    arguments.insert(arguments.begin() + 1, "-mfentry");
    arguments.insert(arguments.begin() + 1, "-pg");
  }
  if (auto status = run_gcc(arguments, directory / "gcc.log"); !status) return status.error();
  return object;
}

}  // namespace

Expected<ObjectPair> compile_fixture_pair(const std::string& name, const fs::path& directory,
                                          bool fentry) {
  auto before = compile(kFixtures / (name + ".before.c"), directory / "before", fentry);
  if (!before) return before.error();
  auto after = compile(kFixtures / (name + ".after.c"), directory / "after", fentry);
  if (!after) return after.error();
  return ObjectPair{*before, *after};
}

}  // namespace hotsplice::elfdiff::testing
