#pragma once

// A minimal HTTP/1.1 client for tests of candor-server's /metrics endpoint: a plain socket
// rather than an HTTP library, so the tests see the server's own bytes.

#include <string>

namespace candor::testing {

// An HTTP/1.1 GET of `target` on 127.0.0.1:`port`: the status line and the body, e.g.
// {"HTTP/1.1 200 OK", headers, "..."}. Throws when the connection fails.
struct HttpResponse {
  std::string status_line;
  std::string headers;
  std::string body;
};
HttpResponse HttpGet(int port, const std::string& target);

// Sends `raw` as is on a new connection to 127.0.0.1:`port` and returns everything read
// until the server closes it (or 10 s pass).
std::string HttpExchange(int port, const std::string& raw);

}  // namespace candor::testing
