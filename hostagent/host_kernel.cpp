#include "hostagent/host_kernel.h"

#include <boost/asio/post.hpp>

#include "core/base/file_io.h"
#include "core/kernel/kernel_identity_reader.h"
#include "hostagent/coverage.h"
#include "hostagent/local_kernel_target.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;

namespace {

// The node's name for humans; "host" when the file cannot be read.
std::string read_hostname(const std::filesystem::path& root) {
  auto text = read_file(root / "proc/sys/kernel/hostname", 256);
  if (!text) return kHostId;
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  return text->empty() ? std::string(kHostId) : *text;
}

}  // namespace

Expected<std::unique_ptr<HostKernel>> HostKernel::open(asio::io_context& io,
                                                       const HostdConfig& config,
                                                       platform::Environment environment,
                                                       const Logger& log) {
  auto kernel = read_kernel_identity(config.host.root);
  if (!kernel) return kernel.error().with_context("reading the host kernel's identity");
  auto keys = TrustedKeys::load(config.keys_dir);
  if (!keys) return keys.error();
  auto store = apply::StateStore::open(config.host.state_dir);
  if (!store) return store.error().with_context("host.state_dir");
  return std::unique_ptr<HostKernel>(
      new HostKernel(io, config, std::move(*kernel), std::move(environment), std::move(*keys),
                     std::move(*store), read_hostname(config.host.root), log));
}

HostKernel::HostKernel(asio::io_context& io, const HostdConfig& config, KernelIdentity kernel,
                       platform::Environment environment, TrustedKeys keys, apply::StateStore store,
                       std::string hostname, const Logger& log)
    : io_(io),
      hostname_(std::move(hostname)),
      keys_(std::move(keys)),
      store_(std::move(store)),
      manager_(config.host.root, std::move(kernel), std::move(environment), keys_, store_,
               syscalls_, log),
      worker_([&io](std::function<void()> f) { asio::post(io, std::move(f)); }),
      settle_(io, manager_, worker_) {}

HostKernel::~HostKernel() = default;

void HostKernel::apply_stored(std::function<void(std::size_t)> done) {
  auto live = std::make_shared<std::size_t>(0);
  worker_.submit(
      [this, live] {
        *live = manager_.apply_stored();
        return apply::Outcome::success("");
      },
      [this, live, done = std::move(done)](const apply::Outcome&) {
        settle_.watch();  // the re-applied patches settle from now on
        done(*live);
      });
}

std::unique_ptr<PatchTarget> HostKernel::make_target() {
  return std::make_unique<LocalKernelTarget>(io_, manager_, store_, worker_, settle_);
}

GuestInfo HostKernel::guest_info() const {
  GuestInfo info;
  info.uuid = kHostId;
  info.name = hostname_;
  info.running = true;
  info.local_kernel = true;
  info.kind = kind::kHost;
  return info;
}

}  // namespace hotsplice::hostd
