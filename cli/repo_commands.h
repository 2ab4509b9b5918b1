// `hotsplice repo add|index`: maintaining a repository directory, the publisher's side of
// core/repository. Serve the directory with any static web server, or copy it to hosts.
#pragma once

#include "cli/command.h"

namespace hotsplice::cli {

// repo add --repo DIR --key K [--keys DIR] [--expires-in DAYS] B.hsb...
// Verifies and copies the bundles in as <id>.hsb, then publishes a new index.
int run_repo_add(CommandContext& context);
// repo index --repo DIR --key K [--keys DIR] [--expires-in DAYS]
// Publishes a new index of the bundles in DIR: version one higher, re-signed.
int run_repo_index(CommandContext& context);

}  // namespace hotsplice::cli
