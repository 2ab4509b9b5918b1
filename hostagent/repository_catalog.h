// The BundleCatalog hostd runs with: the verified bundles of core/repository's
// RepositoryCache, kept current by a poller thread. Syncing blocks (HTTP through libcurl,
// file I/O, signature checks), so the cache belongs to that thread alone; after each sync
// it posts a snapshot of the verified bundles to the io_context, where the rollout engine
// reads it. Bundles are read from the cache directory on demand (and re-checked against
// their sha256 by CachedBundle::bytes), then shared by every guest that needs them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/base/json_reader.h"
#include "core/base/log.h"
#include "core/repository/repository_cache.h"
#include "hostagent/bundle_catalog.h"
#include "hostagent/config.h"

namespace hotsplice::hostd {

class RepositoryCatalog : public BundleCatalog {
 public:
  // Opens the cache (cache_dir) with the trusted keys of keys_dir and starts polling the
  // configured directory or URL (interval ± jitter; the first sync at once). on_changed runs
  // on the io_context after a sync changed the set of bundles. Fails on keys that do not
  // load, a cache that cannot be opened (cache_state_corrupt, ...), and when the config
  // names no repository (config_invalid): hostd without bundles would only ever report
  // unsupported_kernel, which would be a lie about why.
  static Expected<std::unique_ptr<RepositoryCatalog>> open(boost::asio::io_context& io,
                                                           const HostdConfig& config, Logger& log,
                                                           std::function<void()> on_changed);
  ~RepositoryCatalog() override;

  std::vector<CatalogBundle> bundles_for(const KernelIdentity& kernel) const override;
  std::vector<CatalogBundle> all_bundles() const override;
  Expected<std::shared_ptr<const std::string>> bundle_bytes(const std::string& id) const override;
  std::string generation() const override;
  Json status() const override;

 private:
  RepositoryCatalog(boost::asio::io_context& io, Logger& log, std::function<void()> on_changed);
  void poll_loop(std::unique_ptr<repository::RepositorySource> source,
                 repository::RepositoryCache cache, RepositoryConfig config);
  void publish(std::vector<repository::CachedBundle> bundles, std::uint64_t version,
               Json last_sync);

  boost::asio::io_context& io_;
  Logger& log_;
  std::function<void()> on_changed_;
  // io_context thread only:
  std::vector<repository::CachedBundle> bundles_;
  std::uint64_t version_ = 0;
  Json last_sync_ = Json::object();
  std::string source_;
  mutable std::map<std::string, std::shared_ptr<const std::string>> bytes_;
  // The poller:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread poller_;
};

}  // namespace hotsplice::hostd
