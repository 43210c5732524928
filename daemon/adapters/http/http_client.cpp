#include "adapters/http/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <curl/curl.h>

namespace aiots::http {
namespace {

struct Sink {
  std::string* body;
  std::size_t max;
  bool overflow = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * count;
  if (sink->body->size() + n > sink->max) {
    sink->overflow = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

std::size_t read_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* headers = static_cast<std::vector<std::string>*>(user);
  if (headers->size() < 200) headers->emplace_back(data, size * count);
  return size * count;
}

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != std::tolower(static_cast<unsigned char>(name[i]))) return false;
  }
  return true;
}

}  // namespace

Client::Client(ClientSettings settings) : m_settings(std::move(settings)) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)initialised;
  m_curl = curl_easy_init();
}

Client::~Client() {
  if (m_curl != nullptr) curl_easy_cleanup(static_cast<CURL*>(m_curl));
}

Client::Client(Client&& other) noexcept : m_settings(std::move(other.m_settings)), m_curl(other.m_curl) { other.m_curl = nullptr; }

Expected<Response> Client::request(std::string_view method, const std::string& url,
                                   const std::vector<std::string>& headers, const std::string& body) {
  auto* curl = static_cast<CURL*>(m_curl);
  if (curl == nullptr) return runtime_error("HTTP: libcurl could not start");
  Response response;
  Sink sink{&response.body, m_settings.max_body};
  std::vector<std::string> received;
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_reset(curl);  // keeps the connection cache
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  const std::string verb(method);
  if (verb == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (verb == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb.c_str());
    if (!body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &received);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(m_settings.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_settings.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "aiots");
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!m_settings.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, m_settings.ca_file.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (sink.overflow) {
    return runtime_error("HTTP: the response from " + host_of(url) + " is larger than " +
                         std::to_string(m_settings.max_body >> 20) + " MiB");
  }
  if (rc != CURLE_OK) {
    // curl's messages name the host at most, never the query.
    return runtime_error("HTTP: " + host_of(url) + ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  for (const std::string& line : received) {
    if (iequals_prefix(line, "retry-after:")) {
      response.retry_after = parse_retry_after(std::string_view(line).substr(12), std::chrono::system_clock::now());
    }
  }
  return response;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (value.size() > 9) return std::chrono::seconds(86'400);  // absurd: a day at most
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  // An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT" (curl_getdate reads it, and the old forms).
  const time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const auto delta = std::chrono::system_clock::from_time_t(when) - now;
  return std::chrono::seconds(std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(delta).count()));
}

std::string redact_url(std::string_view url) {
  const auto q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, q + 1));
  std::string_view rest = url.substr(q + 1);
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    std::string name(pair.substr(0, eq));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    const bool secret = name == "apikey" || name == "api_key" || name == "key" || name == "token" || name == "secret";
    out += first ? "" : "&";
    out += secret && eq != std::string_view::npos ? std::string(pair.substr(0, eq)) + "=***" : std::string(pair);
    first = false;
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::string host_of(std::string_view url) {
  auto start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const auto end = url.find_first_of("/?#", start);
  std::string_view host = url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);  // no user:password
  return std::string(host);
}

}  // namespace aiots::http
