#include "kmod/elfdiff/tests/compile_fixture.h"

#include <vector>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"

namespace hotsplice::elfdiff::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = HOTSPLICE_ELFDIFF_FIXTURES;

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
  if (auto compiled = run_checked(SubprocessSpec(arguments)); !compiled) return compiled.error();
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
