#include "core/base/arguments.h"
#include "core/base/error_codes.h"

#include <algorithm>

namespace hotsplice {
namespace {

Error usage(std::string message) {
  return Error(errc::kUsage, std::move(message));
}

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, std::string_view name) {
  auto found = std::find_if(specs.begin(), specs.end(),
                            [&](const OptionSpec& spec) { return spec.name == name; });
  return found == specs.end() ? nullptr : &*found;
}

}  // namespace

Expected<Arguments> Arguments::parse(const std::vector<std::string>& argv,
                                     const std::vector<OptionSpec>& specs,
                                     std::size_t max_positionals) {
  Arguments arguments;
  bool options_ended = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& argument = argv[i];
    if (options_ended || !argument.starts_with("--")) {
      arguments.positionals_.push_back(argument);
      continue;
    }
    if (argument == "--") {
      options_ended = true;
      continue;
    }
    std::string name = argument.substr(2);
    std::optional<std::string> inline_value;
    if (auto equals = name.find('='); equals != std::string::npos) {
      inline_value = name.substr(equals + 1);
      name.resize(equals);
    }
    const OptionSpec* spec = find_spec(specs, name);
    if (spec == nullptr) return usage("unknown option --" + name);
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        return usage("option --" + name + " needs a value");
      }
    } else if (inline_value) {
      return usage("option --" + name + " takes no value");
    }
    auto& slot = arguments.options_[name];
    if (!slot.empty() && !spec->repeatable) return usage("option --" + name + " given twice");
    slot.push_back(std::move(value));
  }
  if (arguments.positionals_.size() > max_positionals) {
    return usage("unexpected argument \"" + arguments.positionals_[max_positionals] + "\"");
  }
  return arguments;
}

bool Arguments::has(std::string_view name) const {
  return options_.contains(name);
}

std::optional<std::string> Arguments::value(std::string_view name) const {
  auto found = options_.find(name);
  if (found == options_.end()) return std::nullopt;
  return found->second.front();
}

Expected<std::string> Arguments::required(std::string_view name) const {
  auto found = value(name);
  if (!found) return usage("option --" + std::string(name) + " is required");
  return *found;
}

std::vector<std::string> Arguments::values(std::string_view name) const {
  auto found = options_.find(name);
  return found == options_.end() ? std::vector<std::string>{} : found->second;
}

}  // namespace hotsplice
