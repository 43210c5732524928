// A fixed-capacity ring of the last N values: allocated once, never on update.
#pragma once

#include <cstddef>
#include <memory>

namespace aiots {

template <class T>
class Ring {
public:
  explicit Ring(std::size_t capacity) : m_data(std::make_unique<T[]>(capacity)), m_capacity(capacity) {}

  // Appends `x`; when full, overwrites the oldest value and returns it, else returns T{}.
  T push(T x) {
    T& slot = m_data[m_head];
    const T old = m_size == m_capacity ? slot : T{};
    slot = x;
    m_head = m_head + 1 == m_capacity ? 0 : m_head + 1;
    if (m_size < m_capacity) {
      ++m_size;
    }
    return old;
  }
  // Returns the value `back` steps before the newest (0 = newest); requires back < size().
  const T& ago(std::size_t back) const {
    std::size_t i = m_head + m_capacity - 1 - back;
    return m_data[i >= m_capacity ? i - m_capacity : i];
  }
  bool full() const { return m_size == m_capacity; }
  std::size_t size() const { return m_size; }
  std::size_t capacity() const { return m_capacity; }

private:
  std::unique_ptr<T[]> m_data;
  std::size_t m_capacity;
  std::size_t m_head = 0;
  std::size_t m_size = 0;
};

}  // namespace aiots
