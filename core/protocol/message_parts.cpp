#include "core/protocol/message_parts.h"

#include <array>
#include <utility>

#include "core/base/error_codes.h"
#include "core/protocol/field_rules.h"

namespace hotsplice::protocol {
namespace {

// Maps an enum to its wire names, kept in one table so writing and reading cannot disagree.
template <typename Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, const char*>, N>;

constexpr NameTable<Role, 2> kRoleNames{{{Role::host, "host"}, {Role::guest, "guest"}}};
// "unknown" is read too (a peer that could not tell); writers send what they detected.
constexpr const NameTable<Environment::Kind, 4>& kKindNames = platform::kEnvironmentKindNames;

template <typename Enum, std::size_t N>
const char* name_of(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [entry, name] : table) {
    if (entry == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
Expected<Enum> read_enum(const JsonObject& object, std::string_view key,
                         const NameTable<Enum, N>& table) {
  auto text = object.string(key, kMaxTokenLength);
  if (!text) return text.error();
  std::string choices;
  for (const auto& [entry, name] : table) {
    if (*text == name) return entry;
    choices += choices.empty() ? name : std::string(", ") + name;
  }
  return object.invalid(key, "expected one of " + choices);
}

Expected<AppliedPatch> read_applied_patch(const Json& item, const std::string& path) {
  auto object = JsonObject::from(item, path);
  if (!object) return object.error();
  AppliedPatch patch;
  auto id = read_id(*object, "id");
  if (!id) return id.error();
  auto module = read_module_name(*object, "module");
  if (!module) return module.error();
  auto enabled = object->boolean("enabled");
  if (!enabled) return enabled.error();
  auto transition = object->boolean("transition");
  if (!transition) return transition.error();
  return AppliedPatch{std::move(*id), std::move(*module), *enabled, *transition};
}

}  // namespace

void add_correlation(Json& message, const Correlation& correlation) {
  message[correlation.is_reply ? "re" : "id"] = correlation.number;
}

Expected<Correlation> read_correlation(const JsonObject& object) {
  bool has_id = object.has("id");
  bool has_re = object.has("re");
  if (has_id == has_re) {
    return Error(has_id ? hotsplice::errc::kInvalidField : hotsplice::errc::kMissingField,
                 object.path() + ": needs exactly one of \"id\" (request) and \"re\" (reply)");
  }
  auto number = read_u32(object, has_re ? "re" : "id");
  if (!number) return number.error();
  return Correlation{has_re, *number};
}

const char* role_name(Role role) {
  return name_of(kRoleNames, role);
}

Expected<Role> read_role(const JsonObject& object, std::string_view key) {
  return read_enum(object, key, kRoleNames);
}

Json to_json(const Environment& environment) {
  Json json{{"kind", platform::kind_name(environment.kind)}};
  if (!environment.technology.empty()) json["technology"] = environment.technology;
  return json;
}

Expected<Environment> read_environment(const JsonObject& object, std::string_view key) {
  auto fields = object.object(key);
  if (!fields) return fields.error();
  auto kind = read_enum(*fields, "kind", kKindNames);
  if (!kind) return kind.error();
  Environment environment{*kind, {}};
  if (fields->has("technology")) {
    auto technology = read_token(*fields, "technology");
    if (!technology) return technology.error();
    environment.technology = std::move(*technology);
  }
  return environment;
}

Json to_json(const std::vector<AppliedPatch>& patches) {
  Json array = Json::array();
  for (const AppliedPatch& patch : patches) {
    array.push_back(Json{{"id", patch.id},
                         {"module", patch.module},
                         {"enabled", patch.enabled},
                         {"transition", patch.transition}});
  }
  return array;
}

Expected<std::vector<AppliedPatch>> read_applied_patches(const JsonObject& object,
                                                         std::string_view key) {
  std::vector<AppliedPatch> patches;
  Status status = object.each_array_item(key, kMaxAppliedPatches,
                                         [&](const Json& item, const std::string& path) -> Status {
                                           auto patch = read_applied_patch(item, path);
                                           if (!patch) return patch.error();
                                           patches.push_back(std::move(*patch));
                                           return Status::ok();
                                         });
  if (!status) return status.error();
  return patches;
}

Json to_json(const CrashRecord& record) {
  Json json{{"bundle_id", record.bundle_id},
            {"boot_id", record.boot_id},
            {"started_at", record.started_at}};
  if (!record.code.empty()) json["code"] = record.code;
  return json;
}

Expected<CrashRecord> read_crash_record(const Json& item, const std::string& path) {
  auto object = JsonObject::from(item, path);
  if (!object) return object.error();
  CrashRecord record;
  auto bundle_id = read_id(*object, "bundle_id");
  if (!bundle_id) return bundle_id.error();
  record.bundle_id = std::move(*bundle_id);
  auto boot_id = read_token(*object, "boot_id");
  if (!boot_id) return boot_id.error();
  record.boot_id = std::move(*boot_id);
  auto started_at = object->unsigned_integer("started_at");
  if (!started_at) return started_at.error();
  record.started_at = *started_at;
  if (object->has("code")) {
    auto code = read_code(*object, "code");
    if (!code) return code.error();
    record.code = std::move(*code);
  }
  return record;
}

Json to_json(const std::vector<CrashRecord>& records) {
  Json array = Json::array();
  for (const CrashRecord& record : records) array.push_back(to_json(record));
  return array;
}

Expected<std::vector<CrashRecord>> read_crash_records(const JsonObject& object,
                                                      std::string_view key) {
  std::vector<CrashRecord> records;
  if (!object.has(key)) return records;
  Status status = object.each_array_item(
      key, kMaxCrashRecords, [&](const Json& item, const std::string& path) -> Status {
        auto record = read_crash_record(item, path);
        if (!record) return record.error();
        if (record->code.empty()) {  // on the wire a record always says why
          auto record_object = JsonObject::from(item, path);
          if (!record_object) return record_object.error();
          return read_code(*record_object, "code").error();
        }
        records.push_back(std::move(*record));
        return Status::ok();
      });
  if (!status) return status.error();
  return records;
}

}  // namespace hotsplice::protocol
