// Alerts to an HTTP webhook (Slack, Discord, Telegram bot URLs, or any JSON endpoint): halts,
// risk transitions, failed strategies and reloads, posted as JSON by a thread of its own so that
// trading never waits on the network. A bounded queue (the oldest alert dropped when full, and
// counted), retries with exponential backoff on network errors, 429 and 5xx, and a URL that is
// never logged or shown whole: its path and query usually carry the secret token.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "util/error.hpp"

namespace aiots {

class Config;

namespace notify {

struct WebhookSettings {
  std::string url;
  std::size_t queue = 1000;
  int max_attempts = 5;
  std::chrono::milliseconds backoff{500};       // doubles after each failed attempt
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::milliseconds timeout{5'000};      // of one attempt
};

// The webhook URL from the configuration: notify.webhook_url_file (a file only its owner may
// read, 0600 or stricter) or the environment variable named by notify.webhook_url_env. None when
// neither is set. Errors name the file or variable, never the URL.
Expected<std::optional<std::string>> webhook_url(const Config& config);
Expected<std::optional<WebhookSettings>> webhook_settings(const Config& config);

// scheme://host[:port]/... : what may be shown of a URL.
std::string redact_url(const std::string& url);

// The body posted for an alert: "text" (Slack, Telegram) and "content" (Discord) with one line
// describing it, and the journaled event itself in "event".
nlohmann::json alert_body(const nlohmann::json& event);
// Whether a journaled event of this kind is an alert.
bool is_alert(const std::string& kind);

class Webhook {
public:
  explicit Webhook(WebhookSettings settings);
  ~Webhook();
  Webhook(const Webhook&) = delete;
  Webhook& operator=(const Webhook&) = delete;

  // Queues `body` and returns at once.
  void post(nlohmann::json body);
  // What `aiots status` shows: the redacted URL and the counters.
  nlohmann::json status() const;
  const WebhookSettings& settings() const { return m_settings; }

private:
  void run();
  // One alert: attempts until one succeeds, a permanent failure, max_attempts, or stop.
  void deliver(const std::string& body);

  WebhookSettings m_settings;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<std::string> m_queue;
  bool m_stopping = false;
  std::atomic<std::int64_t> m_sent{0}, m_failed{0}, m_dropped{0}, m_retries{0};
  std::string m_last_error;  // under m_mutex
  std::thread m_thread;
};

}  // namespace notify
}  // namespace aiots
