#include "tests/vm/harness/echo_port.h"

#include "tests/vm/harness/error_codes.h"
#include "tests/vm/harness/unix_stream.h"

namespace hotsplice::vm {

Status start_echo_port(GuestShell& shell, std::string_view port, std::string_view tag) {
  std::string name = shell_quote(port);
  // The same link /init makes at boot, for a port that may appear later (hot-plug).
  std::string script =
      "tries=0\n"
      "while [ ! -e /dev/virtio-ports/" +
      name +
      " ] && [ $tries -lt 100 ]; do\n"
      "  for p in /sys/class/virtio-ports/*; do\n"
      "    [ \"$(cat $p/name 2>/dev/null)\" = " +
      name + " ] && ln -sf /dev/${p##*/} /dev/virtio-ports/" + name +
      "\n"
      "  done\n"
      "  tries=$((tries + 1)); usleep 100000\n"
      "done\n"
      "[ -e /dev/virtio-ports/" +
      name + " ] || { echo 'no port " + name +
      "' >&2; exit 1; }\n"
      "/usr/lib/hotsplice/echo-port.sh " +
      name + " " + shell_quote(tag) + " >/dev/null 2>&1 &\n";
  auto started = shell.check_output(script);
  if (!started) return started.error();
  return Status::ok();
}

Expected<std::string> echo_exchange(const std::filesystem::path& path, const std::string& line,
                                    const Deadline& deadline) {
  auto stream = UnixStream::connect(path, deadline);
  if (!stream) return stream.error();
  while (!deadline.expired()) {
    if (Status written = stream->write_all(line + "\n", deadline); !written) {
      return written.error();
    }
    auto reply = stream->read_line(deadline.capped(std::chrono::milliseconds(500)));
    if (reply) return *reply;
  }
  return Error(errc::kTimeout, "no answer through " + path.string());
}

}  // namespace hotsplice::vm
