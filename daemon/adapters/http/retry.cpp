#include "adapters/http/retry.hpp"

#include <thread>

#include <algorithm>

namespace aiots::http {

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt,
                                        std::optional<std::chrono::seconds> retry_after, std::mt19937_64& rng) {
  double ms = static_cast<double>(policy.base.count());
  for (int i = 1; i < attempt && ms < static_cast<double>(policy.cap.count()); ++i) ms *= 2;
  ms = std::min(ms, static_cast<double>(policy.cap.count()));
  // Jitter keeps processes that failed together from retrying together.
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(ms * jitter(rng)));
  if (retry_after) wait = std::max(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after));
  return wait;
}

Expected<Response> get_with_retries(Client& client, RateLimiter& limiter, const std::string& url, const RetryPolicy& policy,
                                    const Inspect& inspect, const Sleep& sleep, std::mt19937_64& rng, RequestStats* stats) {
  RequestStats local;
  RequestStats& s = stats != nullptr ? *stats : local;
  std::string last;
  for (int attempt = 1;; ++attempt) {
    AIOTS_TRY_ASSIGN(waited, limiter.acquire());
    s.limited += waited;
    ++s.attempts;
    auto response = client.get(url);
    std::optional<std::chrono::seconds> retry_after;
    if (!response) {
      last = response.error().message;
    } else if (response->status >= 200 && response->status < 300) {
      const auto soft = inspect ? inspect(*response) : std::nullopt;
      if (!soft) return response;
      last = soft->message;
      if (!soft->retry) return runtime_error(last);
    } else {
      last = "HTTP " + std::to_string(response->status) + " from " + host_of(url);
      retry_after = response->retry_after;
      const bool transient = response->status == 408 || response->status == 429 || response->status >= 500;
      if (!transient) return runtime_error(last);
    }
    if (attempt >= policy.max_attempts) {
      return runtime_error(last + " (gave up after " + std::to_string(attempt) + " attempts)");
    }
    const auto wait = backoff_delay(policy, attempt, retry_after, rng);
    s.backoff += wait;
    sleep(wait);
  }
}

Expected<Response> request_with_retries(Client& client, RateLimiter& limiter, std::string_view method,
                                        const std::string& url, const std::vector<std::string>& headers,
                                        const std::string& body, const RetryPolicy& policy, std::mt19937_64& rng,
                                        const std::string& what) {
  const bool read = method == "GET";
  std::string last;
  for (int attempt = 1;; ++attempt) {
    AIOTS_TRY(limiter.acquire());
    auto response = client.request(method, url, headers, body);
    std::optional<std::chrono::seconds> retry_after;
    if (!response) {
      if (!read) return tl::unexpected(response.error());
      last = response.error().message;
    } else if (response->status == 429 || (read && response->status >= 500)) {
      last = "HTTP " + std::to_string(response->status) + " from " + host_of(url);
      retry_after = response->retry_after;
    } else {
      return response;
    }
    if (attempt >= policy.max_attempts) {
      return runtime_error(what + ": " + last + " (gave up after " + std::to_string(attempt) + " attempts)");
    }
    std::this_thread::sleep_for(backoff_delay(policy, attempt, retry_after, rng));
  }
}

}  // namespace aiots::http
