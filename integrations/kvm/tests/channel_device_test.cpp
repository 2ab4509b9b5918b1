// The hot-plug device XML: what libvirt is asked to attach, and the names refused.
#include <catch2/catch.hpp>

#include "integrations/kvm/channel_device.h"
#include "integrations/kvm/domain_xml.h"
#include "integrations/kvm/error_codes.h"

using namespace hotsplice::kvm;

TEST_CASE("the agent channel device is a unix channel with a generated path", "[kvm]") {
  auto device = agent_channel_device_xml(kAgentChannelName);
  REQUIRE(device);
  CHECK(*device ==
        "<channel type=\"unix\"><source mode=\"bind\"/>"
        "<target type=\"virtio\" name=\"org.hotsplice.agent.0\"/></channel>");
  // Read back as a domain's channel by the reader, it is the agent channel, still pathless.
  auto domain = parse_domain_xml(
      "<domain type='qemu'><name>a</name><uuid>"
      "2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f</uuid><devices>" +
      *device + "</devices></domain>");
  REQUIRE(domain);
  auto agent = find_agent_channel(*domain);
  REQUIRE(agent);
  CHECK(agent->source_type == ChannelSourceType::unix_socket);
  CHECK(agent->source_path.empty());
}

TEST_CASE("channel names outside [A-Za-z0-9._-]{1,127} are refused", "[kvm]") {
  for (std::string name : {std::string(), std::string(128, 'a'), std::string("a'b"),
                           std::string("a b"), std::string("a/b"), std::string("a\0b", 3)}) {
    INFO("name: " << name);
    auto device = agent_channel_device_xml(name);
    REQUIRE_FALSE(device);
    CHECK(device.error().code() == errc::kChannelNameInvalid);
  }
  CHECK(check_channel_name("org.example_agent-1.0"));
}
