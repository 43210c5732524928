// Runs a venue's blocking calls (HTTP) on a thread of their own, one at a time in the order
// asked, and hands each result back to aiotsd's event loop through `post`. The loop never
// waits on a broker; the broker sees our requests in the order the journal made them.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "adapters/brokers/venue.hpp"

namespace aiots::venue {

class VenueWorker {
public:
  // Hands a closure to the event loop's thread (asio::post in aiotsd; a queue in tests).
  using Post = std::function<void(std::function<void()>)>;

  VenueWorker(std::unique_ptr<Venue> venue, Post post);
  // Stops after the call under way; calls still queued are dropped (what they were for is in
  // the journal and resolved by the next start).
  ~VenueWorker();
  VenueWorker(const VenueWorker&) = delete;
  VenueWorker& operator=(const VenueWorker&) = delete;

  // Runs `job` with the venue on the worker thread, then `done` with its result on the loop.
  template <class Result>
  void run(std::function<Result(Venue&)> job, std::function<void(Result)> done) {
    enqueue([job = std::move(job), done = std::move(done), post = m_post](Venue& venue) mutable {
      auto result = std::make_shared<Result>(job(venue));
      post([done = std::move(done), result] { done(std::move(*result)); });
    });
  }
  // Calls asked for and not yet finished.
  std::size_t pending() const;
  const std::string& name() const { return m_name; }

private:
  void enqueue(std::function<void(Venue&)> call);
  void loop();

  std::unique_ptr<Venue> m_venue;
  Post m_post;
  std::string m_name;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<std::function<void(Venue&)>> m_queue;
  std::size_t m_running = 0;
  bool m_stopping = false;
  std::thread m_thread;  // last: started once the rest is ready
};

}  // namespace aiots::venue
