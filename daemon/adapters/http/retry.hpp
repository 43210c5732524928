// Retries with exponential backoff and jitter for transient failures: transport errors, 429,
// 5xx, and bodies a provider sends with 200 that say "slow down" (Alpha Vantage's Note). A
// server's Retry-After is honoured (waited at least). Every attempt takes a slot from the
// rate limiter first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "adapters/http/http_client.hpp"
#include "adapters/http/rate_limiter.hpp"

namespace aiots::http {

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds base{1000};  // before the second attempt; doubles after each
  std::chrono::milliseconds cap{60'000};
};

// The wait before attempt `attempt` + 1 (attempt counts from 1): base * 2^(attempt-1), at most
// cap, times a jitter factor in [0.5, 1]; never less than `retry_after`.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt,
                                        std::optional<std::chrono::seconds> retry_after, std::mt19937_64& rng);

// What a caller tells the retry loop about a response with a 2xx status: nullopt when it is
// the data; else whether to retry, and why.
struct SoftFailure {
  bool retry = true;
  std::string message;
};
using Inspect = std::function<std::optional<SoftFailure>(const Response&)>;
using Sleep = std::function<void(std::chrono::milliseconds)>;

struct RequestStats {
  int attempts = 0;
  std::chrono::nanoseconds limited{0};  // waited for the rate limiter
  std::chrono::milliseconds backoff{0};
};

// GETs `url` until it succeeds or the policy gives up. A permanent failure (4xx other than
// 408/429, or a soft failure that says not to retry) is returned at once. Messages name the
// host and redact secrets.
Expected<Response> get_with_retries(Client& client, RateLimiter& limiter, const std::string& url, const RetryPolicy& policy,
                                    const Inspect& inspect, const Sleep& sleep, std::mt19937_64& rng,
                                    RequestStats* stats = nullptr);

// One request to a broker, tried again with backoff on 429 (the server took nothing) and, for
// reads (GET), on transport errors and 5xx. A write that met a transport error is never sent
// again (it may have arrived): the error goes back for the caller to resolve. Any other status
// is a response for the caller. `what` names the request in messages ("Alpaca GET /v2/orders").
Expected<Response> request_with_retries(Client& client, RateLimiter& limiter, std::string_view method,
                                        const std::string& url, const std::vector<std::string>& headers,
                                        const std::string& body, const RetryPolicy& policy, std::mt19937_64& rng,
                                        const std::string& what);

}  // namespace aiots::http
