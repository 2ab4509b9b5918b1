// The command-line parser of every hotsplice tool: "--name value", "--name=value",
// boolean "--flag", repeatable options and positional arguments. Anything not declared is
// an error naming the argument, so a typo never silently changes what a command does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice {

struct OptionSpec {
  std::string name;  // without the leading "--"
  bool takes_value = true;
  bool repeatable = false;
};

class Arguments {
 public:
  // Fails with "usage" on an unknown option, a missing value, a repeated non-repeatable
  // option, or more positionals than max_positionals.
  static Expected<Arguments> parse(const std::vector<std::string>& argv,
                                   const std::vector<OptionSpec>& specs,
                                   std::size_t max_positionals);

  bool has(std::string_view name) const;
  std::optional<std::string> value(std::string_view name) const;
  // The value of an option the command cannot run without; "usage" error naming it.
  Expected<std::string> required(std::string_view name) const;
  std::vector<std::string> values(std::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> options_;
  std::vector<std::string> positionals_;
};

}  // namespace hotsplice
