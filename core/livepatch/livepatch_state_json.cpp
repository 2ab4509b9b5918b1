#include "core/livepatch/livepatch_state_json.h"

namespace hotsplice {

Json to_json(const LivepatchState& state) {
  Json objects = Json::array();
  for (const auto& object : state.objects) {
    Json functions = Json::array();
    for (const auto& function : object.functions) {
      functions.push_back({{"name", function.name}, {"sympos", function.sympos}});
    }
    Json entry{{"name", object.name}, {"functions", functions}};
    if (object.patched) entry["patched"] = *object.patched;
    objects.push_back(std::move(entry));
  }
  Json json{{"name", state.name},
            {"enabled", state.enabled},
            {"transition", state.transition},
            {"objects", objects}};
  if (state.replace) json["replace"] = *state.replace;
  return json;
}

}  // namespace hotsplice
