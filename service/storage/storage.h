#pragma once

// Storage: everything candor-server keeps, events and the registry, behind one object that
// a back end (SqliteStore, PostgresStore) implements; OpenStorage (open_store.h) picks one.
// Thread-safe.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/storage/event_store.h"
#include "service/storage/registry_store.h"

namespace candor::service {

// What other servers sharing the database changed, for this server to act on at once.
// Called on the store's listener thread; implementations must not block for long.
class StorageChanges {
 public:
  virtual ~StorageChanges() = default;
  // Another server stored a policy for `tenant`.
  virtual void PolicyPushed(const std::string& tenant) = 0;
  // Another server revoked `device_id`.
  virtual void DeviceRevoked(const std::string& device_id) = 0;
  // Changes may have been missed (the listener's connection was lost and is back): forget
  // whatever was kept from the database.
  virtual void ChangesMissed() = 0;
};

// Watching what other servers change; destroying it stops the watching.
class ChangeWatch {
 public:
  virtual ~ChangeWatch() = default;
};

class Storage : public EventStore, public RegistryStore {
 public:
  // Starts telling `changes` (which must outlive the returned watch) what other servers
  // change. A SQLite database belongs to one server: nothing to tell, so null. PostgresStore
  // listens (LISTEN/NOTIFY) on a thread and connection of its own. The watch must be
  // destroyed before the store.
  virtual absl::StatusOr<std::unique_ptr<ChangeWatch>> WatchOtherServers(
      StorageChanges& changes) = 0;
};

}  // namespace candor::service
