// hotsplice-vmlab: a throwaway KVM host for the demo and for trying hostd by hand. It starts a
// private virtlogd + libvirtd (tests/vm/harness/private_libvirt.h: nothing of the machine's
// libvirt is touched), boots the requested guests with hotsplice-guestd inside, runs one
// program in the same mount namespace (so qemu:///system and the channel socket paths in
// the live domain XML are valid for it), and tears everything down when it exits. Usage:
// kUsage below (`hotsplice-vmlab --help`).
//
// SIGINT, SIGTERM and SIGHUP never leave guests or daemons behind: while PROGRAM runs they
// are passed on to it (the lab ends when it exits); before, the lab stops after the step
// under way and tears down what it started.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/arguments.h"
#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "tests/vm/agent_guest_image.h"
#include "tests/vm/harness/private_libvirt.h"

extern char** environ;

namespace hotsplice::vm {
namespace {

struct GuestRequest {
  std::string name;
  std::string release;
  bool agent_channel = true;
};

struct LabOptions {
  std::filesystem::path work;
  std::filesystem::path trusted_key;
  std::vector<GuestRequest> guests;
  std::optional<std::pair<std::string, std::filesystem::path>> kallsyms;
  std::optional<std::string> show;
  // How long the private daemons may outlive a lab that dies without tearing down
  // (`timeout -s KILL`); 0: no limit (the lab's own teardown stops them).
  std::chrono::minutes lifetime{30};
  std::vector<std::string> program;
};

constexpr const char* kUsage = R"(Usage: hotsplice-vmlab --work DIR --trust KEY.pub
         --guest NAME=RELEASE[,no-channel]... [--kallsyms NAME=FILE]
         [--show 'SHELL COMMAND'] [--lifetime MINUTES] -- PROGRAM [ARGS...]
A throwaway KVM host for the demo and for trying hostd by hand: starts a private virtlogd and
libvirtd under DIR (the machine's own libvirt is never touched), boots each guest (kernel
RELEASE, e.g. 6.1.0-56-amd64, with hotsplice-guestd trusting KEY.pub; no-channel: without
the hotsplice channel), runs PROGRAM in the lab's private mount namespace, where
qemu:///system is the private libvirtd (outside it, qemu:///system is the machine's own),
and tears everything down when PROGRAM exits.

  --work DIR             the lab's files (libvirt state, sockets, guest images)
  --trust KEY.pub        the public key the guests' agents trust
  --guest NAME=RELEASE   a guest to boot (repeat for more)
  --kallsyms NAME=FILE   write that guest's /proc/kallsyms to FILE before PROGRAM starts
  --show 'COMMAND'       after PROGRAM exits, run COMMAND in every guest and print answers
  --lifetime MINUTES     the private libvirtd and virtlogd are SIGKILLed this long after the
                         start even if the lab dies without tearing down (default 30; 0: no
                         limit, for a lab kept open by hand; the lab's teardown still stops
                         them and its guests)
  --help
Exit status: PROGRAM's; 1 when the lab fails; 64 on a usage error.
)";

// The lab was asked to stop by a signal before its program ran.
constexpr char kInterrupted[] = "interrupted";

Error usage(const std::string& message) {
  return Error(errc::kUsage, message + " (hotsplice-vmlab --help)");
}

// "NAME=VALUE" split at the first '='.
Expected<std::pair<std::string, std::string>> name_value(const std::string& text,
                                                         const std::string& option) {
  auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
    return usage("--" + option + " wants NAME=VALUE, got '" + text + "'");
  return std::pair{text.substr(0, equals), text.substr(equals + 1)};
}

Expected<LabOptions> parse(int argc, char** argv) {
  static const std::vector<OptionSpec> kSpecs = {{"work"},     {"trust"}, {"guest", true, true},
                                                 {"kallsyms"}, {"show"},  {"lifetime"}};
  auto arguments = Arguments::parse(std::vector<std::string>(argv + 1, argv + argc), kSpecs, 64);
  if (!arguments) return arguments.error();
  LabOptions options;
  auto work = arguments->required("work");
  if (!work) return work.error();
  options.work = std::filesystem::absolute(*work);
  auto trust = arguments->required("trust");
  if (!trust) return trust.error();
  options.trusted_key = std::filesystem::absolute(*trust);
  for (const auto& text : arguments->values("guest")) {
    auto parts = name_value(text, "guest");
    if (!parts) return parts.error();
    GuestRequest guest{parts->first, parts->second};
    if (auto comma = guest.release.find(','); comma != std::string::npos) {
      if (guest.release.substr(comma + 1) != "no-channel")
        return usage("unknown guest flag in '" + text + "' (only no-channel)");
      guest.agent_channel = false;
      guest.release.resize(comma);
    }
    options.guests.push_back(guest);
  }
  if (options.guests.empty()) return usage("at least one --guest is needed");
  if (auto text = arguments->value("kallsyms")) {
    auto parts = name_value(*text, "kallsyms");
    if (!parts) return parts.error();
    options.kallsyms = std::pair{parts->first, std::filesystem::absolute(parts->second)};
  }
  options.show = arguments->value("show");
  if (auto text = arguments->value("lifetime")) {
    if (text->empty() || text->size() > 6 ||
        text->find_first_not_of("0123456789") != std::string::npos)
      return usage("--lifetime wants whole minutes (0: no limit), got '" + *text + "'");
    options.lifetime = std::chrono::minutes(std::stol(*text));
  }
  options.program = arguments->positionals();
  if (options.program.empty()) return usage("no program to run after --");
  return options;
}

// The signal that asked the lab to stop (0: none), and the running program's pid (0: none).
volatile sig_atomic_t g_stop_signal = 0;
volatile sig_atomic_t g_program_pid = 0;

void on_stop_signal(int signal_number) {
  g_stop_signal = signal_number;
  if (g_program_pid > 0) ::kill(static_cast<pid_t>(g_program_pid), signal_number);
}

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal_number, &action, nullptr);
}

