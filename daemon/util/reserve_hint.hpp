// Reserving room from a count that is only a hint.
#pragma once

#include <cstddef>
#include <exception>

namespace aiots {

// Reserves room for `count` elements in `v` when it can. The count is a hint read from data a
// user can edit (a store's row count), so a count too large to allocate leaves `v` to grow as it
// is filled instead of failing the command.
template <class Vector>
void reserve_hint(Vector& v, std::size_t count) noexcept {
  try {
    v.reserve(count);
  } catch (const std::exception&) {
  }
}

}  // namespace aiots
