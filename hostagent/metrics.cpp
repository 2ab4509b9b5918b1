#include "hostagent/metrics.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace hotsplice::hostd {
namespace {

using Labels = std::vector<std::pair<const char*, std::string>>;

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t length = lead < 0x80           ? 1
                       : (lead >> 5) == 0x6  ? 2
                       : (lead >> 4) == 0xE  ? 3
                       : (lead >> 3) == 0x1E ? 4
                                             : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  // Overlong forms and surrogates are not valid UTF-8 either.
  if (length == 2 && lead < 0xC2) return 0;
  if (length == 3 && lead == 0xE0 && byte(i + 1) < 0xA0) return 0;
  if (length == 3 && lead == 0xED && byte(i + 1) >= 0xA0) return 0;
  if (length == 4 && (lead > 0xF4 || (lead == 0xF0 && byte(i + 1) < 0x90) ||
                      (lead == 0xF4 && byte(i + 1) >= 0x90))) {
    return 0;
  }
  return length;
}

// Writes metric families: HELP and TYPE once per family, then its samples.
class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    name_ = name;
    out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const Labels& labels, double value) {
    out_ += name_;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i) out_ += ',';
        out_ += labels[i].first;
        out_ += "=\"" + escape_label_value(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    char number[64];
    std::snprintf(number, sizeof number, " %.17g\n", value);
    out_ += number;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::string name_;
};

Labels guest_labels(const CoverageRecord& record) {
  return {{"guest", record.name}, {"id", record.id}};
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size();) {
    std::size_t length = utf8_length(value, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    char c = value[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.append(value.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string render_metrics(const MetricsInput& input) {
  Exposition x;
  auto summary = summarize(input.records);

  x.family("hotsplice_build_info", "gauge", "hotsplice-hostd version (always 1).");
  x.sample({{"version", input.version}}, 1);

  x.family("hotsplice_guest_directory_up", "gauge",
           "1 while hostd reaches the hypervisor that lists its guests; 0 while it does not (its "
           "guests are then counted unknown, with no CVE, patch or progress series).");
  x.sample({}, input.directory_up ? 1 : 0);

  x.family("hotsplice_guests", "gauge",
           "Kernels hostd covers (host, containers, guests) by coverage status.");
  for (const auto& [status, count] : summary.by_status) {
    x.sample({{"status", status_name(status)}}, static_cast<double>(count));
  }

  x.family("hotsplice_open_cves", "gauge",
           "Distinct CVEs open on the kernels whose CVEs are known (see hotsplice_cves_unknown: "
           "0 here says nothing about those).");
  x.sample({}, static_cast<double>(summary.open_cves));
  x.family("hotsplice_cves_unknown", "gauge",
           "Kernels whose CVE state is unknown: no verified bundle targets them "
           "(unsupported_kernel) or they are not known now (no_channel, agent_silent, unknown).");
  x.sample({}, static_cast<double>(summary.cves_unknown));

  x.family("hotsplice_guest_info", "gauge",
           "One per covered kernel: its status, kind and effective kernel (always 1).");
  for (const auto& r : input.records) {
    Labels labels = guest_labels(r);
    labels.emplace_back("kind", r.kind);
    labels.emplace_back("status", status_name(r.status));
    labels.emplace_back("effective_kernel", r.effective_kernel);
    x.sample(labels, 1);
  }

  x.family("hotsplice_guest_open_cves", "gauge",
           "CVEs open on a kernel: fixed by a verified bundle for it that is not live (no "
           "series when no bundle targets the kernel: unknown).");
  for (const auto& r : input.records) {
    if (!r.cves_known) continue;
    x.sample(guest_labels(r), static_cast<double>(r.cves_open.size()));
  }

  x.family("hotsplice_guest_patches_applied", "gauge",
           "Bundles live in a kernel (no series while its agent has not reported or does not "
           "answer: unknown, and what it last reported is not current).");
  for (const auto& r : input.records) {
    if (!r.kernel) continue;
    x.sample(guest_labels(r), static_cast<double>(r.applied.size()));
  }

  x.family("hotsplice_guest_patch_blocked", "gauge",
           "A bundle held back from a kernel by a failure (why_not failed or crashed_last_time; "
           "always 1).");
  for (const auto& r : input.records) {
    for (const auto& patch : r.available) {
      if (!patch.error) continue;
      Labels labels = guest_labels(r);
      labels.emplace_back("bundle", patch.bundle_id);
      labels.emplace_back("why_not", patch.why_not);
      labels.emplace_back("code", patch.error->code);
      x.sample(labels, 1);
    }
  }

  x.family("hotsplice_agent_last_seen_seconds", "gauge",
           "Seconds since a kernel's agent last answered (absent when it never did).");
  for (const auto& r : input.records) {
    if (!r.last_contact) continue;
    auto age = std::chrono::duration<double>(input.now - *r.last_contact).count();
    x.sample(guest_labels(r), std::max(0.0, age));
  }

  x.family("hotsplice_rollout_paused", "gauge", "1 while the operator has paused the rollout.");
  x.sample({}, input.rollout.paused ? 1 : 0);
  x.family("hotsplice_rollout_stage", "gauge", "The rollout's stage (always 1).");
  x.sample({{"stage", input.rollout.stage}}, 1);
  x.family("hotsplice_rollout_progress_ratio", "gauge",
           "Patched kernels / every kernel hostd lists (hotsplice_guests summed: pending, failed, "
           "unsupported_kernel, no_channel, agent_silent and unknown count as not patched), so 1 "
           "means every kernel is patched; no series when there are none or the guest directory "
           "is down (unknown, not done).");
  double done = static_cast<double>(summary.by_status[GuestStatus::patched]);
  double all = static_cast<double>(summary.total);
  if (all > 0 && input.directory_up) x.sample({}, done / all);

  x.family("hotsplice_patches_applied_total", "counter",
           "Bundles applied successfully since hostd started.");
  x.sample({}, static_cast<double>(input.counters.applies));
  x.family("hotsplice_patches_rolled_back_total", "counter",
           "Bundles rolled back successfully since hostd started.");
  x.sample({}, static_cast<double>(input.counters.rollbacks));
  x.family("hotsplice_transfer_bytes_total", "counter",
           "Bundle bytes handed to kernels' agents (completed transfers) since hostd started.");
  x.sample({}, static_cast<double>(input.counters.transfer_bytes));
  x.family("hotsplice_errors_total", "counter",
           "Failed handshakes, transfers, applies and rollbacks since hostd started, by code.");
  for (const auto& [code, count] : input.counters.errors) {
    x.sample({{"code", code}}, static_cast<double>(count));
  }
  return x.take();
}

}  // namespace hotsplice::hostd
