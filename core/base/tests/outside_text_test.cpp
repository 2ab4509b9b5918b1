#include "core/base/outside_text.h"

#include <catch2/catch.hpp>

namespace hotsplice {
namespace {

TEST_CASE("well-formed UTF-8 is recognised, every malformed form is not") {
  CHECK(is_valid_utf8("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  for (std::string bad :
       {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\xff", "\x80"}) {
    CHECK_FALSE(is_valid_utf8(bad));
  }
}

TEST_CASE("invalid UTF-8 bytes are written as hex escapes, valid text is left alone") {
  CHECK(escape_invalid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(escape_invalid_utf8("caf\xe9!") == "caf\\xe9!");
  CHECK(escape_invalid_utf8("\xf0\x9f\x98") == "\\xf0\\x9f\\x98");
  CHECK(escape_invalid_utf8("tab\tstays") == "tab\tstays");
}

TEST_CASE("terminal text escapes C0, DEL, C1 controls and invalid bytes") {
  CHECK(terminal_text("6.1.0 \x1b]0;owned\x07\x1b[2J") == "6.1.0 \\x1b]0;owned\\x07\\x1b[2J");
  CHECK(terminal_text("csi \xc2\x9b"
                      "31m") == "csi \\xc2\\x9b31m");
  CHECK(terminal_text("del \x7f latin1 \xe9") == "del \\x7f latin1 \\xe9");
  CHECK(terminal_text("caf\xc3\xa9 \xc2\xa0") == "caf\xc3\xa9 \xc2\xa0");
  CHECK(terminal_text("two\nlines\tx") == "two\\x0alines\\x09x");
  CHECK(terminal_text("two\nlines\tx", true) == "two\nlines\tx");
}

TEST_CASE("dump_json never throws on outside text, in values or keys") {
  Json value{{"release", "6.1.0-\xe9"}, {"list", {"ok", "\xff"}}};
  value["key\xe9"] = 1;
  CHECK_THROWS(value.dump());
  std::string text = dump_json(value);
  CHECK(text.find("6.1.0-\\\\xe9") != std::string::npos);
  CHECK(text.find("key\\\\xe9") != std::string::npos);
  CHECK(parse_json(text, "dumped"));
  CHECK(dump_json(Json{{"a", "b"}}, 2) == Json{{"a", "b"}}.dump(2));
}

TEST_CASE("require_valid_utf8 names the first field that is not UTF-8") {
  CHECK(require_valid_utf8(Json{{"a", {"x", "caf\xc3\xa9"}}}, "manifest"));
  Json bad{{"description", "ok"},
           {"replaces", {{{"object", "vmlinux"}, {"functions", {"f", "\xe9"}}}}}};
  Status status = require_valid_utf8(bad, "manifest");
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == "invalid_field");
  CHECK(status.error().message() == "manifest.replaces[0].functions[1]: not valid UTF-8 text");
}

}  // namespace
}  // namespace hotsplice
