// The last `capacity` values of a series, oldest first. Unlike Ring it allocates as values
// arrive, so a capacity far beyond what ever comes (a look-back of 1e12) costs nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace aiots {

template <class T>
class Tail {
public:
  explicit Tail(std::size_t capacity) : m_capacity(std::max<std::size_t>(capacity, 1)) {}

  void push(const T& value) {
    if (m_values.size() < m_capacity) {
      m_values.push_back(value);
      return;
    }
    m_values[m_oldest] = value;
    m_oldest = m_oldest + 1 == m_capacity ? 0 : m_oldest + 1;
  }
  // The last `n` values (fewer when fewer came), oldest first.
  std::vector<T> last(std::size_t n) const {
    const std::size_t size = m_values.size();
    const std::size_t take = std::min(n, size);
    std::vector<T> out;
    out.reserve(take);
    for (std::size_t i = size - take; i < size; ++i) {
      const std::size_t at = m_oldest + i;
      out.push_back(m_values[at >= size ? at - size : at]);
    }
    return out;
  }
  std::size_t size() const { return m_values.size(); }

private:
  std::size_t m_capacity;
  std::vector<T> m_values;
  std::size_t m_oldest = 0;  // where the oldest value is once the tail is full
};

}  // namespace aiots
