// The HTTP client of aiots (libcurl): one easy handle per client, so connections are reused;
// timeouts; TLS verified by default, with an extra CA file to trust a local gateway's
// self-signed certificate; proxies from the environment (http_proxy, https_proxy, no_proxy), as
// libcurl reads them. Errors name the host and what failed, never the query: secrets travel in
// query strings (apikey=...) and must not reach logs or messages.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace aiots::http {

struct Response {
  long status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retry_after;  // from a Retry-After header
};

struct ClientSettings {
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::string ca_file;  // trusted besides the system's (empty: the system's only)
  std::size_t max_body = std::size_t{256} << 20;  // a response larger than this is an error
};

class Client {
public:
  explicit Client(ClientSettings settings = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&& other) noexcept;

  // One GET. A transport failure (DNS, connect, TLS, timeout) is a runtime error; any HTTP
  // status is a response.
  Expected<Response> get(const std::string& url, const std::vector<std::string>& headers = {}) {
    return request("GET", url, headers, {});
  }
  // Any method ("GET", "POST", "DELETE"); a non-empty `body` is sent as is (set its
  // Content-Type in `headers`). Same errors as get().
  Expected<Response> request(std::string_view method, const std::string& url, const std::vector<std::string>& headers,
                             const std::string& body);

private:
  ClientSettings m_settings;
  void* m_curl = nullptr;
};

// Retry-After as seconds from `now`: delta-seconds ("120") or an HTTP date.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);
// `url` with the values of secret query parameters (apikey, api_key, key, token, secret)
// replaced by "***".
std::string redact_url(std::string_view url);
// The host of `url` ("www.alphavantage.co:443" as written), for messages.
std::string host_of(std::string_view url);

}  // namespace aiots::http
