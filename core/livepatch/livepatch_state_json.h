// JSON form of the livepatch state, for the CLI, the wire protocol and the dashboard.
#pragma once

#include "core/base/json_reader.h"
#include "core/livepatch/livepatch_state.h"

namespace hotsplice {

// {"name", "enabled", "transition", "replace"?, "objects": [{"name", "patched"?,
//  "functions": [{"name", "sympos"}]}]}
Json to_json(const LivepatchState& state);

}  // namespace hotsplice
