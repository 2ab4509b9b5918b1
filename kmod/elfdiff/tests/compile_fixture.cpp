#include "kmod/elfdiff/tests/compile_fixture.h"

#include <sstream>
#include <vector>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"

namespace hotsplice::elfdiff::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = HOTSPLICE_ELFDIFF_FIXTURES;

Expected<fs::path> compile(const fs::path& source, const fs::path& directory, bool fentry,
                           const std::string& compiler) {
  if (auto status = ensure_directory(directory); !status) return status.error();
  const fs::path copy = directory / "fixture.c";
  auto content = read_file(source, 1 << 20);
  if (!content) return content.error();
  if (auto status = write_file_atomically(copy, *content); !status) return status.error();
  const fs::path object = directory / "fixture.o";
  std::vector<std::string> arguments = {compiler, "-O2", "-ffunction-sections", "-fdata-sections",
                                        "-fno-pie", "-c", "-I" + kFixtures.string(),
                                        "-fmacro-prefix-map=" + directory.string() + "/=",
                                        // relative, as kbuild does: UBSAN records and
                                        // __FILE__ then name the same file in both builds
                                        "fixture.c", "-o", object.string()};
  // fixtures/<name>.flags: extra compiler options for one fixture (e.g. -fsanitize=...).
  const fs::path extra = kFixtures / (source.stem().stem().string() + ".flags");
  if (fs::exists(extra)) {
    auto flags = read_file(extra, 4096);
    if (!flags) return flags.error();
    std::istringstream words(*flags);
    for (std::string word; words >> word;) arguments.insert(arguments.end() - 3, word);
  }
  if (fentry) {
    arguments.insert(arguments.begin() + 1, "-mfentry");
    arguments.insert(arguments.begin() + 1, "-pg");
  }
  SubprocessSpec spec(arguments);
  spec.directory = directory;
  if (auto compiled = run_checked(spec); !compiled) return compiled.error();
  return object;
}

}  // namespace

Expected<ObjectPair> compile_fixture_pair(const std::string& name, const fs::path& directory,
                                          bool fentry, const std::string& compiler) {
  auto before = compile(kFixtures / (name + ".before.c"), directory / "before", fentry, compiler);
  if (!before) return before.error();
  auto after = compile(kFixtures / (name + ".after.c"), directory / "after", fentry, compiler);
  if (!after) return after.error();
  return ObjectPair{*before, *after};
}

}  // namespace hotsplice::elfdiff::testing
