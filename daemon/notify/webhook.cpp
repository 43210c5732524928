#include "notify/webhook.hpp"

#include <cstdlib>
#include <curl/curl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "config/config.hpp"
#include "util/secret_file.hpp"

namespace aiots::notify {
namespace {

std::size_t ignore_body(char*, std::size_t size, std::size_t n, void*) { return size * n; }

std::string field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

Expected<std::optional<std::string>> webhook_url(const Config& config) {
  const std::string file = config.string("notify.webhook_url_file");
  const std::string env = config.string("notify.webhook_url_env");
  if (!file.empty() && !env.empty()) {
    return usage_error("notify: set webhook_url_file or webhook_url_env, not both");
  }
  std::string url;
  if (!file.empty()) {
    AIOTS_TRY_ASSIGN(line, read_secret_file("notify.webhook_url_file", file, "the webhook URL"));
    url = std::move(line);
  } else if (!env.empty()) {
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || *value == '\0') {
      return usage_error("notify.webhook_url_env: the environment variable " + env + " is not set");
    }
    url = value;
  } else {
    return std::optional<std::string>{};
  }
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return usage_error("notify: the webhook URL (from " + (file.empty() ? "$" + env : file) +
                       ") must start with http:// or https://");
  }
  return std::optional<std::string>{url};
}

Expected<std::optional<WebhookSettings>> webhook_settings(const Config& config) {
  AIOTS_TRY_ASSIGN(url, webhook_url(config));
  if (!url) return std::optional<WebhookSettings>{};
  WebhookSettings s;
  s.url = *url;
  s.queue = static_cast<std::size_t>(std::max<std::int64_t>(1, config.integer("notify.queue")));
  s.max_attempts = static_cast<int>(std::clamp<std::int64_t>(config.integer("notify.max_attempts"), 1, 100));
  s.backoff = std::chrono::milliseconds(std::clamp<std::int64_t>(config.integer("notify.backoff_ms"), 1, 600'000));
  return std::optional<WebhookSettings>{s};
}

std::string redact_url(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "(webhook)";
  const std::size_t host_end = url.find_first_of("/?#", scheme + 3);
  std::string host = url.substr(scheme + 3, host_end == std::string::npos ? std::string::npos : host_end - scheme - 3);
  if (const std::size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);  // user:password@
  return url.substr(0, scheme + 3) + host + (host_end == std::string::npos ? "" : "/...");
}

bool is_alert(const std::string& kind) {
  return kind == "risk.event" || kind == "halt" || kind == "reduce" || kind == "resume" || kind == "strategy.failed" ||
         kind == "strategy.reload_failed" || kind == "risk.rule_reload_failed" || kind == "deploy.notify" ||
         kind == "deploy.finished" || kind == "broker.mismatch" || kind == "broker.error";
}

nlohmann::json alert_body(const nlohmann::json& event) {
  const std::string kind = field(event, "kind");
  std::string text = "aiotsd: ";
  if (kind == "risk.event") {
    text += field(event, "scope") + " " + field(event, "from") + " -> " + field(event, "to") + " " + field(event, "code");
    if (!field(event, "account").empty()) text += " (account " + field(event, "account") + ")";
    if (!field(event, "strategy").empty()) text += " by " + field(event, "strategy");
    if (!field(event, "detail").empty()) text += ": " + field(event, "detail");
  } else if (kind == "halt" || kind == "reduce" || kind == "resume") {
    text += kind == "halt" ? "trading HALTED" : kind == "reduce" ? "trading REDUCING" : "trading resumed";
    if (!field(event, "account").empty()) text += " (account " + field(event, "account") + ")";
    if (!field(event, "reason").empty()) text += ": " + field(event, "reason");
  } else if (kind == "broker.mismatch") {
    text += "account " + field(event, "account") + " differs from its broker (" + field(event, "action") +
            "): " + field(event, "summary");
  } else if (kind == "deploy.notify") {
    text += "deployment " + field(event, "deployment") + ": " + field(event, "text");
  } else if (kind == "deploy.finished") {
    text += "deployment " + field(event, "deployment") + " (" + field(event, "playbook") + ") " + field(event, "status");
    if (!field(event, "error").empty()) text += ": " + field(event, "error");
  } else {
    text += kind + " " + field(event, "strategy") + field(event, "name");
    if (!field(event, "error").empty()) text += ": " + field(event, "error");
  }
  if (!field(event, "time").empty()) text += " [" + field(event, "time") + "]";
  return {{"text", text}, {"content", text}, {"event", event}};
}

Webhook::Webhook(WebhookSettings settings) : m_settings(std::move(settings)), m_thread([this] { run(); }) {}

Webhook::~Webhook() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

void Webhook::post(nlohmann::json body) {
  std::string text = body.dump();
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_queue.size() >= m_settings.queue) {
      m_queue.pop_front();  // the oldest goes: the latest state matters most
      ++m_dropped;
    }
    m_queue.push_back(std::move(text));
  }
  m_wake.notify_one();
}

nlohmann::json Webhook::status() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return {{"webhook", redact_url(m_settings.url)},
          {"queued", m_queue.size()},
          {"sent", m_sent.load()},
          {"failed", m_failed.load()},
          {"dropped", m_dropped.load()},
          {"retries", m_retries.load()},
          {"last_error", m_last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(m_last_error)}};
}

void Webhook::run() {
  for (;;) {
    std::string body;
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
      if (m_stopping) return;  // queued alerts are not waited for: stopping must not hang on the network
      body = std::move(m_queue.front());
      m_queue.pop_front();
    }
    deliver(body);
  }
}

void Webhook::deliver(const std::string& body) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    ++m_failed;
    return;
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, m_settings.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(m_settings.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ignore_body);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  std::chrono::milliseconds wait = m_settings.backoff;
  for (int attempt = 1;; ++attempt) {
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
      ++m_sent;
      break;
    }
    // curl's messages name the host at most, never the path: safe to keep.
    const std::string error = rc != CURLE_OK ? std::string(curl_easy_strerror(rc)) : "HTTP " + std::to_string(status);
    const bool transient = rc != CURLE_OK || status == 429 || status >= 500;
    std::unique_lock<std::mutex> lock(m_mutex);
    m_last_error = error + " from " + redact_url(m_settings.url);
    if (!transient || attempt >= m_settings.max_attempts) {
      ++m_failed;
      break;
    }
    ++m_retries;
    if (m_wake.wait_for(lock, wait, [this] { return m_stopping; })) {
      ++m_failed;
      break;
    }
    wait = std::min(wait * 2, m_settings.max_backoff);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
}

}  // namespace aiots::notify
