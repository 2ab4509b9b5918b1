#include <catch2/catch.hpp>

#include <string>

#include "core/base/log.h"
#include "tests/support/captured_fd.h"

using hotsplice::Logger;
using hotsplice::LogLevel;
using hotsplice::testing::CapturedFd;

TEST_CASE("logger: journal lines carry the syslog priority, terminal lines the program") {
  CapturedFd out;
  Logger journal("hotsplice-test", LogLevel::info, out.fd());  // a pipe is not a terminal
  journal.info("bundle hs-1 applied", {{"guest", "web-1"}, {"ms", 113}});
  journal.warning("stalled");
  journal.error("failed", {{"code", "transition_stalled"}});
  CHECK(out.read_all() ==
        "<6>bundle hs-1 applied guest=web-1 ms=113\n<4>stalled\n<3>failed "
        "code=transition_stalled\n");

  Logger plain("hotsplice-test", LogLevel::info, out.fd(), Logger::Format::plain);
  plain.notice("started", {{"version", "0.1.0"}});
  CHECK(out.read_all() == "hotsplice-test: notice: started version=0.1.0\n");
}

TEST_CASE("logger: levels filter, and can change while running") {
  CapturedFd out;
  Logger logger("t", LogLevel::warning, out.fd(), Logger::Format::journal);
  logger.info("hidden");
  logger.debug("hidden");
  logger.warning("shown");
  CHECK(out.read_all() == "<4>shown\n");
  logger.set_level(LogLevel::debug);
  CHECK(logger.enabled(LogLevel::debug));
  logger.debug("now shown");
  CHECK(out.read_all() == "<7>now shown\n");
}

TEST_CASE("logger: text from a peer cannot forge a line or a field") {
  Logger logger("t", LogLevel::info, 2, Logger::Format::journal);
  CHECK(logger.format_line(LogLevel::info, "agent says \"hi\"\n<3>forged", {}) ==
        "<6>agent says \"hi\"\\n<3>forged");
  CHECK(logger.format_line(LogLevel::info, "m",
                           {{"version", "1 2"}, {"q", "a\"b\\c"}, {"nl", "x\ny"}, {"e", ""}}) ==
        "<6>m version=\"1 2\" q=\"a\\\"b\\\\c\" nl=\"x\\ny\" e=\"\"");
  CHECK(logger.format_line(LogLevel::info, "bell\a", {{"k", "a=b"}}) == "<6>bell\\x07 k=\"a=b\"");
}

TEST_CASE("logger: level names") {
  CHECK(hotsplice::parse_log_level("debug") == LogLevel::debug);
  CHECK(hotsplice::parse_log_level("notice") == LogLevel::notice);
  CHECK_FALSE(hotsplice::parse_log_level("verbose"));
  CHECK(std::string(hotsplice::log_level_name(LogLevel::warning)) == "warning");
}
