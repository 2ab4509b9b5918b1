#include "core/apply/patch_manager.h"

#include <unistd.h>

#include "core/apply/error_codes.h"
#include "core/apply/kernel_log.h"
#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/manifest.h"
#include "core/kernel/module_info.h"
#include "core/livepatch/livepatch_state.h"
#include "core/livepatch/livepatch_state_json.h"
#include "core/platform/environment.h"
#include "core/protocol/field_rules.h"

namespace hotsplice::apply {
namespace {

bool is_live(const std::filesystem::path& root, const std::string& module) {
  return read_livepatch(root, module).has_value();
}

// Removes the module file once the kernel has its own copy (or refused it).
class ScopedFile {
 public:
  explicit ScopedFile(std::filesystem::path path) : path_(std::move(path)) {}
  ~ScopedFile() { ::unlink(path_.c_str()); }
  ScopedFile(const ScopedFile&) = delete;
  ScopedFile& operator=(const ScopedFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The trampoline's own refusal (kmod/trampoline: the running code of a replaced function is
// not what the patch was built against) gets its own code; any other refusal keeps the
// errno's code, and both carry what the kernel logged, which says why.
Error explain_refusal(const Error& load_error, const std::vector<std::string>& kernel_log) {
  std::string logged;
  bool run_pre_failed = false;
  for (const std::string& line : kernel_log) {
    if (line.find("run-pre check failed") != std::string::npos) run_pre_failed = true;
    logged += (logged.empty() ? "" : " | ") + line;
  }
  std::string message = load_error.message() + (logged.empty() ? "" : "; kernel: " + logged);
  return Error(run_pre_failed ? errc::kRunPreMismatch : load_error.code(), message);
}

// How often a settling patch's kernel health is looked at: taint and new log lines are
// cheap to read, and a second is soon enough to roll back.
constexpr std::chrono::seconds kSettleCheckInterval{1};

Error blocked_by_crash_guard(const protocol::CrashRecord& record) {
  std::string why = record.code == errc::kCrashedLastTime
                        ? "the kernel did not survive its last apply (boot " + record.boot_id + ")"
                    : record.code == errc::kKernelBugDetected
                        ? "the kernel logged a bug while it was new"
                        : "its attempt record is unreadable";
  return Error(record.code, "bundle " + record.bundle_id + " is not applied again: " + why +
                                "; an operator must clear it first (hotsplice-guestd "
                                "--clear-crash " +
                                record.bundle_id + ", or hotsplice apply on the host)");
}

}  // namespace

PatchManager::PatchManager(std::filesystem::path root, KernelIdentity running_kernel,
                           platform::Environment environment, const TrustedKeys& keys,
                           const StateStore& store, ModuleSyscalls& syscalls, const Logger& log,
                           PatchTimeouts timeouts)
    : root_(std::move(root)),
      running_kernel_(std::move(running_kernel)),
      environment_(std::move(environment)),
      keys_(keys),
      store_(store),
      log_(log),
      control_(root_, syscalls),
      timeouts_(timeouts),
      crash_guard_(store_, read_boot_id(root_), log_) {
  remember_stored_modules();
}

// Names only, for reports: a stored bundle is verified again before anything is loaded.
void PatchManager::remember_stored_modules() {
  for (const std::string& id : store_.applied_ids()) {
    auto bytes = store_.read_applied(id);
    if (!bytes) continue;
    auto parts = decode_bundle(*bytes);
    if (!parts) continue;
    auto manifest = parse_manifest(parts->manifest);
    if (manifest && manifest->id == id) module_of_bundle_[id] = manifest->module.name;
  }
}

// Only a VM or bare metal patches its own kernel: a container's kernel is the host's, and an
// unknown environment is refused rather than guessed.
std::optional<Error> PatchManager::refuse_unless_may_patch() const {
  Status may_patch = platform::check_may_patch(environment_, "");
  if (may_patch) return std::nullopt;
  return may_patch.error();
}

Expected<VerifiedBundle> PatchManager::verify_for_this_kernel(std::string_view bundle_bytes) const {
  auto verified = verify_bundle_bytes(bundle_bytes, keys_);
  if (!verified) return verified.error();
  if (Status target = check_bundle_target(verified->manifest, running_kernel_); !target) {
    return target.error();
  }
  return verified;
}

Outcome PatchManager::apply_bundle_file(std::string_view requested_id,
                                        const std::filesystem::path& file) {
  if (auto refusal = refuse_unless_may_patch()) return Outcome::failure(*refusal);
  auto bytes = read_file(file, max_bundle_bytes());
  if (!bytes) return Outcome::failure(bytes.error());
  auto verified = verify_for_this_kernel(*bytes);
  if (!verified) return Outcome::failure(verified.error());
  if (verified->manifest.id != requested_id) {
    return Outcome::failure(Error(errc::kBundleIdMismatch, "the bundle's manifest names " +
                                                               verified->manifest.id + ", not " +
                                                               std::string(requested_id)));
  }
  return apply_verified(*verified, *bytes, /*store_bundle=*/true);
}

Outcome PatchManager::apply_verified(const VerifiedBundle& bundle, std::string_view bundle_bytes,
                                     bool store_bundle) {
  const std::string& id = bundle.manifest.id;
  const std::string& module = bundle.manifest.module.name;
  if (auto record = crash_guard_.blocking(id)) {
    return Outcome::failure(blocked_by_crash_guard(*record));
  }
  if (is_live(root_, module)) {
    if (module_of_bundle_.count(id) && module_of_bundle_[id] == module) {
      // Interrupted earlier (agent restarted mid-transition, or the boot-time --apply-stored
      // run that does not wait): finish that transition, and settle from now on.
      auto watch = std::make_unique<KernelHealthWatch>(root_);
      if (Status settled = wait_or_roll_back(module); !settled) {
        (void)store_.remove_applied(id);
        module_of_bundle_.erase(id);
        (void)crash_guard_.forget(id);
        return Outcome::failure(settled.error());
      }
      // An agent stopped during the settle time and started again in this boot: the
      // attempt is in progress again.
      if (Status resumed = crash_guard_.resume(id); !resumed) {
        log_.warning("resuming the attempt record of " + id + ": " + resumed.error().message());
      }
      begin_settling(id, module, std::move(watch));
      return live_outcome(id, module, "bundle " + id + " was already applied");
    }
    return Outcome::failure(
        Error(errc::kModuleAlreadyLoaded, "a livepatch named " + module + " is already loaded"));
  }
  // Stored before loading: if the agent dies during the load, its next start re-applies
  // the bundle (or finds it live and finishes the transition) instead of forgetting it.
  if (store_bundle) {
    if (Status saved = store_.save_applied(id, bundle_bytes); !saved) {
      return Outcome::failure(saved.error().with_context("storing bundle " + id));
    }
  }
  module_of_bundle_[id] = module;
  // Watched from before the load: what the load itself logs counts.
  auto watch = std::make_unique<KernelHealthWatch>(root_);
  // The attempt record is durable before the module reaches the kernel: if the kernel dies
  // from here on, the next boot finds it and does not load this bundle again.
  Status applied = crash_guard_.begin(id);
  if (applied) applied = load_and_transition(bundle);
  if (!applied) {
    (void)store_.remove_applied(id);
    module_of_bundle_.erase(id);
    (void)crash_guard_.forget(id);  // refused or rolled back: the kernel did not die of it
    log_.warning("bundle " + id + " not applied: " + applied.error().code() + ": " +
                     applied.error().message(),
                 {{"bundle_id", id}, {"code", applied.error().code()}});
    return Outcome::failure(applied.error());
  }
  log_.info("bundle " + id + " applied: livepatch " + module + " enabled",
            {{"bundle_id", id}, {"module", module}});
  begin_settling(id, module, std::move(watch));
  if (timeouts_.settle.count() == 0) {
    if (auto concluded = conclude_settling(id, /*deadline_passed=*/true);
        concluded && !concluded->ok) {
      return *concluded;
    }
  }
  return live_outcome(id, module, "bundle " + id + " applied");
}

Status PatchManager::load_and_transition(const VerifiedBundle& bundle) {
  Status loaded = load_module(bundle);
  if (!loaded) return loaded;
  return wait_or_roll_back(bundle.manifest.module.name);
}

void PatchManager::begin_settling(const std::string& bundle_id, const std::string& module,
                                  std::unique_ptr<KernelHealthWatch> watch) {
  log_.info("bundle " + bundle_id + " settling for " + std::to_string(timeouts_.settle.count()) +
                " ms, watching " + watch->watched(),
            {{"bundle_id", bundle_id}, {"settle_ms", timeouts_.settle.count()}});
  settling_[bundle_id] =
      Settling{module, std::chrono::steady_clock::now() + timeouts_.settle, std::move(watch)};
}

std::optional<Outcome> PatchManager::conclude_settling(const std::string& bundle_id,
                                                       bool deadline_passed) {
  auto it = settling_.find(bundle_id);
  if (it == settling_.end()) return std::nullopt;
  Status healthy = it->second.watch->check();
  if (healthy) {
    if (!deadline_passed) return std::nullopt;
    settling_.erase(it);
    if (Status forgotten = crash_guard_.forget(bundle_id); !forgotten) {
      log_.warning("clearing the attempt record of " + bundle_id + ": " +
                   forgotten.error().message());
    }
    log_.info("bundle " + bundle_id + " settled: the kernel stayed healthy",
              {{"bundle_id", bundle_id}});
    return Outcome::success("bundle " + bundle_id + " settled", Json{{"bundle_id", bundle_id}});
  }
  // The kernel showed a bug (new taint, an oops/BUG/WARNING) while this patch was new. It
  // is rolled back: the new code is the likeliest cause, and a kernel that oopsed in patched
  // code may oops again on the next call, while an unpatched kernel is what ran healthy
  // before. If the bug was unrelated, the cost is one operator re-apply; keeping a patch that
  // oopsed costs the machine. (kpatch and Canonical Livepatch users expect the same: a patch
  // that misbehaves is taken out, and the service reports it instead of re-applying it.) The
  // record stays, with kernel_bug_detected, so neither the next boot nor a host re-applies it.
  std::string module = it->second.module;
  settling_.erase(it);
  (void)store_.remove_applied(bundle_id);
  module_of_bundle_.erase(bundle_id);
  Status undone = disable_and_unload(module);
  if (Status marked = crash_guard_.mark(bundle_id, errc::kKernelBugDetected); !marked) {
    log_.error("recording kernel_bug_detected for " + bundle_id + ": " + marked.error().message());
  }
  std::string message = "bundle " + bundle_id + ": " + healthy.error().message() +
                        (undone ? "; rolled back (disabled and unloaded)"
                                : "; rolling back failed: " + undone.error().message());
  log_.error(message, {{"bundle_id", bundle_id}, {"code", errc::kKernelBugDetected}});
  Outcome outcome = Outcome::failure(Error(errc::kKernelBugDetected, message));
  outcome.state = Json{{"bundle_id", bundle_id}};
  return outcome;
}

std::vector<Outcome> PatchManager::poll_settling() {
  std::vector<Outcome> concluded;
  auto now = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  for (const auto& entry : settling_) ids.push_back(entry.first);
  for (const std::string& id : ids) {
    bool passed = now >= settling_.at(id).until;
    if (auto outcome = conclude_settling(id, passed)) concluded.push_back(std::move(*outcome));
  }
  return concluded;
}

std::vector<Outcome> PatchManager::end_settling_at_stop() {
  std::vector<Outcome> concluded;
  std::vector<std::string> ids;
  for (const auto& entry : settling_) ids.push_back(entry.first);
  auto now = std::chrono::steady_clock::now();
  for (const std::string& id : ids) {
    // One last look: a bug seen now concludes as any other (rolled back, blocked), and a
    // settle time already over as any other (settled).
    if (auto outcome = conclude_settling(id, now >= settling_.at(id).until)) {
      concluded.push_back(std::move(*outcome));
      continue;
    }
    settling_.erase(id);
    if (Status ended = crash_guard_.mark(id, errc::kEndedByAgentStop); !ended) {
      // The record stays as it was: the next boot reports crashed_last_time, the safe side.
      log_.error("recording the end of " + id + "'s attempt at stop: " + ended.error().message(),
                 {{"bundle_id", id}, {"code", ended.error().code()}});
      continue;
    }
    log_.info("bundle " + id +
                  " stopped settling: the agent is stopping and the kernel looked healthy; a "
                  "clean reboot now is no crash, and the bundle is re-applied at the next boot",
              {{"bundle_id", id}, {"code", errc::kEndedByAgentStop}});
    Outcome ended_outcome{true, errc::kEndedByAgentStop, "bundle " + id + " stopped settling",
                          Json{{"bundle_id", id}}};
    concluded.push_back(std::move(ended_outcome));
  }
  return concluded;
}

std::optional<std::chrono::steady_clock::time_point> PatchManager::next_settle_check() const {
  if (settling_.empty()) return std::nullopt;
  auto next = std::chrono::steady_clock::now() + kSettleCheckInterval;
  for (const auto& entry : settling_) next = std::min(next, entry.second.until);
  return next;
}

std::vector<protocol::CrashRecord> PatchManager::crash_records() const {
  return crash_guard_.records();
}

Status PatchManager::clear_crash_record(std::string_view bundle_id) {
  const std::string id(bundle_id);
  if (!protocol::is_valid_id(id)) {
    return Error(errc::kInvalidId, "not a valid bundle id: " + protocol::to_display_text(id, 80));
  }
  auto record = crash_guard_.blocking(id);
  if (!record) {
    return Error(errc::kNoCrashRecord, "bundle " + id + " has no crash record to clear");
  }
  if (Status forgotten = crash_guard_.forget(id); !forgotten) return forgotten;
  log_.info("crash record of bundle " + id + " (" + record->code +
                ") cleared by an operator: it may be applied again",
            {{"bundle_id", id}, {"code", record->code}});
  return Status::ok();
}

Status PatchManager::load_module(const VerifiedBundle& bundle) {
  const std::string& module = bundle.manifest.module.name;
  if (!is_safe_file_name(module_file_name(bundle.manifest))) {
    return Error(errc::kInvalidName, "unsafe module name in the manifest");
  }
  ScopedFile file(store_.work_dir() / module_file_name(bundle.manifest));
  if (Status written = write_file_atomically(file.path(), bundle.module, 0600); !written) {
    return written;
  }
  auto info = read_module_info(file.path());
  if (!info) return info.error();
  if (!info->is_livepatch) {
    return Error(errc::kNotLivepatch, "module " + info->name + " is not a livepatch module");
  }
  if (info->name != module) {
    return Error(errc::kModuleNameMismatch,
                 "the module calls itself " + info->name + ", the manifest " + module);
  }
  KernelLogCursor kernel_log(root_);
  Status loaded = control_.load(file.path());
  if (loaded) return loaded;
  return explain_refusal(loaded.error(), kernel_log.read_new());
}

// A stalled transition gets the fake signal once; if that does not finish it either, the
// patch is disabled and unloaded, so the kernel ends as it was before the apply.
Status PatchManager::wait_or_roll_back(const std::string& module) {
  Status done = control_.wait_for_transition(module, timeouts_.transition);
  if (done || done.error().code() != errc::kTransitionStalled) return done;
  log_.warning("livepatch " + module +
               " transition stalled; signalling the blocking tasks: " + done.error().message());
  (void)control_.signal_blocking_tasks(module);
  done = control_.wait_for_transition(module, timeouts_.after_signal);
  if (done || done.error().code() != errc::kTransitionStalled) return done;
  Status undone = disable_and_unload(module);
  return Error(
      errc::kTransitionStalled,
      done.error().message() + (undone ? "; rolled back (disabled and unloaded)"
                                       : "; rolling back failed: " + undone.error().message()));
}

Status PatchManager::disable_and_unload(const std::string& module) {
  if (is_live(root_, module)) {
    Status disabled = control_.disable(module, timeouts_.transition);
    if (!disabled && disabled.error().code() == errc::kTransitionStalled) {
      (void)control_.signal_blocking_tasks(module);
      disabled = control_.wait_for_transition(module, timeouts_.after_signal);
    }
    if (!disabled) return disabled;
  }
  Status unloaded = control_.unload_released(module, timeouts_.after_signal);
  if (!unloaded && unloaded.error().code() != errc::kModuleNotLoaded) return unloaded;
  return Status::ok();
}

Outcome PatchManager::rollback(std::string_view bundle_id) {
  if (auto refusal = refuse_unless_may_patch()) return Outcome::failure(*refusal);
  auto known = module_of_bundle_.find(std::string(bundle_id));
  if (known == module_of_bundle_.end()) {
    return Outcome::failure(
        Error(errc::kNotApplied, "bundle " + std::string(bundle_id) + " is not applied here"));
  }
  std::string id = known->first;
  std::string module = known->second;
  // Rolled back on purpose, not crashed: the attempt is over.
  settling_.erase(id);
  (void)crash_guard_.forget(id);
  // Forgotten first: a rollback cut short by a crash must not be re-applied at the next boot.
  if (Status removed = store_.remove_applied(id); !removed)
    return Outcome::failure(removed.error());
  module_of_bundle_.erase(known);
  if (Status undone = disable_and_unload(module); !undone) {
    log_.error("rollback of " + id + " failed: " + undone.error().message(),
               {{"bundle_id", id}, {"code", undone.error().code()}});
    return Outcome::failure(undone.error());
  }
  log_.info("bundle " + id + " rolled back: livepatch " + module + " disabled and unloaded",
            {{"bundle_id", id}, {"module", module}});
  Json state{{"bundle_id", id}, {"name", module}, {"loaded", is_live(root_, module)}};
  return Outcome::success("bundle " + id + " rolled back", std::move(state));
}

Outcome PatchManager::live_outcome(const std::string& bundle_id, const std::string& module,
                                   std::string message) const {
  auto state = read_livepatch(root_, module);
  if (!state) return Outcome::failure(state.error());
  Json json = to_json(*state);
  json["bundle_id"] = bundle_id;
  return Outcome::success(std::move(message), std::move(json));
}

std::size_t PatchManager::apply_stored() {
  if (auto refusal = refuse_unless_may_patch()) {
    log_.info("not re-applying stored bundles: " + refusal->message());
    return 0;
  }
  std::size_t live = 0;
  for (const std::string& id : store_.applied_ids()) {
    if (auto record = crash_guard_.blocking(id)) {
      // The crash-loop guard: this bundle's load began in a boot that died (or oopsed), so
      // loading it again now could kill this boot too. Taken out of the boot-time set; the
      // record stays and is reported until an operator clears it.
      log_.error("stored bundle " + id + " not re-applied: " + record->code + ": " +
                     blocked_by_crash_guard(*record).message(),
                 {{"bundle_id", id}, {"code", record->code}});
      (void)store_.remove_applied(id);
      module_of_bundle_.erase(id);
      continue;
    }
    auto bytes = store_.read_applied(id);
    if (!bytes) {
      log_.warning("stored bundle " + id + " unreadable: " + bytes.error().message());
      continue;
    }
    auto verified = verify_for_this_kernel(*bytes);
    if (!verified) {
      // Kept on disk: a bundle for another kernel is right again after booting that kernel.
      log_.info("stored bundle " + id + " skipped: " + verified.error().code() + ": " +
                verified.error().message());
      continue;
    }
    if (verified->manifest.id != id) {
      log_.warning("stored bundle " + id + " skipped: its manifest names " + verified->manifest.id);
      continue;
    }
    Outcome outcome = apply_verified(*verified, *bytes, /*store_bundle=*/false);
    // A bundle that fails here is forgotten (apply_verified removed it): the host sees it
    // missing from the hello and decides whether to offer it again.
    if (outcome.ok) ++live;
  }
  return live;
}

std::vector<protocol::AppliedPatch> PatchManager::applied_patches() const {
  std::vector<protocol::AppliedPatch> patches;
  auto states = list_livepatches(root_);
  if (!states) {
    log_.warning("reading livepatch state: " + states.error().message());
    return patches;
  }
  for (const LivepatchState& state : *states) {
    std::string id = state.name;  // a patch this agent did not load is named by its module
    for (const auto& [bundle_id, module] : module_of_bundle_) {
      if (module == state.name) id = bundle_id;
    }
    patches.push_back({id, state.name, state.enabled, state.transition});
    if (patches.size() == protocol::kMaxAppliedPatches) break;
  }
  return patches;
}

}  // namespace hotsplice::apply
