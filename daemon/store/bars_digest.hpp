// The manifest's hash of a run's bars: for each series in order, its symbol, a newline, and its
// bars' bytes as laid out in memory. One definition for every path that computes it (bars in
// memory, bars streamed from the store), so that `runs rerun` compares like with like.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "engine/bars/bar.hpp"
#include "util/sha256.hpp"

namespace aiots {

class BarsDigest {
public:
  // Starts the next series; its bars follow through add().
  void begin_series(std::string_view symbol) {
    m_digest.update(symbol);
    m_digest.update("\n");
  }
  void add(std::span<const Bar> bars) {
    m_digest.update(std::string_view(reinterpret_cast<const char*>(bars.data()), bars.size_bytes()));
  }
  // The lowercase hex digest; the object is spent afterwards.
  std::string hex() { return m_digest.hex(); }

private:
  Sha256 m_digest;
};

}  // namespace aiots
