#include "service/metrics_http.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/http_get.h"

namespace candor::service {
namespace {

using candor::testing::HttpExchange;
using candor::testing::HttpGet;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::unique_ptr<MetricsHttpServer> StartOnAnyPort(MetricsHttpServer::Render render) {
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> server =
      MetricsHttpServer::Start(config::HostPort{"127.0.0.1", 0}, std::move(render));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

TEST(MetricsHttpServerTest, ServesTheRenderedTextAtSlashMetrics) {
  std::atomic<int> renders{0};
  auto server = StartOnAnyPort([&renders] {
    ++renders;
    return std::string("candor_server_connected_agents 3\n");
  });
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->address().host, "127.0.0.1");
  ASSERT_NE(server->address().port, 0);
  const candor::testing::HttpResponse response = HttpGet(server->address().port, "/metrics");
  EXPECT_EQ(response.status_line, "HTTP/1.1 200 OK");
  EXPECT_THAT(response.headers,
              HasSubstr("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  EXPECT_THAT(response.headers, HasSubstr("Content-Length: 33"));
  EXPECT_EQ(response.body, "candor_server_connected_agents 3\n");
  EXPECT_EQ(renders.load(), 1);
}

TEST(MetricsHttpServerTest, OtherPathsAre404AndOtherMethods405) {
  auto server = StartOnAnyPort([] { return std::string("x 1\n"); });
  ASSERT_NE(server, nullptr);
  const int port = server->address().port;
  EXPECT_EQ(HttpGet(port, "/").status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(HttpGet(port, "/metrics/x").status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(HttpGet(port, "/metrics?name[]=x").status_line, "HTTP/1.1 200 OK");
  const std::string post = HttpExchange(
      port, "POST /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_THAT(post, StartsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
  EXPECT_THAT(post, HasSubstr("Allow: GET\r\n"));
}

TEST(MetricsHttpServerTest, KeepsAConnectionAliveForSeveralScrapes) {
  auto server = StartOnAnyPort([] { return std::string("x 1\n"); });
  ASSERT_NE(server, nullptr);
  const std::string two =
      HttpExchange(server->address().port,
                   "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
                   "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  size_t answers = 0;
  for (size_t at = 0; (at = two.find("HTTP/1.1 200 OK", at)) != std::string::npos; ++at) {
    ++answers;
  }
  EXPECT_EQ(answers, 2u);
}

TEST(MetricsHttpServerTest, ClosesOnARequestTooLargeOrWithABody) {
  auto server = StartOnAnyPort([] { return std::string("x 1\n"); });
  ASSERT_NE(server, nullptr);
  const int port = server->address().port;
  // 16 KiB of header: past the 8 KiB limit, closed without an answer.
  const std::string big = "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(16384, 'a') +
                          "\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(HttpExchange(port, big), "");
  EXPECT_EQ(
      HttpExchange(port, "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"), "");
  EXPECT_EQ(HttpExchange(port, "not http at all\r\n\r\n"), "");
  // And it still serves the next scraper.
  EXPECT_EQ(HttpGet(port, "/metrics").status_line, "HTTP/1.1 200 OK");
}

TEST(MetricsHttpServerTest, ManyConcurrentScrapesAllAnswered) {
  auto server = StartOnAnyPort([] { return std::string(20000, '#') + "\n"; });
  ASSERT_NE(server, nullptr);
  const int port = server->address().port;
  std::atomic<int> ok{0};
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 16; ++t) {
    scrapers.emplace_back([&ok, port] {
      for (int i = 0; i < 20; ++i) {
        const candor::testing::HttpResponse r = HttpGet(port, "/metrics");
        if (r.status_line == "HTTP/1.1 200 OK" && r.body.size() == 20001) ++ok;
      }
    });
  }
  for (std::thread& t : scrapers) t.join();
  EXPECT_EQ(ok.load(), 16 * 20);
}

TEST(MetricsHttpServerTest, AnAddressInUseIsUnavailable) {
  auto first = StartOnAnyPort([] { return std::string(); });
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> second = MetricsHttpServer::Start(
      config::HostPort{"127.0.0.1", first->address().port}, [] { return std::string(); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("metrics_listen 127.0.0.1:" + std::to_string(first->address().port) +
                        ": cannot bind"));
}

TEST(MetricsHttpServerTest, StopsWithAnIdleConnectionOpen) {
  auto server = StartOnAnyPort([] { return std::string("x 1\n"); });
  ASSERT_NE(server, nullptr);
  const int port = server->address().port;
  // A client that connects and sends nothing; the destructor must not wait for it.
  std::thread idle([port] { HttpExchange(port, "GET /met"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.reset();
  idle.join();
}

}  // namespace
}  // namespace candor::service
