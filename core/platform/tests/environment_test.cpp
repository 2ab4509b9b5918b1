// check_may_patch: only a known environment with its own kernel may patch; the refusal
// codes are the ones both agents report.
#include <catch2/catch.hpp>

#include "core/platform/environment.h"
#include "core/platform/error_codes.h"

using hotsplice::platform::check_may_patch;
using hotsplice::platform::describe;
using hotsplice::platform::Environment;
namespace errc = hotsplice::platform::errc;

TEST_CASE("a default Environment is unknown and never may patch") {
  Environment unknown;
  CHECK(unknown.kind == Environment::Kind::unknown);
  auto verdict = check_may_patch(unknown, "");
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().code() == errc::kEnvironmentUnknown);
}

TEST_CASE("a VM and bare metal may patch their own kernel") {
  CHECK(check_may_patch({Environment::Kind::vm, "kvm"}, ""));
  CHECK(check_may_patch({Environment::Kind::bare_metal, ""}, "no sign"));
}

TEST_CASE("a container is refused with the run-it-on-the-node message and the evidence") {
  auto verdict = check_may_patch({Environment::Kind::container, "lxc"}, "container= in environ");
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().code() == errc::kSharedKernelContainer);
  CHECK(verdict.error().message() ==
        "this agent runs in a shared-kernel container (lxc, container= in environ): the host's "
        "kernel is patched by the host, not from inside a container; run hotsplice-hostd on "
        "the node");
}

TEST_CASE("describe names the kind and the technology") {
  CHECK(describe({Environment::Kind::container, "openvz"}) == "container (openvz)");
  CHECK(describe({Environment::Kind::bare_metal, ""}) == "bare_metal");
  CHECK(describe(Environment{}) == "unknown");
}
