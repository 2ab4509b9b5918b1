// Building blocks shared by the bundle tests: a valid manifest and a freshly keyed signer.
#pragma once

#include "core/bundle/manifest.h"

namespace hotsplice::testing {

inline Manifest sample_manifest() {
  Manifest manifest;
  manifest.id = "hs-2026-0001-cmdline";
  manifest.description = "Fix /proc/cmdline leak\nsecond line";
  manifest.cves = {"CVE-2024-1086", "CVE-2023-4623"};
  manifest.target = {"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-10-30)",
                     "4fa2b0e9c0a1d2e3f40516273849aabbccddeeff"};
  manifest.replaces = {{"vmlinux", {"cmdline_proc_show", "meminfo_proc_show.isra.0"}},
                       {"ext4", {"ext4_fill_super"}}};
  manifest.module = {"hotsplice_0001", std::string(64, 'a'), 4096};
  manifest.created = "2026-11-21T21:00:00Z";
  return manifest;
}

}  // namespace hotsplice::testing
