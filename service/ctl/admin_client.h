#pragma once

// candorctl's connection to the admin API: mutual TLS with the admin's certificate.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "candor/v1/admin.grpc.pb.h"

namespace candor::ctl {

struct Connection {
  std::string server;  // HOST:PORT
  std::string ca;      // PEM file of the CA that issued the server's certificate
  std::string cert;    // the admin's certificate
  std::string key;     // its key
};

// Reads the files and prepares the channel (nothing is sent yet).
absl::StatusOr<std::unique_ptr<v1::AdminService::Stub>> Connect(const Connection& connection);

}  // namespace candor::ctl
