// Names the compiler invents differ between two builds of the same source: numbered
// clones (foo.isra.0, foo.constprop.3), split-off pieces (foo.part.0, foo.cold), numbered
// static locals (counter.12, __key.34, __func__.5), local labels (.LC12) and
// __UNIQUE_ID_<name><counter>. These functions reduce such names to what the source says.
#pragma once

#include <string>
#include <string_view>

namespace hotsplice::elfdiff {

// The name with every compiler-generated number removed but the kind of clone kept:
// "foo.isra.0" -> "foo.isra", "counter.12" -> "counter", "foo.cold.3" -> "foo.cold",
// "__UNIQUE_ID_ddebug412" -> "__UNIQUE_ID_ddebug", ".LC12" -> ".LC".
std::string correlation_name(std::string_view name);

// The name of the function in the source: every clone and piece suffix removed.
// "foo.constprop.0.isra.0" -> "foo", "foo.part.1.cold" -> "foo".
std::string source_function_name(std::string_view name);

// For a split-off cold piece ("foo.cold", "foo.isra.0.cold", "foo.part.1.cold"), the name
// of the function it was split from ("foo", "foo.isra.0", "foo.part.1"); empty for
// anything else. A `.part.N` is not a piece: gcc gives it its own __fentry__ and other
// functions call it directly, so it is patched as a function in its own right.
std::string parent_of_piece(std::string_view name);

// Whether an object's name is gcc's name for a function-local static ("counter.12"): a
// different thing from a file-scope "counter" of the same base name.
bool is_function_local_static(std::string_view name);

// Statics the compiler or kernel macros create per use site (__key, __warned,
// __already_done, __func__/__FUNCTION__, _rs, __print_once, CSWTCH tables,
// __UNIQUE_ID_* such as dynamic-debug descriptors ...; ObjectIndex::is_per_site adds the
// records recognised by their section): they carry no state a patch must
// preserve, so they are never compared as data and the patch always takes the new ones.
bool is_per_site_static(std::string_view correlation);

}  // namespace hotsplice::elfdiff
