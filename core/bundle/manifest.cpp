#include "core/bundle/manifest.h"

#include <set>

#include "core/base/error_codes.h"
#include "core/base/hex.h"
#include "core/base/json_reader.h"
#include "core/base/outside_text.h"
#include "core/bundle/error_codes.h"

namespace hotsplice {
namespace {

constexpr std::size_t kMaxObjects = 256;
constexpr std::size_t kMaxFunctionsPerObject = 4096;

Expected<ReplacedObject> parse_replaced_object(const Json& item, const std::string& path) {
  auto object = JsonObject::from(item, path);
  if (!object) return object.error();
  if (Status known = object->only_fields({"object", "functions"}); !known) return known.error();
  ReplacedObject replaced;
  auto name = object->string_of_form("object", kMaxModuleNameLength, is_valid_object_name,
                                     "\"vmlinux\" or a module name ([A-Za-z0-9_]{1,55})");
  if (!name) return name.error();
  replaced.object = std::move(*name);
  auto functions = object->string_array("functions", kMaxFunctionsPerObject, kMaxSymbolNameLength);
  if (!functions) return functions.error();
  if (functions->empty()) return object->invalid("functions", "must name at least one function");
  std::set<std::string> seen;
  for (const auto& function : *functions) {
    if (!is_valid_symbol_name(function)) {
      return object->invalid("functions", "\"" + function + "\" is not a symbol name");
    }
    if (!seen.insert(function).second) {
      return object->invalid("functions", "\"" + function + "\" is listed twice");
    }
  }
  replaced.functions = std::move(*functions);
  return replaced;
}

Status parse_replaces(const JsonObject& root, Manifest& manifest) {
  std::set<std::string> objects;
  Status status =
      root.each_array_item("replaces", kMaxObjects, [&](const Json& item, const std::string& path) {
        auto replaced = parse_replaced_object(item, path);
        if (!replaced) return Status(replaced.error());
        if (!objects.insert(replaced->object).second) {
          return Status(Error(errc::kInvalidField, path + ": object \"" + replaced->object +
                                                       "\" appears more than once"));
        }
        manifest.replaces.push_back(std::move(*replaced));
        return Status::ok();
      });
  if (!status) return status;
  if (manifest.replaces.empty()) return root.invalid("replaces", "must list at least one object");
  return Status::ok();
}

Expected<ModuleReference> parse_module(const JsonObject& root) {
  auto object = root.object("module");
  if (!object) return object.error();
  if (Status known = object->only_fields({"name", "sha256", "size"}); !known) return known.error();
  ModuleReference module;
  auto name = object->string("name", 255);
  if (!name) return name.error();
  if (!is_valid_module_name(*name)) {
    // A name that could leave the staging directory gets its own code: it is an attack,
    // not a typo.
    if (name->find('/') != std::string::npos || name->find("..") != std::string::npos) {
      return Error(bundle::errc::kUnsafeName,
                   object->path() + ".name: \"" + *name + "\" could escape a directory");
    }
    return object->invalid("name", "expected a kernel module name ([A-Za-z0-9_]{1,55})");
  }
  module.name = std::move(*name);
  auto sha256 = object->string("sha256", 64);
  if (!sha256) return sha256.error();
  if (!is_lower_hex(*sha256, 64)) {
    return object->invalid("sha256", "expected 64 lower-case hex digits");
  }
  module.sha256 = std::move(*sha256);
  auto size = object->unsigned_integer("size", kMaxModuleBytes);
  if (!size) return size.error();
  if (*size == 0) return object->invalid("size", "a module cannot be empty");
  module.size = *size;
  return module;
}

Status parse_fields(const JsonObject& root, Manifest& manifest) {
  auto schema = root.unsigned_integer("schema");
  if (!schema) return schema.error();
  if (*schema != kManifestSchemaVersion) {
    return Error(bundle::errc::kUnsupportedSchema,
                 "manifest.schema: version " + std::to_string(*schema) +
                     " is not supported (this hotsplice reads version " +
                     std::to_string(kManifestSchemaVersion) + ")");
  }
  if (Status known = root.only_fields(
          {"schema", "id", "description", "cves", "target", "replaces", "module", "created"});
      !known) {
    return known;
  }
  auto id = root.string("id", 255);
  if (!id) return id.error();
  if (!is_valid_bundle_id(*id)) {
    if (id->find('/') != std::string::npos || id->starts_with(".")) {
      return Error(bundle::errc::kUnsafeName,
                   "manifest.id: \"" + *id + "\" could escape a directory");
    }
    return root.invalid("id", "expected [A-Za-z0-9._-]{1,64}");
  }
  manifest.id = std::move(*id);
  auto description =
      root.string_of_form("description", kMaxDescriptionLength, is_display_text, "printable text");
  if (!description) return description.error();
  manifest.description = std::move(*description);
  auto cves = root.string_array("cves", kMaxCves, 16);
  if (!cves) return cves.error();
  for (const auto& cve : *cves) {
    if (!is_valid_cve(cve)) return root.invalid("cves", "\"" + cve + "\" is not a CVE id");
  }
  manifest.cves = std::move(*cves);
  auto target = root.object("target");
  if (!target) return target.error();
  if (Status known = target->only_fields({"release", "version", "build_id"}); !known) return known;
  auto identity = kernel_identity_from_json(*target);
  if (!identity) return identity.error();
  manifest.target = std::move(*identity);
  if (Status replaces = parse_replaces(root, manifest); !replaces) return replaces;
  auto module = parse_module(root);
  if (!module) return module.error();
  manifest.module = std::move(*module);
  auto created = root.string_of_form("created", 20, is_valid_utc_timestamp,
                                     "a UTC time as YYYY-MM-DDTHH:MM:SSZ");
  if (!created) return created.error();
  manifest.created = std::move(*created);
  return Status::ok();
}

Json to_json(const Manifest& manifest) {
  Json replaces = Json::array();
  for (const auto& replaced : manifest.replaces) {
    replaces.push_back({{"object", replaced.object}, {"functions", replaced.functions}});
  }
  return Json{{"schema", manifest.schema},
              {"id", manifest.id},
              {"description", manifest.description},
              {"cves", manifest.cves},
              {"target", to_json(manifest.target)},
              {"replaces", replaces},
              {"module",
               {{"name", manifest.module.name},
                {"sha256", manifest.module.sha256},
                {"size", manifest.module.size}}},
              {"created", manifest.created}};
}

}  // namespace

Expected<Manifest> parse_manifest(std::string_view bytes) {
  if (bytes.size() > kMaxManifestBytes) {
    return Error(errc::kInvalidField,
                 "manifest: larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  }
  auto json = parse_json(bytes, "manifest");
  if (!json) return json.error();
  auto root = JsonObject::from(*json, "manifest");
  if (!root) return root.error();
  Manifest manifest;
  if (Status status = parse_fields(*root, manifest); !status) return status.error();
  return manifest;
}

Expected<std::string> serialize_manifest(const Manifest& manifest) {
  Json json = to_json(manifest);
  // Options and kernel images may hold any bytes; the error names the field.
  if (Status text_ok = require_valid_utf8(json, "manifest"); !text_ok) return text_ok.error();
  std::string text = json.dump(2) + "\n";
  // One set of rules: whatever we write must read back as the same manifest.
  auto reread = parse_manifest(text);
  if (!reread) return reread.error();
  return text;
}

std::string module_file_name(const Manifest& manifest) {
  return manifest.module.name + ".ko";
}

}  // namespace hotsplice
