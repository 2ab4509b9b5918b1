#include "guestagent/options.h"

#include <charconv>

#include "core/base/arguments.h"
#include "core/base/error_codes.h"

namespace hotsplice::guestd {
namespace {

Error usage_error(const std::string& message) {
  return Error(hotsplice::errc::kUsage, message + " (see hotsplice-guestd --help)");
}

}  // namespace

const char* usage_text() {
  return R"(Usage: hotsplice-guestd [OPTION]...
The hotsplice guest agent: receives signed live-patch bundles from the host over a
virtio-serial port, verifies them and applies them to the running kernel.

  --port NAME              virtio-serial port name (default org.hotsplice.agent.0)
  --port-path PATH         use this device or Unix socket instead of looking the port up
  --state-dir DIR          applied bundles and transfers (default /var/lib/hotsplice)
  --keys-dir DIR           trusted signing keys, *.pub (default /etc/hotsplice/keys.d)
  --transition-timeout S   seconds a patch transition may take before the blocking tasks
                           are signalled; 5 s later it is rolled back (default 15)
  --settle-time S          seconds the kernel must stay healthy (no new taint, no oops,
                           BUG or WARNING logged) after a patch went live before its
                           attempt record is cleared (default 60; 0: check once)
  --clear-crash BUNDLE     clear BUNDLE's crash record (crashed_last_time,
                           kernel_bug_detected) so that it may be applied again, then exit
  --once                   serve one host session, then exit
  --apply-stored           re-apply the stored bundles built for this kernel, then exit
                           (for the boot path; the daemon also does this when it starts)
  --log-level LEVEL        error, warning, notice, info (default) or debug; logs go to stderr
  --root DIR               read /proc and /sys under DIR (for tests)
  --help, --version
)";
}

Expected<Options> parse_options(const std::vector<std::string>& arguments) {
  static const std::vector<OptionSpec> kSpecs = {
      {"help", false}, {"version", false}, {"once", false},        {"apply-stored", false},
      {"port"},        {"port-path"},      {"state-dir"},          {"keys-dir"},
      {"root"},        {"log-level"},      {"transition-timeout"}, {"settle-time"},
      {"clear-crash"}};
  auto parsed = Arguments::parse(arguments, kSpecs, 0);
  if (!parsed) return usage_error(parsed.error().message());
  for (const auto& spec : kSpecs) {
    if (spec.takes_value && parsed->value(spec.name) == "") {
      return usage_error("--" + spec.name + " needs a non-empty value");
    }
  }
  Options options;
  options.help = parsed->has("help");
  options.version = parsed->has("version");
  options.once = parsed->has("once");
  options.apply_stored = parsed->has("apply-stored");
  options.port_name = parsed->value("port").value_or(options.port_name);
  if (auto path = parsed->value("port-path")) options.port_path = *path;
  options.state_dir = parsed->value("state-dir").value_or(options.state_dir);
  options.keys_dir = parsed->value("keys-dir").value_or(options.keys_dir);
  options.root = parsed->value("root").value_or(options.root);
  if (auto text = parsed->value("log-level")) {
    auto level = parse_log_level(*text);
    if (!level) return usage_error("unknown log level " + *text);
    options.log_level = *level;
  }
  if (auto text = parsed->value("transition-timeout")) {
    unsigned seconds = 0;
    auto [end, failed] = std::from_chars(text->data(), text->data() + text->size(), seconds);
    if (failed != std::errc() || end != text->data() + text->size() || seconds == 0 ||
        seconds > 3600) {
      return usage_error("--transition-timeout takes 1 to 3600 seconds");
    }
    options.transition_timeout = std::chrono::seconds(seconds);
  }
  if (auto text = parsed->value("settle-time")) {
    unsigned seconds = 0;
    auto [end, failed] = std::from_chars(text->data(), text->data() + text->size(), seconds);
    if (failed != std::errc() || end != text->data() + text->size() || seconds > 3600) {
      return usage_error("--settle-time takes 0 to 3600 seconds");
    }
    options.settle_time = std::chrono::seconds(seconds);
  }
  options.clear_crash = parsed->value("clear-crash");
  if (options.port_name.find('/') != std::string::npos) {
    return usage_error("--port takes a port name, not a path (use --port-path)");
  }
  return options;
}

}  // namespace hotsplice::guestd
