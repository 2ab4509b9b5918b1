#include "kmod/build/command_line.h"

#include "kmod/build/patch_command.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

#include "core/base/file_io.h"
#include "core/base/outside_text.h"
#include "core/kernel/kernel_image.h"
#include "kmod/elfdiff/comparison.h"
#include "kmod/elfdiff/explain.h"
#include "kmod/elfdiff/report.h"
#include "kmod/kernel_tree/build_session.h"
#include "kmod/target_kernel/btf_layouts.h"
#include "kmod/target_kernel/kernel_headers.h"
#include "kmod/target_kernel/kernel_inputs.h"

namespace hotsplice::build {
namespace {

namespace fs = std::filesystem;
using elfdiff::ObjectReport;
using elfdiff::Outcome;

constexpr const char* kUsage =
    "usage:\n"
    "  hotsplice-build objects [--json] [--module] [--explain FUNC] BEFORE.o AFTER.o\n"
    "  hotsplice-build kernel --release RELEASE --patch DIFF [--output DIR]\n"
    "                         (source, config and symbols found from the Debian image package)\n"
    "  hotsplice-build kernel --source TREE|TARBALL --config CONFIG --patch DIFF\n"
    "                         --output DIR [--cache DIR] [--jobs N] [--json]\n"
    "                         [--baseline-patch DIFF: applied before the before build]\n"
    "                         [MODULE OPTIONS: build the live patch module too]\n"
    "  hotsplice-build patch --before BEFORE.o --after AFTER.o --binary vmlinux|MODULE\n"
    "                        --output DIR [--target-module TARGET.ko] MODULE OPTIONS\n"
    "MODULE OPTIONS: --name PATCH --release RELEASE [--kallsyms FILE] [--hooks FILE.c]\n"
    "                [--kernel-build DIR] [--bundle OUT.hsb --key KEY.pem --id ID\n"
    "                 [--description TEXT] [--cve CVE[,CVE]]... [--target-image VMLINUZ]]\n"
    "exit status: 0 changes, 3 no effective change, 2 refused, 1 error\n";

int print_reports(const std::vector<ObjectReport>& reports, bool json, std::ostream& out) {
  if (json) {
    out << dump_json(elfdiff::report_to_json(reports), 2) << "\n";
  } else {
    // Symbol and file names come from the objects: escaped before they reach a terminal.
    out << terminal_text(elfdiff::report_to_text(reports), true);
  }
  return elfdiff::exit_status(elfdiff::outcome_of(reports));
}

int fail(const Error& error, std::ostream& err) {
  return report_failure(error, "", err);
}

// --explain: the first difference of one function, decoded side by side.
Expected<std::string> explain_objects(const std::string& before_path, const std::string& after_path,
                                      const std::string& function) {
  auto before = elfdiff::ElfObject::load(before_path);
  if (!before) return before.error();
  auto after = elfdiff::ElfObject::load(after_path);
  if (!after) return after.error();
  auto before_index = elfdiff::ObjectIndex::build(*before);
  if (!before_index) return before_index.error();
  auto after_index = elfdiff::ObjectIndex::build(*after);
  if (!after_index) return after_index.error();
  return elfdiff::explain_function(*before_index, *after_index, function);
}

int run_objects(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err) {
  auto parsed =
      parse_arguments(arguments, {{"json", false}, {"module", false}, {"explain"}}, 2, err);
  if (!parsed) return elfdiff::exit_status(Outcome::error);
  if (parsed->positionals().size() != 2) {
    err << kUsage;
    return elfdiff::exit_status(Outcome::error);
  }
  elfdiff::CompareOptions options;
  options.object_is_module = parsed->has("module");
  auto report = elfdiff::compare_object_files(parsed->positionals()[0], parsed->positionals()[1],
                                              parsed->positionals()[1], options);
  if (!report) return fail(report.error(), err);
  if (auto function = parsed->value("explain")) {
    auto explanation =
        explain_objects(parsed->positionals()[0], parsed->positionals()[1], *function);
    if (!explanation) return fail(explanation.error(), err);
    out << *explanation;
    return elfdiff::exit_status(elfdiff::outcome_of({*report}));
  }
  return print_reports({*report}, parsed->has("json"), out);
}

// Where prepared trees are kept unless --cache says otherwise.
fs::path default_cache() {
  const char* configured = std::getenv("HOTSPLICE_KERNEL_CACHE");
  return configured && *configured ? fs::path(configured)
                                   : target_kernel::default_cache_root() / "kernel-trees";
}

// --release without --source/--config: the exact source, config and symbols of the Debian
// image package of that release (downloaded into the cache when needed).
Status find_target_inputs(const std::string& release, const fs::path& given_kallsyms,
                          bool build_module, kernel_tree::SessionRequest& request,
                          ModuleDefaults& defaults, std::ostream& out) {
  if (auto status = ensure_directory(request.output); !status) return status;
  auto inputs = target_kernel::prepare_kernel_inputs(release, target_kernel::default_cache_root(),
                                                     request.output / "build.log", given_kallsyms);
  if (!inputs) return inputs.error();
  request.tree.source = inputs->source;
  request.tree.config = inputs->config;
  defaults.kallsyms = inputs->kallsyms;
  defaults.target_image = inputs->image;
  out << "target " << terminal_text(release) << ": " << inputs->packages.image_package << " "
      << inputs->packages.version << (inputs->packages.image_installed ? " (installed)" : "")
      << ", source " << inputs->packages.source_package << " " << inputs->packages.source_version
      << "\n  source " << terminal_text(inputs->source.string()) << "\n  config "
      << terminal_text(inputs->config.string())
      << "\n  symbols: " << terminal_text(inputs->symbols_origin) << "\n";
  if (build_module) {
    // A release whose headers are not installed: its headers packages, into the cache.
    auto tree =
        target_kernel::kernel_build_tree(inputs->packages, target_kernel::default_cache_root(),
                                         request.output / "build.log", inputs->downloads);
    if (!tree) return tree.error().with_context("headers of " + release);
    defaults.kernel_build = *tree;
    out << "  headers " << terminal_text(tree->string()) << "\n";
  }
  for (const std::string& download : inputs->downloads) out << "  " << download << "\n";
  // The special tables' entry layouts of this kernel, from its BTF; a table it does not
  // describe makes any object holding one a refusal.
  auto vmlinux = read_file(inputs->vmlinux, kMaxVmlinuxBytes);
  if (!vmlinux) return vmlinux.error();
  auto layouts = target_kernel::layouts_from_btf(*vmlinux);
  if (!layouts) {
    elfdiff::TableLayouts unknown;
    for (std::string_view name : elfdiff::special_table_names()) {
      unknown.unknown.emplace_back(name, layouts.error().message());
    }
    layouts = std::move(unknown);
  }
  out << "  special-table layouts from "
      << (layouts->tables.empty() ? "nowhere" : "the image's BTF") << ":\n";
  std::istringstream lines(target_kernel::describe_layouts(*layouts));
  for (std::string line; std::getline(lines, line);) out << "    " << line << "\n";
  elfdiff::use_table_layouts(std::move(*layouts));
  return Status::ok();
}

int run_kernel(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err) {
  std::vector<OptionSpec> specs = {{"source"}, {"config"}, {"patch"},          {"output"},
                                   {"cache"},  {"jobs"},   {"baseline-patch"}, {"json", false}};
  specs.insert(specs.end(), kModuleOptions.begin(), kModuleOptions.end());
  auto parsed = parse_arguments(arguments, specs, 0, err);
  if (!parsed) return elfdiff::exit_status(Outcome::error);
  // --release alone finds source and config; given explicitly, both are needed.
  const bool by_release =
      parsed->has("release") && !parsed->has("source") && !parsed->has("config");
  std::vector<const char*> required = {"patch"};
  if (!by_release) required.insert(required.end(), {"source", "config", "output"});
  for (const char* option : required) {
    if (!parsed->has(option)) {
      err << "hotsplice-build kernel: --" << option << " is required\n" << kUsage;
      return elfdiff::exit_status(Outcome::error);
    }
  }
  kernel_tree::SessionRequest request;
  request.tree.source = path_option(*parsed, "source");
  request.tree.config = path_option(*parsed, "config");
  request.tree.cache =
      parsed->has("cache") ? path_option(*parsed, "cache") : fs::absolute(default_cache());
  request.patch = path_option(*parsed, "patch");
  request.baseline = path_option(*parsed, "baseline-patch");
  request.output = path_option(*parsed, "output");
  if (request.output.empty()) {
    // <patch name>-<release> in the working directory.
    request.output = fs::absolute(request.patch.stem().string() + "-" + *parsed->value("release"));
  }
  ModuleDefaults defaults;
  if (by_release) {
    if (auto status =
            find_target_inputs(*parsed->value("release"), path_option(*parsed, "kallsyms"),
                               parsed->has("name"), request, defaults, out);
        !status) {
      return fail(status.error(), err);
    }
  }
  if (parsed->has("jobs")) {
    const std::string jobs = *parsed->value("jobs");
    if (jobs.empty() || jobs.size() > 3 ||
        jobs.find_first_not_of("0123456789") != std::string::npos || std::stoi(jobs) == 0) {
      err << "hotsplice-build kernel: --jobs needs a number from 1 to 999\n";
      return elfdiff::exit_status(Outcome::error);
    }
    request.tree.jobs = std::stoi(jobs);
  }
  auto reports = kernel_tree::run_session(request);
  if (!reports) return fail(reports.error(), err);
  // Both forms are kept next to the objects for later steps and for people.
  const Json json = elfdiff::report_to_json(*reports);
  if (auto status =
          write_file_atomically(request.output / "report.json", dump_json(json, 2) + "\n");
      !status) {
    return fail(status.error(), err);
  }
  if (auto status =
          write_file_atomically(request.output / "report.txt", elfdiff::report_to_text(*reports));
      !status) {
    return fail(status.error(), err);
  }
  const int status = print_reports(*reports, parsed->has("json"), out);
  if (status != elfdiff::exit_status(Outcome::changes) || !parsed->has("name")) return status;
  return build_module_for_session(*parsed, *reports, request.output.string(), defaults, out, err);
}

}  // namespace

int run_command(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err) {
  if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h") {
    (arguments.empty() ? err : out) << kUsage;
    return arguments.empty() ? elfdiff::exit_status(Outcome::error) : 0;
  }
  if (arguments[0] == "objects") return run_objects(arguments, out, err);
  if (arguments[0] == "kernel") return run_kernel(arguments, out, err);
  if (arguments[0] == "patch") return run_patch(arguments, out, err);
  err << "hotsplice-build: unknown command " << terminal_text(arguments[0]) << "\n" << kUsage;
  return elfdiff::exit_status(Outcome::error);
}

}  // namespace hotsplice::build
