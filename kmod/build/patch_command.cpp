#include "kmod/build/patch_command.h"

#include <chrono>
#include <sstream>

#include "core/base/outside_text.h"
#include "kmod/build/patch_bundle.h"
#include "kmod/elfdiff/error_codes.h"
#include "kmod/elfdiff/report.h"
#include "kmod/kernel_tree/error_codes.h"
#include "kmod/patchobj/error_codes.h"
#include "kmod/patchobj/patch_module.h"

namespace hotsplice::build {
namespace {

namespace fs = std::filesystem;

constexpr int kError = 1;

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::istringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ',')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

int build_and_bundle(const Arguments& parsed, std::vector<patchobj::ObjectBuilds> objects,
                     const fs::path& output, const ModuleDefaults& defaults, std::ostream& out,
                     std::ostream& err) {
  for (const char* required : {"name", "release"}) {
    if (!parsed.has(required)) {
      err << "hotsplice-build: --" << required << " is required to build a module\n";
      return kError;
    }
  }
  const std::string release = parsed.value("release").value_or("");
  patchobj::PatchModuleRequest request;
  request.module_name = parsed.value("name").value_or("");
  request.kernel_build = parsed.has("kernel-build") ? path_option(parsed, "kernel-build")
                         : !defaults.kernel_build.empty()
                             ? defaults.kernel_build
                             : fs::path("/lib/modules/" + release + "/build");
  request.module_tree = "/lib/modules/" + release;
  request.objects = std::move(objects);
  request.kallsyms = parsed.has("kallsyms") ? path_option(parsed, "kallsyms") : defaults.kallsyms;
  request.hooks = path_option(parsed, "hooks");
  request.work_dir = fs::absolute(output / "module");
  // The target module's own symbol table gives its symbol positions.
  if (parsed.has("target-module") && request.objects.size() == 1) {
    request.module_files[request.objects.front().binary] = path_option(parsed, "target-module");
  }
  const auto started = std::chrono::steady_clock::now();
  auto module = patchobj::build_patch_module(request);
  if (!module) return report_failure(module.error(), "", err);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
  out << "module " << terminal_text(module->module.string()) << " ("
      << module->relocations.livepatch_symbols << " livepatch symbols, "
      << module->relocations.livepatch_relocations << " livepatch relocations, linked in "
      << seconds.count() << " s)\n";
  for (const auto& object : module->objects) {
    for (const auto& function : object.functions) {
      out << "  replaces " << terminal_text(object.binary) << ":"
          << terminal_text(function.old_name) << "," << function.sympos << "\n";
    }
  }
  if (!parsed.has("bundle")) return 0;
  for (const char* required : {"key", "id"}) {
    if (!parsed.has(required)) {
      err << "hotsplice-build: --bundle needs --" << required << "\n";
      return kError;
    }
  }
  BundleRequest bundle;
  bundle.module = module->module;
  bundle.module_name = request.module_name;
  bundle.objects = module->objects;
  bundle.target_image = parsed.has("target-image")       ? path_option(parsed, "target-image")
                        : !defaults.target_image.empty() ? defaults.target_image
                                                         : fs::path("/boot/vmlinuz-" + release);
  bundle.key = path_option(parsed, "key");
  bundle.id = parsed.value("id").value_or("");
  bundle.description = parsed.value("description").value_or("");
  for (const auto& cves : parsed.values("cve")) {
    for (auto& cve : split_commas(cves)) bundle.cves.push_back(std::move(cve));
  }
  bundle.output = path_option(parsed, "bundle");
  if (auto status = write_patch_bundle(bundle); !status) {
    return report_failure(status.error(), "bundle", err);
  }
  out << "bundle " << terminal_text(bundle.output.string()) << "\n";
  return 0;
}

}  // namespace

fs::path path_option(const Arguments& parsed, const std::string& name) {
  auto value = parsed.value(name);
  if (!value || value->empty()) return {};
  std::error_code error;
  fs::path absolute = fs::absolute(*value, error);
  return error ? fs::path(*value) : absolute;
}

int report_failure(const Error& error, std::string_view context, std::ostream& err) {
  err << "hotsplice-build: " << terminal_text(context) << (context.empty() ? "" : ": ")
      << terminal_text(error.message()) << " [" << terminal_text(error.code()) << "]\n";
  // A refusal is an answer about the change, whichever step found it: the patch step's
  // rules, a symbol the running kernel lacks or cannot tell apart, a diff whose objects
  // cannot be listed. Status 1 stays for broken inputs and failed builds.
  const std::string& code = error.code();
  const bool refused =
      code == patchobj::errc::kPatchRefused || code == patchobj::errc::kSymbolNotFound ||
      code == patchobj::errc::kSymbolAmbiguous || code == kernel_tree::errc::kUnsupportedPatch ||
      code == elfdiff::errc::kUnknownTableLayout;
  return elfdiff::exit_status(refused ? elfdiff::Outcome::refused : elfdiff::Outcome::error);
}

std::optional<Arguments> parse_arguments(const std::vector<std::string>& arguments,
                                         std::vector<OptionSpec> specs, std::size_t max_positionals,
                                         std::ostream& err) {
  // arguments[0] is the subcommand.
  std::vector<std::string> rest(arguments.begin() + (arguments.empty() ? 0 : 1), arguments.end());
  auto parsed = Arguments::parse(rest, specs, max_positionals);
  if (!parsed) {
    err << "hotsplice-build: " << terminal_text(parsed.error().message()) << " (see --help)\n";
    return std::nullopt;
  }
  return std::move(*parsed);
}

int run_patch(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err) {
  std::vector<OptionSpec> specs = kModuleOptions;
  for (const char* option : {"before", "after", "binary", "target-module", "output"}) {
    specs.push_back({option});
  }
  auto parsed = parse_arguments(arguments, specs, 0, err);
  if (!parsed) return kError;
  for (const char* required : {"before", "after", "binary", "output"}) {
    if (!parsed->has(required)) {
      err << "hotsplice-build patch: --" << required << " is required\n";
      return kError;
    }
  }
  patchobj::ObjectBuilds builds{path_option(*parsed, "before"), path_option(*parsed, "after"),
                                parsed->value("binary").value_or("")};
  return build_and_bundle(*parsed, {builds}, path_option(*parsed, "output"), {}, out, err);
}

int build_module_for_session(const Arguments& parsed,
                             const std::vector<elfdiff::ObjectReport>& reports,
                             const std::string& output, const ModuleDefaults& defaults,
                             std::ostream& out, std::ostream& err) {
  std::vector<patchobj::ObjectBuilds> objects;
  for (const auto& report : reports) {
    if (!report.has_effective_change()) continue;
    objects.push_back({fs::path(output) / "before" / report.object,
                       fs::path(output) / "after" / report.object, report.binary});
  }
  return build_and_bundle(parsed, std::move(objects), output, defaults, out, err);
}

}  // namespace hotsplice::build
