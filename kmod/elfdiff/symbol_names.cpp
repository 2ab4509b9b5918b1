#include "kmod/elfdiff/symbol_names.h"

#include <array>
#include <cctype>
#include <vector>

namespace hotsplice::elfdiff {
namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Splits "a.b.c" at dots (the first component keeps any leading dot, as in ".LC12").
std::vector<std::string_view> components(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = name.starts_with('.') ? 1 : 0;
  std::size_t begin = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(name.substr(begin));
      return parts;
    }
    parts.push_back(name.substr(begin, dot - begin));
    begin = start = dot + 1;
  }
}

bool is_clone_kind(std::string_view part) {
  return part == "isra" || part == "constprop" || part == "part" || part == "cold" ||
         part == "localalias" || part == "lto_priv" || part == "llvm";
}

std::string strip_trailing_digits(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(0, end));
}

}  // namespace

std::string correlation_name(std::string_view name) {
  if (name.starts_with(".LC") && all_digits(name.substr(3))) return ".LC";
  std::string result;
  for (std::string_view part : components(name)) {
    if (all_digits(part) && !result.empty()) continue;  // foo.isra.0, counter.12
    if (!result.empty()) result += '.';
    result += part;
  }
  if (result.starts_with("__UNIQUE_ID_")) result = strip_trailing_digits(result);
  return result;
}

std::string source_function_name(std::string_view name) {
  auto parts = components(name);
  std::string result(parts.front());
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (is_clone_kind(parts[i]) || all_digits(parts[i])) break;
    result += '.';
    result += parts[i];
  }
  return result;
}

std::string parent_of_piece(std::string_view name) {
  auto parts = components(name);
  std::string parent(parts.front());
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i] == "cold") return parent;
    parent += '.';
    parent += parts[i];
  }
  return {};
}

bool is_function_local_static(std::string_view name) {
  if (name.starts_with(".L")) return false;
  auto parts = components(name);
  return parts.size() >= 2 && all_digits(parts.back()) && !parts.front().empty();
}

bool is_per_site_static(std::string_view correlation) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "__key", "__warned", "__already_done", "__func__", "_rs", "__print_once", "__once",
      // gcc's names for __FUNCTION__ and __PRETTY_FUNCTION__ (like __func__: the name)
      "__FUNCTION__", "__PRETTY_FUNCTION__",
      // gcc's switch-conversion tables: read-only, compared by content where used
      "CSWTCH"};
  for (std::string_view known : kNames) {
    if (correlation == known) return true;
  }
  return correlation.starts_with("__UNIQUE_ID_");
}

}  // namespace hotsplice::elfdiff
