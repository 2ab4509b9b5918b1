// Command-line parsing shared by the hotsplice-build subcommands: options are
// "--name value" or "--flag"; everything else is positional.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace hotsplice::build {

struct ParsedArguments {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;
  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::string get(const std::string& name) const {
    auto found = options.find(name);
    return found == options.end() ? std::string() : found->second;
  }
};

// arguments[0] is the subcommand. Prints the problem to err and returns nullopt on a
// malformed command line.
std::optional<ParsedArguments> parse(const std::vector<std::string>& arguments,
                                     const std::vector<std::string>& flags,
                                     const std::vector<std::string>& valued, std::ostream& err);

}  // namespace hotsplice::build
