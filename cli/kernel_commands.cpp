#include "cli/kernel_commands.h"

#include "core/base/arguments.h"
#include "core/base/error_codes.h"
#include "core/base/outside_text.h"
#include "core/kernel/kernel_identity_reader.h"
#include "core/kernel/kernel_image.h"
#include "core/livepatch/livepatch_state_json.h"

namespace hotsplice::cli {
namespace {

void print_identity(std::ostream& out, const KernelIdentity& identity) {
  // Read from an image or /proc: text from outside, escaped before it reaches a terminal.
  out << "Kernel         " << terminal_text(identity.release) << "\n"
      << "  version      " << terminal_text(identity.version) << "\n"
      << "  build-id     " << terminal_text(identity.build_id) << "\n";
}

std::string patch_line(const LivepatchState& patch) {
  std::string state = patch.enabled ? "enabled" : "disabled";
  if (patch.transition)
    state +=
        patch.enabled ? ", transition to patched under way" : ", transition to unpatched under way";
  std::string functions;
  for (const auto& object : patch.objects) {
    for (const auto& function : object.functions) {
      functions += (functions.empty() ? "" : ", ") + object.name + ":" + function.name;
    }
  }
  return patch.name + " (" + state + ") " + functions;
}

}  // namespace

int run_kernel_status(CommandContext& context) {
  auto arguments = Arguments::parse(context.arguments, {{"root"}, {"json", false}}, 0);
  if (!arguments) return report_error(context, "kernel status", arguments.error());
  std::string root = arguments->value("root").value_or("/");
  auto identity = read_kernel_identity(root);
  if (!identity) return report_error(context, "kernel status", identity.error());
  auto patches = list_livepatches(root);
  if (!patches) return report_error(context, "kernel status", patches.error());
  if (arguments->has("json")) {
    Json list = Json::array();
    for (const auto& patch : *patches) list.push_back(to_json(patch));
    context.out << dump_json(Json{{"kernel", to_json(*identity)}, {"livepatches", list}}, 2)
                << "\n";
    return kExitOk;
  }
  print_identity(context.out, *identity);
  if (patches->empty()) context.out << "Live patches   none\n";
  const char* label = "Live patches   ";
  for (const auto& patch : *patches) {
    context.out << label << terminal_text(patch_line(patch)) << "\n";
    label = "               ";
  }
  return kExitOk;
}

int run_kernel_identify(CommandContext& context) {
  auto arguments = Arguments::parse(context.arguments, {{"json", false}}, 1);
  if (!arguments) return report_error(context, "kernel identify", arguments.error());
  if (arguments->positionals().size() != 1) {
    return report_error(context, "kernel identify",
                        Error(hotsplice::errc::kUsage,
                              "expected one kernel image, e.g. /boot/vmlinuz-$(uname -r)"));
  }
  auto identity = read_kernel_image_identity_file(arguments->positionals()[0]);
  if (!identity) return report_error(context, "kernel identify", identity.error());
  if (arguments->has("json")) {
    context.out << dump_json(to_json(*identity), 2) << "\n";
  } else {
    print_identity(context.out, *identity);
  }
  return kExitOk;
}

}  // namespace hotsplice::cli
