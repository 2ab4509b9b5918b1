#include "kmod/elfdiff/report.h"

namespace hotsplice::elfdiff {

bool ObjectReport::has_effective_change() const {
  return !changed_functions.empty() || !new_functions.empty() || !removed_functions.empty() ||
         !changed_data.empty() || !new_data.empty();
}

Outcome outcome_of(const std::vector<ObjectReport>& reports) {
  bool changed = false;
  for (const ObjectReport& report : reports) {
    if (!report.refusals.empty()) return Outcome::refused;
    changed = changed || report.has_effective_change();
  }
  return changed ? Outcome::changes : Outcome::no_change;
}

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::changes:
      return "changes";
    case Outcome::error:
      return "error";
    case Outcome::refused:
      return "refused";
    case Outcome::no_change:
      return "no_change";
  }
  return "error";
}

Json report_to_json(const std::vector<ObjectReport>& reports) {
  Json objects = Json::array();
  for (const ObjectReport& report : reports) {
    Json refusals = Json::array();
    for (const Refusal& refusal : report.refusals) {
      refusals.push_back(
          {{"symbol", refusal.symbol}, {"reason", refusal.reason}, {"message", refusal.message}});
    }
    Json removed_data_users = Json::object();
    for (const auto& [name, users] : report.removed_data_users) removed_data_users[name] = users;
    Json object = {{"object", report.object},
                   {"changed_functions", report.changed_functions},
                   {"new_functions", report.new_functions},
                   {"removed_functions", report.removed_functions},
                   {"changed_data", report.changed_data},
                   {"new_data", report.new_data},
                   {"removed_data", report.removed_data},
                   {"removed_data_users", removed_data_users},
                   {"refusals", refusals}};
    if (!report.binary.empty()) object["binary"] = report.binary;
    objects.push_back(std::move(object));
  }
  const Outcome outcome = outcome_of(reports);
  return {{"outcome", outcome_name(outcome)},
          {"exit_status", exit_status(outcome)},
          {"objects", objects}};
}

namespace {

void list(std::string& text, const char* label, const std::vector<std::string>& names) {
  for (const std::string& name : names) text += "  " + std::string(label) + " " + name + "\n";
}

}  // namespace

std::string report_to_text(const std::vector<ObjectReport>& reports) {
  std::string text;
  for (const ObjectReport& report : reports) {
    text += report.object;
    if (!report.binary.empty()) text += " (" + report.binary + ")";
    text += ":\n";
    if (!report.has_effective_change() && report.refusals.empty())
      text += "  no effective change\n";
    list(text, "changed function ", report.changed_functions);
    list(text, "new function     ", report.new_functions);
    list(text, "removed function ", report.removed_functions);
    list(text, "changed data     ", report.changed_data);
    list(text, "new data         ", report.new_data);
    for (const std::string& name : report.removed_data) {
      text += "  removed data      " + name;
      auto users = report.removed_data_users.find(name);
      if (users != report.removed_data_users.end() && !users->second.empty()) {
        std::string names;
        for (const std::string& user : users->second) names += (names.empty() ? "" : ", ") + user;
        text += " (used before by " + names + ")";
      }
      text += "\n";
    }
    for (const Refusal& refusal : report.refusals) {
      text += "  REFUSED          " + refusal.symbol + ": " + refusal.message + " [" +
              refusal.reason + "]\n";
    }
  }
  const Outcome outcome = outcome_of(reports);
  text += "result: " + std::string(outcome_name(outcome)) + " (exit status " +
          std::to_string(exit_status(outcome)) + ")\n";
  return text;
}

}  // namespace hotsplice::elfdiff
