#include "guestagent/options.h"

#include <charconv>

namespace hotsplice::guestd {
namespace {

Error usage_error(const std::string& message) {
  return Error("usage", message + " (see hotsplice-guestd --help)");
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
  --once                   serve one host session, then exit
  --apply-stored           re-apply the stored bundles built for this kernel, then exit
                           (for the boot path; the daemon also does this when it starts)
  --log-level LEVEL        error, warning, info (default) or debug; logs go to stderr
  --root DIR               read /proc and /sys under DIR (for tests)
  --help, --version
)";
}

Expected<Options> parse_options(const std::vector<std::string>& arguments) {
  Options options;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    auto value = [&]() -> Expected<std::string> {
      if (i + 1 >= arguments.size()) return usage_error(argument + " needs a value");
      return arguments[++i];
    };
    if (argument == "--help") {
      options.help = true;
    } else if (argument == "--version") {
      options.version = true;
    } else if (argument == "--once") {
      options.once = true;
    } else if (argument == "--apply-stored") {
      options.apply_stored = true;
    } else if (argument == "--port" || argument == "--port-path" || argument == "--state-dir" ||
               argument == "--keys-dir" || argument == "--root" || argument == "--log-level" ||
               argument == "--transition-timeout") {
      auto text = value();
      if (!text) return text.error();
      if (text->empty()) return usage_error(argument + " needs a non-empty value");
      if (argument == "--port") options.port_name = *text;
      if (argument == "--port-path") options.port_path = *text;
      if (argument == "--state-dir") options.state_dir = *text;
      if (argument == "--keys-dir") options.keys_dir = *text;
      if (argument == "--root") options.root = *text;
      if (argument == "--log-level") {
        auto level = parse_log_level(*text);
        if (!level) return usage_error("unknown log level " + *text);
        options.log_level = *level;
      }
      if (argument == "--transition-timeout") {
        unsigned seconds = 0;
        auto [end, failed] = std::from_chars(text->data(), text->data() + text->size(), seconds);
        if (failed != std::errc() || end != text->data() + text->size() || seconds == 0 ||
            seconds > 3600) {
          return usage_error("--transition-timeout takes 1 to 3600 seconds");
        }
        options.transition_timeout = std::chrono::seconds(seconds);
      }
    } else {
      return usage_error("unknown argument " + argument);
    }
  }
  if (options.port_name.find('/') != std::string::npos) {
    return usage_error("--port takes a port name, not a path (use --port-path)");
  }
  return options;
}

}  // namespace hotsplice::guestd
