// Runs a service's blocking calls (HTTP to a broker or a data provider) on a thread of their
// own, one at a time in the order asked, and hands each result back to aiotsd's event loop
// through `post`. The loop never waits on the network; a broker sees our requests in the order
// the journal made them.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace aiots {

template <class Service>
class ServiceWorker {
public:
  // Hands a closure to the event loop's thread (asio::post in aiotsd; a queue in tests).
  using Post = std::function<void(std::function<void()>)>;

  ServiceWorker(std::unique_ptr<Service> service, Post post)
      : m_service(std::move(service)), m_post(std::move(post)), m_name(m_service->name()), m_thread([this] { loop(); }) {}
  // Stops after the call under way; calls still queued are dropped (what they were for is in
  // the journal and resolved by the next start).
  ~ServiceWorker() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
      m_queue.clear();
    }
    m_wake.notify_all();
    m_thread.join();
  }
  ServiceWorker(const ServiceWorker&) = delete;
  ServiceWorker& operator=(const ServiceWorker&) = delete;

  // Runs `job` with the service on the worker thread, then `done` with its result on the loop.
  template <class Result>
  void run(std::function<Result(Service&)> job, std::function<void(Result)> done) {
    enqueue([job = std::move(job), done = std::move(done), post = m_post](Service& service) mutable {
      auto result = std::make_shared<Result>(job(service));
      post([done = std::move(done), result] { done(std::move(*result)); });
    });
  }
  // Calls asked for and not yet finished.
  std::size_t pending() const {
    std::lock_guard lock(m_mutex);
    return m_queue.size() + m_running;
  }
  const std::string& name() const { return m_name; }

private:
  void enqueue(std::function<void(Service&)> call) {
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) return;
      m_queue.push_back(std::move(call));
    }
    m_wake.notify_one();
  }
  void loop() {
    while (true) {
      std::function<void(Service&)> call;
      {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_stopping) return;
        call = std::move(m_queue.front());
        m_queue.pop_front();
        m_running = 1;
      }
      call(*m_service);
      std::lock_guard lock(m_mutex);
      m_running = 0;
    }
  }

  std::unique_ptr<Service> m_service;
  Post m_post;
  std::string m_name;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<std::function<void(Service&)>> m_queue;
  std::size_t m_running = 0;
  bool m_stopping = false;
  std::thread m_thread;  // last: started once the rest is ready
};

}  // namespace aiots
