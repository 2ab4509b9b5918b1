#include "kmod/build/arguments.h"

#include <algorithm>

namespace hotsplice::build {

std::optional<ParsedArguments> parse(const std::vector<std::string>& arguments,
                                     const std::vector<std::string>& flags,
                                     const std::vector<std::string>& valued, std::ostream& err) {
  ParsedArguments parsed;
  for (std::size_t i = 1; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (!argument.starts_with("--")) {
      parsed.positional.push_back(argument);
    } else if (std::find(flags.begin(), flags.end(), argument) != flags.end()) {
      parsed.options[argument] = "";
    } else if (std::find(valued.begin(), valued.end(), argument) != valued.end()) {
      if (i + 1 >= arguments.size()) {
        err << "hotsplice-build: " << argument << " needs a value\n";
        return std::nullopt;
      }
      parsed.options[argument] = arguments[++i];
    } else {
      err << "hotsplice-build: unknown option " << argument << " (see --help)\n";
      return std::nullopt;
    }
  }
  return parsed;
}

}  // namespace hotsplice::build
