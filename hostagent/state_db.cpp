#include "hostagent/state_db.h"

#include <sqlite3.h>

#include <iterator>
#include <utility>

#include "core/base/file_io.h"
#include "hostagent/error_codes.h"
#include "hostagent/sqlite_statement.h"

namespace hotsplice::hostd {
namespace {

// Version 1. New versions append migrations; an older hostd refuses a newer file.
constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS guests (
  uuid TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kernel_release TEXT, kernel_version TEXT, kernel_build_id TEXT,
  agent_version TEXT NOT NULL DEFAULT '',
  last_contact INTEGER,
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS bundle_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  guest_uuid TEXT NOT NULL,
  bundle_id TEXT NOT NULL,
  event TEXT NOT NULL,
  at INTEGER NOT NULL,
  code TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS bundle_events_guest ON bundle_events (guest_uuid, seq);
CREATE TABLE IF NOT EXISTS guest_bundles (
  guest_uuid TEXT NOT NULL,
  bundle_id TEXT NOT NULL,
  state TEXT NOT NULL,
  at INTEGER NOT NULL,
  code TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (guest_uuid, bundle_id));
CREATE TABLE IF NOT EXISTS rollout (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  generation TEXT NOT NULL,
  stage TEXT NOT NULL,
  paused INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  stage_since INTEGER NOT NULL,
  wait_until INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rollout_canaries (guest_uuid TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS pins (guest TEXT PRIMARY KEY, bundle_id TEXT NOT NULL);
)";

constexpr const char* kEventNames[] = {"offered",     "transferred", "applied",    "failed",
                                       "rolled_back", "confirmed",   "interrupted"};

Error corrupt(const std::filesystem::path& path, const std::string& why) {
  return Error(errc::kStateDbCorrupt,
               "state database " + path.string() + " is unusable (" + why +
                   "); move it aside to start with empty state, or restore a backup");
}

}  // namespace

const char* event_name(BundleEvent event) {
  return kEventNames[static_cast<int>(event)];
}

std::optional<BundleEvent> parse_event(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kEventNames)); ++i) {
    if (name == kEventNames[i]) return static_cast<BundleEvent>(i);
  }
  return std::nullopt;
}

