// What the comparison found, per object, and how it is told: JSON for scripts, text for
// people, and an exit status (0 changes, 3 no effective change, 2 refused, 1 error).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/base/json_reader.h"

namespace hotsplice::elfdiff {

// Stable reason codes of refusals (for scripts); the message explains them to people.
namespace refusal {
inline constexpr const char* kDataInitialiser = "changed_data_initialiser";
inline constexpr const char* kDataSize = "changed_data_size";
inline constexpr const char* kInitExit = "init_exit_code";
inline constexpr const char* kNoFentry = "no_ftrace_entry";
inline constexpr const char* kNoFtraceObject = "object_without_ftrace";
inline constexpr const char* kSectionGroup = "section_group";
inline constexpr const char* kSpecialSection = "special_section";
inline constexpr const char* kAmbiguousNames = "ambiguous_names";
}  // namespace refusal

struct Refusal {
  std::string symbol;
  std::string reason;   // one of refusal::k*
  std::string message;  // a sentence naming the symbol and why
  bool operator==(const Refusal&) const = default;
};

struct ObjectReport {
  std::string object;  // the object's path as given (e.g. "fs/proc/meminfo.o")
  std::string binary;  // "vmlinux", a module name, or empty when not known
  std::vector<std::string> changed_functions;
  std::vector<std::string> new_functions;
  std::vector<std::string> removed_functions;
  std::vector<std::string> changed_data;
  std::vector<std::string> new_data;
  std::vector<std::string> removed_data;
  // Each removed data object -> the functions of the before build that referred to it
  // (whose changed code no longer does): the reader sees which fix let go of it.
  std::map<std::string, std::set<std::string>> removed_data_users;
  std::vector<Refusal> refusals;

  bool has_effective_change() const;
};

enum class Outcome { changes = 0, error = 1, refused = 2, no_change = 3 };

Outcome outcome_of(const std::vector<ObjectReport>& reports);
inline int exit_status(Outcome outcome) {
  return static_cast<int>(outcome);
}
const char* outcome_name(Outcome outcome);

Json report_to_json(const std::vector<ObjectReport>& reports);
std::string report_to_text(const std::vector<ObjectReport>& reports);

}  // namespace hotsplice::elfdiff
