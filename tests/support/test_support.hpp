#pragma once
// Shared helpers for the carekiosk tests: temporary directories, seeded
// randomness, the per-run test CA, child processes, and an in-process
// collector on 127.0.0.1 over real TLS.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "carekiosk/collector/buddy_inbox.hpp"
#include "carekiosk/collector/server.hpp"
#include "carekiosk/collector/store.hpp"
#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/config.hpp"
#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::testing {

// A fresh directory under the build tree's test scratch area, removed on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

// Deterministic randomness for tests.
class SeededRandom final : public core::RandomSource {
  public:
    explicit SeededRandom(std::uint64_t seed = 42) : engine_(seed) {}
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) {
            b = static_cast<std::uint8_t>(engine_());
        }
    }

  private:
    std::mt19937_64 engine_;
};

// A clock the test sets by hand. Safe to read from other threads (a
// collector's) while the test moves it.
class ManualClock final : public core::Clock {
  public:
    explicit ManualClock(std::chrono::system_clock::time_point t)
        : nanos_(t.time_since_epoch().count()) {}
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::time_point(
            std::chrono::system_clock::duration(nanos_.load()));
    }
    void advance(std::chrono::seconds s) {
        nanos_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(s).count();
    }
    void set(std::chrono::system_clock::time_point t) { nanos_ = t.time_since_epoch().count(); }

  private:
    std::atomic<std::chrono::system_clock::rep> nanos_;
};

// A fixed "now" for collector tests, so that dates in them never age:
// 2026-12-01T12:00:00Z (Unix seconds).
inline constexpr std::int64_t kTestNow = 1796126400;
inline std::chrono::system_clock::time_point testNow() {
    return std::chrono::system_clock::time_point(std::chrono::seconds(kTestNow));
}

// Files made by scripts/make-ca for this ctest run (see tests/CMakeLists.txt).
struct TestCa {
    static std::filesystem::path dir();
    static std::string caFile() { return (dir() / "ca.pem").string(); }
    static std::string serverCert() { return (dir() / "server.pem").string(); }
    static std::string serverKey() { return (dir() / "server.key").string(); }
    static std::string otherCaFile() { return (dir() / "other-ca.pem").string(); }
    static std::string otherServerCert() { return (dir() / "other-server.pem").string(); }
    static std::string otherServerKey() { return (dir() / "other-server.key").string(); }
};

// The organisation keypair of this test process (made once), whose public key
// the test kiosk configs carry so that buddy requests are offered and sealed.
const collector::BuddyKeyPair& testBuddyKeys();

// A kiosk config for site "leeds" whose collector is never contacted (port 9),
// with its database in `dir`, windowed, the test CA and testBuddyKeys().
core::KioskConfig offlineKioskConfig(const TempDir& dir);

// A real collector (Store + HTTPS Server) on 127.0.0.1, on a free port, served
// from a background thread. Stopped and joined on destruction.
// The database a collector test stores into: a SQLite file in `dir`, or,
// when the suite runs with `--store postgres` (ctest's "postgres:" tests), a
// new database of its own on the run's PostgreSQL server (scripts/postgres,
// started by ctest's postgres_start fixture; its address from
// $CAREKIOSK_TEST_POSTGRES_URL, or DIR/url for $CAREKIOSK_TEST_POSTGRES_DIR).
class TestDatabase {
  public:
    explicit TestDatabase(const std::filesystem::path& dir);
    // What `carekiosk-collector --db` and Store::connect take.
    const std::string& location() const { return location_; }
    bool isPostgres() const { return postgres_; }
    // Runs `sql` and returns the first column of each row as text.
    std::vector<std::string> query(const std::string& sql) const;

  private:
    std::string location_;
    bool postgres_ = false;
};

// True when this run stores into PostgreSQL (see TestDatabase).
bool testingPostgres();

class TestCollector {
  public:
    // `db`: a SQLite path, or a TestDatabase's location.
    explicit TestCollector(const std::string& db,
                           const std::string& certFile = TestCa::serverCert(),
                           const std::string& keyFile = TestCa::serverKey());
    // With the store on `clock` (which must outlive the collector).
    TestCollector(const std::string& db, const core::Clock& clock);
    ~TestCollector();
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
    collector::Store& store() { return *store_; }

  private:
    void start(const std::string& db, const core::Clock& clock, const std::string& certFile,
               const std::string& keyFile);
    core::SystemClock systemClock_;
    core::SystemRandom random_;
    std::unique_ptr<collector::Store> store_;
    std::unique_ptr<collector::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

// Runs a query on any SQLite file (read-only) and returns the first column as text.
std::vector<std::string> queryStrings(const std::filesystem::path& db, const std::string& sql);

// A libcurl sender that trusts only this run's test CA.
std::unique_ptr<upload::HttpSender> makeTestSender(
    std::chrono::seconds requestTimeout = std::chrono::seconds(60));

// Sends one request that must get an answer (any status); REQUIREs the transport.
upload::HttpResponse sendOk(upload::HttpSender& sender, const std::string& method,
                            const std::string& url, const std::string& token,
                            const std::string& body = {});

// Creates or extends a SQLite file by running the SQL script at `sqlFile`.
void execSqlFile(const std::filesystem::path& db, const std::filesystem::path& sqlFile);

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Runs a program (no shell) to completion and captures its output.
CommandResult runCommand(const std::vector<std::string>& argv);
// Runs a program that must succeed (REQUIRE, with its output in the failure
// message) and returns its stdout without trailing white space.
std::string runOk(const std::vector<std::string>& argv);
// `text` without trailing spaces and line ends.
std::string trimmed(std::string text);

// A long-running child process whose stdout can be read line by line.
// Sends this process's standard error (fd 2) to a temporary file while it
// lives, so a test can read what the code under test logged.
class StderrCapture {
  public:
    StderrCapture();
    ~StderrCapture();  // restores fd 2 and deletes the file
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;
    // Everything written to standard error since construction.
    std::string text() const;

  private:
    int saved_ = -1;
    std::filesystem::path path_;
};

class ChildProcess {
  public:
    // `mergeStderr`: the child's standard error joins its standard output in
    // what readLine() and stopAndReadRest() return.
    explicit ChildProcess(const std::vector<std::string>& argv, bool mergeStderr = false);
    ~ChildProcess();  // SIGTERM, then wait
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    // Sends `signal` (e.g. SIGKILL) and waits for the process to end.
    void kill(int signal);
    // The next stdout line, or empty if none arrived before the deadline.
    std::string readLine(std::chrono::steady_clock::time_point deadline);
    // Stops the process (SIGTERM) and returns all it wrote that was not read yet.
    std::string stopAndReadRest();
    int pid() const { return pid_; }

  private:
    int pid_ = -1;
    int stdoutFd_ = -1;
    std::string buffer_;
};

}  // namespace carekiosk::testing