Expected<StateDb> StateDb::open(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    if (auto status = ensure_directory(path.parent_path(), 0700); !status) {
      return Error(errc::kStateDbOpen, status.error().message());
    }
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  StateDb db(raw, path);  // owns raw from here, even on failure
  if (rc != SQLITE_OK) {
    return Error(errc::kStateDbOpen, "opening state database " + path.string() + ": " +
                                         (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  // The first read tells a file that is not a database (SQLITE_NOTADB) from a good one.
  {
    auto check = SqliteStatement::prepare(raw, "PRAGMA quick_check", errc::kStateDbCorrupt);
    if (!check) return corrupt(path, check.error().message());
    auto row = check->step();
    if (!row) return corrupt(path, row.error().message());
    if (*row && check->text(0) != "ok") return corrupt(path, "quick_check: " + check->text(0));
  }
  if (auto s = db.exec("PRAGMA journal_mode=WAL"); !s) return corrupt(path, s.error().message());
  // FULL: a committed change survives a power cut, not only a crash of hostd.
  if (auto s = db.exec("PRAGMA synchronous=FULL"); !s) return s.error();
  if (auto s = db.exec("PRAGMA foreign_keys=ON"); !s) return s.error();

  Status schema = db.in_transaction([&]() -> Status {
    auto tables = SqliteStatement::prepare(
        raw, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name!='sqlite_sequence'",
        errc::kStateDbSchema);
    if (!tables) return tables.error();
    if (auto row = tables->step(); !row) return row.error();
    std::int64_t table_count = tables->integer(0);
    auto version_table = SqliteStatement::prepare(
        raw, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version'",
        errc::kStateDbSchema);
    if (!version_table) return version_table.error();
    if (auto row = version_table->step(); !row) return row.error();
    bool has_version = version_table->integer(0) == 1;
    if (table_count > 0 && !has_version) {
      return Error(errc::kStateDbSchema, "state database " + path.string() +
                                             " holds tables but no schema_version: it is not "
                                             "hostd's database");
    }
    if (has_version) {
      auto version =
          SqliteStatement::prepare(raw, "SELECT version FROM schema_version", errc::kStateDbSchema);
      if (!version) return version.error();
      auto row = version->step();
      if (!row) return row.error();
      if (!*row)
        return Error(errc::kStateDbSchema,
                     "state database " + path.string() + ": schema_version is empty");
      std::int64_t found = version->integer(0);
      if (found != kStateSchemaVersion) {
        return Error(errc::kStateDbSchema, "state database " + path.string() +
                                               " has schema version " + std::to_string(found) +
                                               "; this hostd reads version " +
                                               std::to_string(kStateSchemaVersion));
      }
    } else {
      if (auto s = db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)"); !s) return s;
      auto insert = SqliteStatement::prepare(raw, "INSERT INTO schema_version VALUES (?)",
                                             errc::kStateDbSchema);
      if (!insert) return insert.error();
      if (auto s = insert->bind(1, std::int64_t{kStateSchemaVersion}).run(); !s) return s;
    }
    return db.exec(kSchema);
  });
  if (!schema) return schema.error();
  return db;
}

StateDb::~StateDb() {
  if (db_ != nullptr) sqlite3_close(db_);
}

StateDb::StateDb(StateDb&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

StateDb& StateDb::operator=(StateDb&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Status StateDb::exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return Error(errc::kStateDbWrite, "state database " + path_.string() + ": " + text);
  }
  return Status::ok();
}

Status StateDb::in_transaction(const std::function<Status()>& body) {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return noted(s);
  Status result = body();
  if (!result) {
    (void)exec("ROLLBACK");
    return noted(result);
  }
  return noted(exec("COMMIT"));
}

Status StateDb::noted(Status result) {
  if (result) {
    last_write_error_.reset();
  } else {
    last_write_error_ = result.error();
  }
  return result;
}

Status StateDb::upsert_guest(const GuestRow& row) {
  auto statement = SqliteStatement::prepare(
      db_,
      "INSERT INTO guests (uuid, name, kernel_release, kernel_version, kernel_build_id, "
      "agent_version, last_contact, status, reason) VALUES (?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(uuid) DO UPDATE SET name=excluded.name, kernel_release=excluded.kernel_release,"
      " kernel_version=excluded.kernel_version, kernel_build_id=excluded.kernel_build_id,"
      " agent_version=excluded.agent_version, last_contact=excluded.last_contact,"
      " status=excluded.status, reason=excluded.reason",
      errc::kStateDbWrite);
  if (!statement) return statement.error();
  statement->bind(1, row.uuid).bind(2, row.name);
  if (row.kernel) {
    statement->bind(3, row.kernel->release)
        .bind(4, row.kernel->version)
        .bind(5, row.kernel->build_id);
  } else {
    statement->bind_null(3).bind_null(4).bind_null(5);
  }
  statement->bind(6, row.agent_version).bind_optional(7, row.last_contact);
  statement->bind(8, row.status).bind(9, row.reason);
  return noted(statement->run());  // one statement: its own transaction
}

namespace {

GuestRow read_guest(const SqliteStatement& s) {
  GuestRow row;
  row.uuid = s.text(0);
  row.name = s.text(1);
  if (!s.is_null(2)) row.kernel = KernelIdentity{s.text(2), s.text(3), s.text(4)};
  row.agent_version = s.text(5);
  if (!s.is_null(6)) row.last_contact = s.integer(6);
  row.status = s.text(7);
  row.reason = s.text(8);
  return row;
}

constexpr const char* kGuestColumns =
    "SELECT uuid, name, kernel_release, kernel_version, kernel_build_id, agent_version, "
    "last_contact, status, reason FROM guests";

Expected<std::vector<GuestBundleRow>> read_bundle_rows(SqliteStatement& statement) {
  std::vector<GuestBundleRow> rows;
  for (;;) {
    auto more = statement.step();
    if (!more) return more.error();
    if (!*more) return rows;
    GuestBundleRow row;
    row.guest_uuid = statement.text(0);
    row.bundle_id = statement.text(1);
    auto event = parse_event(statement.text(2));
    if (!event) {
      return Error(errc::kStateDbCorrupt, "unknown bundle event \"" + statement.text(2) + "\"");
    }
    row.state = *event;
    row.at = statement.integer(3);
    row.code = statement.text(4);
    row.message = statement.text(5);
    row.seq = statement.integer(6);
    rows.push_back(std::move(row));
  }
}

// Runs a query of one guest's bundle rows (guest_uuid, bundle_id, event, at, code, message).
Expected<std::vector<GuestBundleRow>> select_bundle_rows(sqlite3* db, const char* sql,
                                                         const std::string& guest_uuid) {
  auto statement = SqliteStatement::prepare(db, sql, errc::kStateDbRead);
  if (!statement) return statement.error();
  statement->bind(1, guest_uuid);
  return read_bundle_rows(*statement);
}

}  // namespace

Expected<std::vector<GuestRow>> StateDb::guests() const {
  auto statement = SqliteStatement::prepare(
      db_, std::string(kGuestColumns) + " ORDER BY name, uuid", errc::kStateDbRead);
  if (!statement) return statement.error();
  std::vector<GuestRow> rows;
  for (;;) {
    auto more = statement->step();
    if (!more) return more.error();
    if (!*more) return rows;
    rows.push_back(read_guest(*statement));
  }
}

Expected<std::optional<GuestRow>> StateDb::guest(const std::string& uuid) const {
  auto statement = SqliteStatement::prepare(db_, std::string(kGuestColumns) + " WHERE uuid=?",
                                            errc::kStateDbRead);
  if (!statement) return statement.error();
  statement->bind(1, uuid);
  auto more = statement->step();
  if (!more) return more.error();
  if (!*more) return std::optional<GuestRow>();
  return std::optional<GuestRow>(read_guest(*statement));
}

Status StateDb::record_bundle_event(const std::string& guest_uuid, const std::string& bundle_id,
                                    BundleEvent event, std::int64_t at, const std::string& code,
                                    const std::string& message) {
  return in_transaction([&]() -> Status {
    for (const char* sql :
         {"INSERT INTO bundle_events (guest_uuid, bundle_id, event, at, code, message) "
          "VALUES (?,?,?,?,?,?)",
          "INSERT OR REPLACE INTO guest_bundles (guest_uuid, bundle_id, state, at, code, message)"
          " VALUES (?,?,?,?,?,?)"}) {
      auto statement = SqliteStatement::prepare(db_, sql, errc::kStateDbWrite);
      if (!statement) return statement.error();
      statement->bind(1, guest_uuid).bind(2, bundle_id).bind(3, event_name(event));
      statement->bind(4, at).bind(5, code).bind(6, message);
      if (auto s = statement->run(); !s) return s;
    }
    return Status::ok();
  });
}

Expected<std::vector<GuestBundleRow>> StateDb::guest_bundles(const std::string& guest_uuid) const {
  return select_bundle_rows(db_,
                            "SELECT guest_uuid, bundle_id, state, at, code, message, 0 FROM "
                            "guest_bundles WHERE guest_uuid=? ORDER BY bundle_id",
                            guest_uuid);
}

Expected<std::map<std::string, std::vector<GuestBundleRow>>> StateDb::all_guest_bundles() const {
  auto statement = SqliteStatement::prepare(
      db_,
      "SELECT guest_uuid, bundle_id, state, at, code, message, 0 FROM guest_bundles "
      "ORDER BY guest_uuid, bundle_id",
      errc::kStateDbRead);
  if (!statement) return statement.error();
  auto rows = read_bundle_rows(*statement);
  if (!rows) return rows.error();
  std::map<std::string, std::vector<GuestBundleRow>> by_guest;
  for (auto& row : *rows) by_guest[row.guest_uuid].push_back(std::move(row));
  return by_guest;
}

Expected<std::vector<GuestBundleRow>> StateDb::history(const std::string& guest_uuid) const {
  return select_bundle_rows(db_,
                            "SELECT guest_uuid, bundle_id, event, at, code, message, seq FROM "
                            "bundle_events WHERE guest_uuid=? ORDER BY seq",
                            guest_uuid);
}

Expected<std::vector<GuestBundleRow>> StateDb::events_after(std::int64_t after,
                                                            std::size_t limit) const {
  auto statement = SqliteStatement::prepare(
      db_,
      "SELECT guest_uuid, bundle_id, event, at, code, message, seq FROM bundle_events "
      "WHERE seq > ? ORDER BY seq LIMIT ?",
      errc::kStateDbRead);
  if (!statement) return statement.error();
  statement->bind(1, after).bind(2, static_cast<std::int64_t>(limit));
  return read_bundle_rows(*statement);
}

Status StateDb::save_rollout(const RolloutRow& row) {
  auto statement = SqliteStatement::prepare(
      db_,
      "INSERT OR REPLACE INTO rollout (singleton, generation, stage, paused, reason, "
      "stage_since, wait_until) VALUES (1,?,?,?,?,?,?)",
      errc::kStateDbWrite);
  if (!statement) return statement.error();
  statement->bind(1, row.generation).bind(2, row.stage).bind(3, std::int64_t{row.paused});
  statement->bind(4, row.reason).bind(5, row.stage_since).bind(6, row.wait_until);
  return noted(statement->run());
}

Status StateDb::start_rollout(const RolloutRow& row) {
  return in_transaction([&]() -> Status {
    if (auto s = exec("DELETE FROM rollout_canaries"); !s) return s;
    return save_rollout(row);
  });
}

Expected<std::optional<RolloutRow>> StateDb::load_rollout() const {
  auto statement = SqliteStatement::prepare(
      db_, "SELECT generation, stage, paused, reason, stage_since, wait_until FROM rollout",
      errc::kStateDbRead);
  if (!statement) return statement.error();
  auto more = statement->step();
  if (!more) return more.error();
  if (!*more) return std::optional<RolloutRow>();
  RolloutRow row;
  row.generation = statement->text(0);
  row.stage = statement->text(1);
  row.paused = statement->integer(2) != 0;
  row.reason = statement->text(3);
  row.stage_since = statement->integer(4);
  row.wait_until = statement->integer(5);
  return std::optional<RolloutRow>(row);
}

Status StateDb::add_canary(const std::string& guest_uuid) {
  auto statement = SqliteStatement::prepare(
      db_, "INSERT OR IGNORE INTO rollout_canaries (guest_uuid) VALUES (?)", errc::kStateDbWrite);
  if (!statement) return statement.error();
  return noted(statement->bind(1, guest_uuid).run());
}

Expected<std::vector<std::string>> StateDb::canaries() const {
  auto statement = SqliteStatement::prepare(
      db_, "SELECT guest_uuid FROM rollout_canaries ORDER BY guest_uuid", errc::kStateDbRead);
  if (!statement) return statement.error();
  std::vector<std::string> uuids;
  for (;;) {
    auto more = statement->step();
    if (!more) return more.error();
    if (!*more) return uuids;
    uuids.push_back(statement->text(0));
  }
}

Status StateDb::replace_pins(const std::map<std::string, std::string>& pins) {
  return in_transaction([&]() -> Status {
    if (auto s = exec("DELETE FROM pins"); !s) return s;
    for (const auto& [guest_name, bundle_id] : pins) {
      auto statement =
          SqliteStatement::prepare(db_, "INSERT INTO pins VALUES (?,?)", errc::kStateDbWrite);
      if (!statement) return statement.error();
      if (auto s = statement->bind(1, guest_name).bind(2, bundle_id).run(); !s) return s;
    }
    return Status::ok();
  });
}

Expected<std::map<std::string, std::string>> StateDb::pins() const {
  auto statement =
      SqliteStatement::prepare(db_, "SELECT guest, bundle_id FROM pins", errc::kStateDbRead);
  if (!statement) return statement.error();
  std::map<std::string, std::string> pins;
  for (;;) {
    auto more = statement->step();
    if (!more) return more.error();
    if (!*more) return pins;
    pins[statement->text(0)] = statement->text(1);
  }
}

}  // namespace hotsplice::hostd
