// Small text helpers shared by parsers: trimming blanks, and splitting a list on a separator.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aiots {

// `s` without leading blanks (space, tab) and trailing blanks or a carriage return.
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The fields of `text` between separators, empty ones kept ("a,,b" gives three).
inline std::vector<std::string> split_fields(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (true) {
    const auto at = text.find(sep);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

}  // namespace aiots
