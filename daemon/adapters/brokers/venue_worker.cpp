#include "adapters/brokers/venue_worker.hpp"

namespace aiots::venue {

VenueWorker::VenueWorker(std::unique_ptr<Venue> venue, Post post)
    : m_venue(std::move(venue)), m_post(std::move(post)), m_name(m_venue->name()), m_thread([this] { loop(); }) {}

VenueWorker::~VenueWorker() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_queue.clear();
  }
  m_wake.notify_all();
  m_thread.join();
}

void VenueWorker::enqueue(std::function<void(Venue&)> call) {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    m_queue.push_back(std::move(call));
  }
  m_wake.notify_one();
}

std::size_t VenueWorker::pending() const {
  std::lock_guard lock(m_mutex);
  return m_queue.size() + m_running;
}

void VenueWorker::loop() {
  while (true) {
    std::function<void(Venue&)> call;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
      if (m_stopping) return;
      call = std::move(m_queue.front());
      m_queue.pop_front();
      m_running = 1;
    }
    call(*m_venue);
    std::lock_guard lock(m_mutex);
    m_running = 0;
  }
}

}  // namespace aiots::venue
