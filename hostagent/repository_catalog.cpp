#include "hostagent/repository_catalog.h"

#include <boost/asio/post.hpp>
#include <random>

#include "core/repository/http_source.h"
#include "core/repository/poll_delay.h"
#include "hostagent/coverage.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;

Expected<std::unique_ptr<RepositoryCatalog>> RepositoryCatalog::open(
    asio::io_context& io, const HostdConfig& config, Logger& log,
    std::function<void()> on_changed) {
  const RepositoryConfig& repo = config.repository;
  if (auto startable = check_startable(config); !startable) return startable.error();
  std::unique_ptr<repository::RepositorySource> source;
  if (repo.directory) {
    source = std::make_unique<repository::LocalDirectorySource>(*repo.directory);
  } else {
    repository::HttpOptions options;
    options.proxy = repo.proxy;
    if (repo.ca_file) options.ca_file = repo.ca_file->string();
    source = std::make_unique<repository::HttpSource>(*repo.url, options);
  }
  auto keys = TrustedKeys::load(config.keys_dir);
  if (!keys) return keys.error().with_context("loading trusted keys");
  if (keys->size() == 0) {
    log.warning("no trusted keys: every bundle will be refused",
                {{"keys_dir", config.keys_dir.string()}});
  }
  auto cache = repository::RepositoryCache::open(repo.cache_dir, std::move(*keys));
  if (!cache) return cache.error().with_context("opening the repository cache");
  std::unique_ptr<RepositoryCatalog> catalog(new RepositoryCatalog(io, log, std::move(on_changed)));
  catalog->source_ = source->describe();
  // What the cache already holds is offered at once, before the first sync ends.
  catalog->bundles_ = cache->available();
  catalog->version_ = cache->index() ? cache->index()->version : 0;
  catalog->poller_ = std::thread(&RepositoryCatalog::poll_loop, catalog.get(), std::move(source),
                                 std::move(*cache), repo);
  return catalog;
}

RepositoryCatalog::RepositoryCatalog(asio::io_context& io, Logger& log,
                                     std::function<void()> on_changed)
    : io_(io), log_(log), on_changed_(std::move(on_changed)) {}

RepositoryCatalog::~RepositoryCatalog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  // A sync in progress finishes its current download first (bounded by HttpOptions' timeouts).
  if (poller_.joinable()) poller_.join();
}

void RepositoryCatalog::poll_loop(std::unique_ptr<repository::RepositorySource> source,
                                  repository::RepositoryCache cache, RepositoryConfig config) {
  std::mt19937_64 rng(std::random_device{}());
  for (;;) {
    auto started = Clock::now();
    auto report = cache.sync(*source, started);
    Json last = {{"at", format_utc(started)}, {"ok", report.has_value()}};
    if (!report) {
      last["code"] = report.error().code();
      last["error"] = report.error().message();
      log_.error("repository sync failed", {{"source", source->describe()},
                                            {"code", report.error().code()},
                                            {"error", report.error().message()}});
    } else {
      last["index_version"] = report->index_version;
      last["added"] = report->added;
      if (!report->switched_from.empty()) {
        // Said once, so a lower index version than before reads as what it is.
        log_.notice("repository changed; its index versions are its own",
                    {{"source", source->describe()}, {"before", report->switched_from}});
      }
      Json quarantined = Json::array();
      for (const auto& q : report->quarantined) {
        quarantined.push_back(
            {{"id", q.id}, {"code", q.error.code()}, {"message", q.error.message()}});
        log_.error("bundle quarantined",
                   {{"bundle", q.id}, {"code", q.error.code()}, {"error", q.error.message()}});
      }
      last["quarantined"] = quarantined;
      Json failed = Json::array();
      for (const auto& f : report->failed) {
        failed.push_back({{"id", f.id}, {"code", f.error.code()}, {"message", f.error.message()}});
        log_.warning("bundle not fetched; retried next sync",
                     {{"bundle", f.id}, {"error", f.error.message()}});
      }
      last["failed"] = failed;
      log_.info("repository synced", {{"source", source->describe()},
                                      {"index_version", report->index_version},
                                      {"added", report->added.size()},
                                      {"quarantined", report->quarantined.size()}});
    }
    publish(cache.available(), cache.index() ? cache.index()->version : 0, std::move(last));
    auto delay = repository::next_poll_delay(
        std::chrono::duration_cast<std::chrono::milliseconds>(config.poll_interval),
        config.poll_jitter_percent / 100.0, rng);
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
  }
}

void RepositoryCatalog::publish(std::vector<repository::CachedBundle> bundles,
                                std::uint64_t version, Json last_sync) {
  asio::post(io_, [this, bundles = std::move(bundles), version,
                   last_sync = std::move(last_sync)]() mutable {
    std::string before = generation();
    bool same_ids = bundles.size() == bundles_.size();
    for (std::size_t i = 0; same_ids && i < bundles.size(); ++i) {
      same_ids = bundles[i].id() == bundles_[i].id();
    }
    bundles_ = std::move(bundles);
    version_ = version;
    last_sync_ = std::move(last_sync);
    if (!same_ids) bytes_.clear();
    if (generation() != before || !same_ids) on_changed_();
  });
}

std::vector<CatalogBundle> RepositoryCatalog::all_bundles() const {
  std::vector<CatalogBundle> out;
  for (std::size_t i = 0; i < bundles_.size(); ++i) {
    const auto& bundle = bundles_[i];
    // Index order is publication order (hotsplice repo add appends).
    out.push_back(CatalogBundle{bundle.id(), bundle.target(), bundle.entry.cves, i,
                                bundle.manifest.description});
  }
  return out;
}

std::vector<CatalogBundle> RepositoryCatalog::bundles_for(const KernelIdentity& kernel) const {
  auto out = all_bundles();
  std::erase_if(out, [&](const CatalogBundle& bundle) { return !(bundle.target == kernel); });
  return out;
}

Expected<std::shared_ptr<const std::string>> RepositoryCatalog::bundle_bytes(
    const std::string& id) const {
  if (auto it = bytes_.find(id); it != bytes_.end()) return it->second;
  for (const auto& bundle : bundles_) {
    if (bundle.id() != id) continue;
    auto bytes = bundle.bytes();
    if (!bytes) return bytes.error();
    auto shared = std::make_shared<const std::string>(std::move(*bytes));
    bytes_[id] = shared;
    return shared;
  }
  return Error(errc::kUnknownBundle, "no verified bundle " + id + " in the repository cache");
}

std::string RepositoryCatalog::generation() const {
  return "index-" + std::to_string(version_);
}

Json RepositoryCatalog::status() const {
  return {{"source", source_},
          {"index_version", version_},
          {"bundles", bundles_.size()},
          {"last_sync", last_sync_}};
}

}  // namespace hotsplice::hostd