std::optional<Error> stop_requested() {
  if (g_stop_signal == 0) return std::nullopt;
  return Error(kInterrupted,
               "stopped by signal " + std::to_string(g_stop_signal) + "; tearing down the lab");
}

// Runs the program with the lab's stdin/stdout/stderr; returns its wait status.
Expected<int> run_program(const std::vector<std::string>& program) {
  std::vector<char*> argv;
  for (const auto& argument : program) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (int error = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); error != 0)
    return io_error("starting " + program.front(), error);
  g_program_pid = pid;
  // A stop signal that came while the program was being started is passed on now.
  if (g_stop_signal != 0) ::kill(pid, g_stop_signal);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return io_error("waiting for " + program.front(), errno);
  }
  g_program_pid = 0;
  return status;
}

int run(const LabOptions& options) {
  auto fail = [](const Error& error) {
    std::cerr << "hotsplice-vmlab: " << error.message() << " [" << error.code() << "]\n";
    return 1;
  };
  std::filesystem::create_directories(options.work);
  if (!std::filesystem::is_regular_file(options.trusted_key))
    return fail(usage("--trust " + options.trusted_key.string() + " is not a file"));
  // First, before any thread exists: the private mount namespace and the daemons.
  auto libvirt = PrivateLibvirt::start(options.work / "libvirt", options.lifetime);
  if (!libvirt) return fail(libvirt.error());

  std::map<std::string, GuestImage> images;  // by release
  std::vector<LibvirtGuest> guests;
  for (const auto& request : options.guests) {
    if (!images.contains(request.release)) {
      auto image = build_agent_guest_image(request.release, options.trusted_key);
      if (!image) return fail(image.error());
      images.emplace(request.release, *image);
    }
    auto guest =
        (*libvirt)->start_guest(request.name, images.at(request.release), "",
                                request.agent_channel ? PrivateLibvirt::AgentChannel::present
                                                      : PrivateLibvirt::AgentChannel::absent);
    if (!guest) return fail(guest.error());
    guests.push_back(std::move(guest).value());
    if (auto stop = stop_requested()) return fail(*stop);
    std::cerr << "hotsplice-vmlab: started " << request.name << " (" << request.release
              << (request.agent_channel ? "" : ", no agent channel") << ")\n";
  }
  for (auto& guest : guests) {
    if (auto ready = guest.wait_until_ready(Deadline::after(std::chrono::minutes(3))); !ready)
      return fail(ready.error());
    if (auto stop = stop_requested()) return fail(*stop);
  }
  std::cerr << "hotsplice-vmlab: " << guests.size() << (guests.size() == 1 ? " guest" : " guests")
            << " booted\n";

  if (options.kallsyms) {
    auto named = std::find_if(guests.begin(), guests.end(), [&](const LibvirtGuest& guest) {
      return guest.name() == options.kallsyms->first;
    });
    if (named == guests.end()) return fail(usage("--kallsyms names no guest"));
    auto text = named->shell().check_output("cat /proc/kallsyms", std::chrono::seconds(60));
    if (!text) return fail(text.error());
    if (auto written = write_file_atomically(options.kallsyms->second, *text); !written)
      return fail(written.error());
  }

  if (auto stop = stop_requested()) return fail(*stop);
  auto status = run_program(options.program);
  if (!status) return fail(status.error());

  if (options.show) {
    for (auto& guest : guests) {
      auto answer = guest.shell().run(*options.show);
      std::cout << guest.name() << ": "
                << (answer ? answer->out : "(no answer: " + answer.error().message() + ")");
      if (answer && (answer->out.empty() || answer->out.back() != '\n')) std::cout << '\n';
    }
  }
  if (WIFEXITED(*status)) return WEXITSTATUS(*status);
  std::cerr << "hotsplice-vmlab: " << options.program.front() << " was killed by signal "
            << WTERMSIG(*status) << "\n";
  return 1;
}

}  // namespace
}  // namespace hotsplice::vm

int main(int argc, char** argv) {
  for (int i = 1; i < argc && std::string(argv[i]) != "--"; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::cout << hotsplice::vm::kUsage;
      return 0;
    }
  }
  auto options = hotsplice::vm::parse(argc, argv);
  if (!options) {
    std::cerr << "hotsplice-vmlab: " << options.error().message() << " [" << options.error().code()
              << "]\n";
    return 64;
  }
  hotsplice::vm::catch_stop_signals();
  // A guest's console socket or the terminal closing under --show must come back as an
  // error (EPIPE), not kill the lab before its teardown stops the guests' QEMUs.
  ::signal(SIGPIPE, SIG_IGN);
  return hotsplice::vm::run(*options);
}
