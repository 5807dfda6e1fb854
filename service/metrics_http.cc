#include "service/metrics_http.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "service/log.h"

namespace candor::service {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds kRequestTimeout(10);
constexpr std::chrono::seconds kIdleTimeout(30);
constexpr uint32_t kMaxHeaderBytes = 8 * 1024;
constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// One connection: read a request, answer, and again while the client keeps it alive.
// Lives in the handlers it has pending (shared_ptr); touched only on the server's thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const MetricsHttpServer::Render& render, int& open)
      : stream_(std::move(socket)), render_(render), open_(open) {
    ++open_;
  }
  ~Session() { --open_; }

  void Start() { Read(kRequestTimeout); }

 private:
  void Read(std::chrono::seconds timeout) {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(0);
    stream_.expires_after(timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       // A timeout, a closed connection, a request too large or with a body:
                       // nothing worth answering.
                       if (ec) return self->Close();
                       self->Respond(self->parser_->release());
                     });
  }

  void Respond(const http::request<http::empty_body>& request) {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(request.version());
    response->keep_alive(request.keep_alive());
    response->set(http::field::server, "candor-server");
    absl::string_view target(request.target().data(), request.target().size());
    target = target.substr(0, target.find('?'));
    if (request.method() != http::verb::get) {
      response->result(http::status::method_not_allowed);
      response->set(http::field::allow, "GET");
      response->set(http::field::content_type, "text/plain; charset=utf-8");
      response->body() = "only GET is served here\n";
    } else if (target != "/metrics") {
      response->result(http::status::not_found);
      response->set(http::field::content_type, "text/plain; charset=utf-8");
      response->body() = "not found; metrics are at /metrics\n";
    } else {
      response->result(http::status::ok);
      response->set(http::field::content_type, kContentType);
      response->body() = render_();
    }
    response->prepare_payload();
    stream_.expires_after(kRequestTimeout);
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, size_t) {
                        if (ec || !response->keep_alive()) return self->Close();
                        self->Read(kIdleTimeout);
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kMaxHeaderBytes};
  std::optional<http::request_parser<http::empty_body>> parser_;
  const MetricsHttpServer::Render& render_;
  int& open_;
};

}  // namespace

// Declaration order matters: the io_context's destructor destroys pending handlers and
// with them the sessions, which still use `render` and `open`.
struct MetricsHttpServer::State {
  Render render;
  int open = 0;  // sessions alive; the server's thread only
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of file descriptors, most likely: try again shortly rather than spin.
        Log(absl::StrCat("metrics: accept failed: ", ec.message()));
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) Accept();
        });
        return;
      }
      if (open < kMaxConnections) {
        std::make_shared<Session>(std::move(socket), render, open)->Start();
      }  // else the socket closes here
      Accept();
    });
  }
};

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const config::HostPort& listen, Render render) {
  auto state = std::make_unique<State>();
  state->render = std::move(render);
  const auto fail = [&listen](absl::string_view what, const beast::error_code& ec) {
    return absl::UnavailableError(
        absl::StrCat("metrics_listen ", listen.ToString(), ": ", what, ": ", ec.message()));
  };
  beast::error_code ec;
  tcp::resolver resolver(state->io);
  const tcp::resolver::results_type endpoints =
      resolver.resolve(listen.host, std::to_string(listen.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) return fail("cannot resolve", ec);
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = state->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail("cannot open a socket", ec);
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return fail("cannot set SO_REUSEADDR", ec);
  }
  if (acceptor.bind(endpoint, ec); ec) return fail("cannot bind", ec);
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("cannot listen", ec);
  }
  const uint16_t port = acceptor.local_endpoint(ec).port();
  if (ec) return fail("cannot read the bound port", ec);

  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer(std::move(state)));
  server->address_ = config::HostPort{listen.host, port};
  State& s = *server->state_;
  s.Accept();
  s.thread = std::thread([&s] { s.io.run(); });
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  state_->io.stop();
  if (state_->thread.joinable()) state_->thread.join();
}

}  // namespace candor::service
