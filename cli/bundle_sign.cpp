#include <ctime>
#include <filesystem>

#include "cli/bundle_commands.h"
#include "cli/error_codes.h"
#include "core/base/arguments.h"
#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/bundle/bundle_verifier.h"
#include "core/kernel/kernel_identity_reader.h"
#include "core/kernel/kernel_image.h"
#include "core/kernel/module_info.h"

namespace hotsplice::cli {
namespace {

const std::vector<OptionSpec> kSignOptions = {
    {"key"},
    {"module"},
    {"output"},
    {"id"},
    {"description"},
    {"cve", true, true},
    {"replaces", true, true},
    {"target-release"},
    {"target-version"},
    {"target-build-id"},
    {"target-running", false},
    {"target-image"},
    {"root"},
    {"allow-non-livepatch", false},
};

// "--replaces vmlinux:cmdline_proc_show,meminfo_proc_show" -> one ReplacedObject.
Expected<ReplacedObject> parse_replaces_option(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Error(hotsplice::errc::kUsage,
                 "--replaces \"" + text + "\": expected OBJECT:FUNCTION[,FUNCTION...]");
  }
  ReplacedObject replaced{text.substr(0, colon), {}};
  std::string functions = text.substr(colon + 1);
  std::size_t start = 0;
  while (start <= functions.size()) {
    auto comma = functions.find(',', start);
    if (comma == std::string::npos) comma = functions.size();
    replaced.functions.push_back(functions.substr(start, comma - start));
    start = comma + 1;
  }
  return replaced;
}

Expected<KernelIdentity> target_from_arguments(const Arguments& arguments) {
  if (arguments.has("target-running")) {
    return read_kernel_identity(arguments.value("root").value_or("/"));
  }
  if (auto image = arguments.value("target-image")) return read_kernel_image_identity_file(*image);
  KernelIdentity target;
  for (auto [option, field] :
       {std::pair{"target-release", &target.release}, std::pair{"target-version", &target.version},
        std::pair{"target-build-id", &target.build_id}}) {
    auto value = arguments.required(option);
    if (!value) {
      return Error(hotsplice::errc::kUsage,
                   value.error().message() +
                       " (or use --target-image /boot/vmlinuz-<release>, or --target-running)");
    }
    *field = *value;
  }
  return target;
}

// The module must be the one the target kernel will accept, and (unless told otherwise)
// a livepatch module: anything else would be loaded into a kernel and patch nothing.
Status check_module(const ModuleInfo& info, const KernelIdentity& target, bool allow_non_livepatch,
                    std::ostream& err) {
  if (!info.vermagic.empty()) {
    std::string built_for = info.vermagic.substr(0, info.vermagic.find(' '));
    if (built_for != target.release) {
      return Error(errc::kModuleMismatch, "module was built for kernel " + built_for +
                                              " but the bundle targets " + target.release);
    }
  }
  if (!info.is_livepatch) {
    if (!allow_non_livepatch) {
      return Error(errc::kNotLivepatch,
                   "module " + info.name +
                       " is not a livepatch module (no livepatch=Y in its "
                       ".modinfo); pass --allow-non-livepatch to sign it anyway");
    }
    err << "hotsplice: warning: module " << info.name << " is not a livepatch module\n";
  }
  return Status::ok();
}

Expected<Manifest> manifest_from_arguments(const Arguments& arguments, const ModuleInfo& info) {
  Manifest manifest;
  auto id = arguments.required("id");
  if (!id) return id.error();
  manifest.id = *id;
  manifest.description = arguments.value("description").value_or("");
  manifest.cves = arguments.values("cve");
  auto target = target_from_arguments(arguments);
  if (!target) return target.error();
  manifest.target = std::move(*target);
  auto replaces = arguments.values("replaces");
  if (replaces.empty()) return Error(hotsplice::errc::kUsage, "option --replaces is required");
  for (const auto& text : replaces) {
    auto replaced = parse_replaces_option(text);
    if (!replaced) return replaced.error();
    manifest.replaces.push_back(std::move(*replaced));
  }
  manifest.module.name = info.name;
  manifest.created = format_utc_timestamp(std::time(nullptr));
  return manifest;
}

}  // namespace

int run_bundle_sign(CommandContext& context) {
  const std::string what = "bundle sign";
  auto arguments = Arguments::parse(context.arguments, kSignOptions, 0);
  if (!arguments) return report_error(context, what, arguments.error());
  auto key_path = arguments->required("key");
  auto module_path = arguments->required("module");
  auto output = arguments->required("output");
  for (const auto* required : {&key_path, &module_path, &output}) {
    if (!*required) return report_error(context, what, required->error());
  }

  auto key = load_private_key(*key_path);
  if (!key) return report_error(context, what, key.error());
  auto info = read_module_info(*module_path);
  if (!info) return report_error(context, what, info.error());
  auto module = read_file(*module_path, kMaxModuleBytes);
  if (!module) return report_error(context, what, module.error());

  auto manifest = manifest_from_arguments(*arguments, *info);
  if (!manifest) return report_error(context, what, manifest.error());
  if (Status checked =
          check_module(*info, manifest->target, arguments->has("allow-non-livepatch"), context.err);
      !checked) {
    return report_error(context, what, checked.error().with_context(*module_path));
  }
  auto parts = make_signed_bundle(std::move(*manifest), std::move(*module), *key);
  if (!parts) return report_error(context, what, parts.error());
  if (Status written = write_bundle_file(*output, *parts); !written) {
    return report_error(context, what, written.error());
  }
  context.out << "signed " << *output << " with key " << key->public_key().key_id() << "\n";
  return kExitOk;
}

}  // namespace hotsplice::cli
