#include "sweep/sweep_runner.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "sweep/result_json.hpp"

namespace aiots::cli {
namespace {

// Rows finished by workers and not yet stored; workers wait while it is full.
class RowQueue {
public:
  explicit RowQueue(std::size_t capacity) : m_capacity(capacity) {}

  // False once the consumer has stopped.
  bool push(SweepResultRow row, double seconds) {
    std::unique_lock lock(m_mutex);
    m_space.wait(lock, [&] { return m_rows.size() < m_capacity || m_stopped; });
    if (m_stopped) return false;
    m_rows.emplace_back(std::move(row), seconds);
    m_ready.notify_one();
    return true;
  }
  // The next row, or nullopt once every producer is done and the queue is empty.
  std::optional<std::pair<SweepResultRow, double>> pop() {
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [&] { return !m_rows.empty() || m_producers == 0; });
    if (m_rows.empty()) return std::nullopt;
    auto row = std::move(m_rows.front());
    m_rows.pop_front();
    m_space.notify_one();
    return row;
  }
  void set_producers(unsigned n) { m_producers = n; }
  void producer_done() {
    std::lock_guard lock(m_mutex);
    --m_producers;
    m_ready.notify_all();
  }
  void stop() {
    std::lock_guard lock(m_mutex);
    m_stopped = true;
    m_space.notify_all();
  }
  bool stopped() {
    std::lock_guard lock(m_mutex);
    return m_stopped;
  }

private:
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::condition_variable m_space;
  std::deque<std::pair<SweepResultRow, double>> m_rows;
  std::size_t m_capacity;
  unsigned m_producers = 0;
  bool m_stopped = false;
};

}  // namespace

Expected<unsigned> sweep_jobs(unsigned requested) {
  if (requested > 1024) return usage_error("--jobs must be at most 1024");
  return requested ? requested : std::max(1u, std::thread::hardware_concurrency());
}

SweepResultRow run_sweep_task(const Context& ctx, const SweepPlan& plan, const BarLibrary& bars, const SweepTask& task,
                              std::optional<std::uint64_t> chosen) {
  SweepResultRow row = plan.row(task, chosen);
  if (task.phase == "test" && !chosen) {
    row.status = "skipped";
    row.error = "no training run passed the filter";
    return row;
  }
  RunOptions options;
  options.library = &bars;
  auto out = run_backtest(ctx, plan.spec(task, chosen), options);
  if (!out) {
    row.status = "failed";
    row.error = out.error().message;
    return row;
  }
  const nlohmann::json& result = out->result;
  row.status = result.value("status", std::string("completed"));
  if (const auto e = result.find("error"); e != result.end() && e->is_string()) row.error = e->get<std::string>();
  row.metrics = metrics_from_json(result.at("metrics"));
  return row;
}

Expected<void> run_sweep_tasks(const Context& ctx, const SweepPlan& plan, const BarLibrary& bars, const SweepWork& work,
                               unsigned jobs, const std::function<Expected<void>(const SweepResultRow&, double)>& store) {
  jobs = std::max(1u, jobs);
  RowQueue queue(2 * static_cast<std::size_t>(jobs));
  std::atomic<std::uint64_t> next{work.begin};
  queue.set_producers(jobs);
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < jobs; ++w) {
    workers.emplace_back([&] {
      while (!queue.stopped()) {
        const std::uint64_t index = next.fetch_add(1);
        if (index >= work.end) break;
        if (work.wanted && !work.wanted(index)) continue;
        const SweepTask task = plan.task(index);
        const std::optional<std::uint64_t> chosen = task.phase == "test" ? work.chosen(task) : std::nullopt;
        const auto start = std::chrono::steady_clock::now();
        SweepResultRow row = run_sweep_task(ctx, plan, bars, task, chosen);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        if (!queue.push(std::move(row), took.count())) break;
      }
      queue.producer_done();
    });
  }
  Expected<void> outcome;
  while (auto item = queue.pop()) {
    if (!outcome) continue;  // drain: workers may be blocked on a full queue
    outcome = store(item->first, item->second);
    if (!outcome) queue.stop();
  }
  for (std::thread& t : workers) t.join();
  return outcome;
}

}  // namespace aiots::cli
