#include "cli/bundle_report.h"

#include <iomanip>

#include "core/base/outside_text.h"

namespace hotsplice::cli {
namespace {

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

// Every value shown comes from the bundle (signed or not: a signature says who, not what),
// so it reaches the terminal with control characters escaped.
void row(std::ostream& out, const char* label, const std::string& value) {
  out << std::left << std::setw(15) << label << terminal_text(value) << "\n";
}

Json error_to_json(const Error& error) {
  return Json{{"code", error.code()}, {"message", error.message()}};
}

}  // namespace

void print_bundle_text(std::ostream& out, const InspectedBundle& bundle) {
  if (bundle.key_id) {
    row(out, "Signature", "valid, key " + *bundle.key_id);
  } else {
    row(out, "Signature",
        "NOT VERIFIED: " + bundle.verification_error->message() + " [" +
            bundle.verification_error->code() + "]");
  }
  if (!bundle.manifest) {
    row(out, "Manifest", "unreadable: " + bundle.manifest_error->message());
    return;
  }
  const Manifest& manifest = *bundle.manifest;
  row(out, "Bundle", manifest.id);
  std::string description =
      manifest.description.empty() ? "(none)" : terminal_text(manifest.description, true);
  for (std::size_t at = description.find('\n'); at != std::string::npos;
       at = description.find('\n', at + 16)) {
    description.replace(at, 1, "\n" + std::string(15, ' '));
  }
  out << std::left << std::setw(15) << "Description" << description << "\n";
  row(out, "CVEs", manifest.cves.empty() ? "(none)" : joined(manifest.cves, ", "));
  row(out, "Target kernel", manifest.target.release);
  row(out, "  version", manifest.target.version);
  row(out, "  build-id", manifest.target.build_id);
  const char* label = "Replaces";
  for (const auto& replaced : manifest.replaces) {
    row(out, label, replaced.object + ": " + joined(replaced.functions, ", "));
    label = "";
  }
  row(out, "Module",
      module_file_name(manifest) + ", " + std::to_string(manifest.module.size) + " bytes");
  row(out, "  sha256", manifest.module.sha256);
  row(out, "Created", manifest.created);
  row(out, "Bundle size", std::to_string(bundle.total_bytes) + " bytes");
}

Json bundle_to_json(const InspectedBundle& bundle) {
  Json json{{"verified", bundle.key_id.has_value()}, {"size", bundle.total_bytes}};
  if (bundle.key_id) json["key_id"] = *bundle.key_id;
  if (bundle.verification_error) {
    json["verification_error"] = error_to_json(*bundle.verification_error);
  }
  if (bundle.manifest) {
    json["manifest"] = Json::parse(serialize_manifest(*bundle.manifest).value());
  } else {
    json["manifest_error"] = error_to_json(*bundle.manifest_error);
  }
  return json;
}

}  // namespace hotsplice::cli
