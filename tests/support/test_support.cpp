#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace carekiosk::testing {

TempDir::TempDir() {
    // CAREKIOSK_TEST_SCRATCH in the environment moves the scratch area (the test
    // "the tests pass from a checkout under a long path" sets a 150-character one).
    const char* moved = std::getenv("CAREKIOSK_TEST_SCRATCH");
    const auto base = std::filesystem::path(moved && *moved ? moved : CAREKIOSK_TEST_SCRATCH);
    std::filesystem::create_directories(base);
    std::string pattern = (base / "t-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
        throw std::runtime_error("mkdtemp failed under " + base.string());
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TestCa::dir() {
    const auto dir = std::filesystem::path(CAREKIOSK_TEST_CA_DIR);
    if (!std::filesystem::exists(dir / "ca.pem")) {
        throw std::runtime_error("test CA missing in " + dir.string() +
                                 "; run the tests through ctest (fixture make_test_ca)");
    }
    return dir;
}

bool testingPostgres() {
    const char* store = std::getenv("CAREKIOSK_TEST_STORE");
    return store && std::string(store) == "postgres";
}

namespace {

// The run's PostgreSQL server, without a database name.
std::string postgresServer() {
    if (const char* url = std::getenv("CAREKIOSK_TEST_POSTGRES_URL"); url && *url) {
        return url;
    }
    if (const char* dir = std::getenv("CAREKIOSK_TEST_POSTGRES_DIR"); dir && *dir) {
        std::ifstream in(std::filesystem::path(dir) / "url");
        std::string url;
        if (std::getline(in, url) && !url.empty()) {
            return url;
        }
    }
    throw std::runtime_error(
        "--store postgres needs a PostgreSQL server: run the tests through ctest (its "
        "postgres_start fixture starts one) or start one with scripts/postgres start DIR and "
        "set CAREKIOSK_TEST_POSTGRES_URL to what it prints");
}

}  // namespace

TestDatabase::TestDatabase(const std::filesystem::path& dir) {
    if (!testingPostgres()) {
        location_ = (dir / "collector.db").string();
        return;
    }
    postgres_ = true;
    const std::string server = postgresServer();
    auto admin = collector::sql::connectPostgres(server + "/postgres");
    if (!admin) {
        throw std::runtime_error(admin.error().message);
    }
    // A name no other test of the run takes: the temporary directory's own.
    std::string name = "t_" + dir.filename().string();
    for (char& c : name) {
        c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    }
    if (auto made = admin.value()->exec("CREATE DATABASE " + name); !made) {
        throw std::runtime_error(made.error().message);
    }
    location_ = server + "/" + name;
}

std::vector<std::string> TestDatabase::query(const std::string& sql) const {
    if (!postgres_) {
        return queryStrings(location_, sql);
    }
    auto db = collector::sql::connectPostgres(location_);
    if (!db) {
        throw std::runtime_error(db.error().message);
    }
    auto stmt = db.value()->prepare(sql);
    if (!stmt) {
        throw std::runtime_error("bad test query: " + stmt.error().message);
    }
    std::vector<std::string> out;
    auto status = collector::sql::forEachRow(stmt.value(), [&] {
        out.push_back(stmt->columnIsNull(0) ? std::string() : stmt->columnText(0));
    });
    if (!status) {
        throw std::runtime_error(status.error().message);
    }
    return out;
}

TestCollector::TestCollector(const std::string& db, const std::string& certFile,
                             const std::string& keyFile) {
    start(db, systemClock_, certFile, keyFile);
}

TestCollector::TestCollector(const std::string& db, const core::Clock& clock) {
    start(db, clock, TestCa::serverCert(), TestCa::serverKey());
}

void TestCollector::start(const std::string& db, const core::Clock& clock,
                          const std::string& certFile, const std::string& keyFile) {
    auto store = collector::Store::connect(db, clock, random_);
    if (!store) {
        throw std::runtime_error(store.error().message);
    }
    store_ = std::move(store).value();
    auto server = collector::Server::create(
        *store_, collector::ServerOptions{certFile, keyFile, "127.0.0.1", 0});
    if (!server) {
        throw std::runtime_error(server.error().message);
    }
    server_ = std::move(server).value();
    auto port = server_->bind();
    if (!port) {
        throw std::runtime_error(port.error().message);
    }
    port_ = port.value();
    // The socket is already listening (bind() did that), so clients can connect
    // as soon as the constructor returns; the thread only accepts.
    thread_ = std::thread([this] { (void)server_->run(); });
    // stop() only works once the accept loop runs; wait for it (with a deadline).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_->running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    if (!server_->running()) {
        throw std::runtime_error("the test collector did not start within 10 s");
    }
}

TestCollector::~TestCollector() {
    server_->stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::unique_ptr<upload::HttpSender> makeTestSender(std::chrono::seconds requestTimeout) {
    upload::TlsOptions tls;
    tls.caFile = TestCa::caFile();
    tls.requestTimeout = requestTimeout;
    return upload::makeCurlSender(tls);
}

void execSqlFile(const std::filesystem::path& db, const std::filesystem::path& sqlFile) {
    std::ifstream in(sqlFile);
    if (!in) {
        throw std::runtime_error("cannot read " + sqlFile.string());
    }
    const std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    sqlite3* handle = nullptr;
    sqlite3_open(db.c_str(), &handle);
    char* message = nullptr;
    const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &message);
    const std::string error = message ? message : "";
    sqlite3_free(message);
    sqlite3_close(handle);
    if (rc != SQLITE_OK) {
        throw std::runtime_error("fixture " + sqlFile.string() + " failed: " + error);
    }
}

std::vector<std::string> queryStrings(const std::filesystem::path& db, const std::string& sql) {
    sqlite3* handle = nullptr;
    std::vector<std::string> out;
    if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(handle);
        throw std::runtime_error("cannot open " + db.string());
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(handle);
        sqlite3_close(handle);
        throw std::runtime_error("bad test query: " + message);
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(stmt, 0);
        out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return out;
}

namespace {

pid_t spawn(const std::vector<std::string>& argv, int outFd, int errFd) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, outFd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, errFd, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    return pid;
}

std::string drain(int fd) {
    std::string out;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv) {
    // Output goes to temporary files rather than pipes, so a chatty child can
    // never block on a full pipe while we wait for it.
    FILE* out = std::tmpfile();
    FILE* err = std::tmpfile();
    const pid_t pid = spawn(argv, fileno(out), fileno(err));
    int status = 0;
    waitpid(pid, &status, 0);
    CommandResult result;
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::rewind(out);
    std::rewind(err);
    result.out = drain(fileno(out));
    result.err = drain(fileno(err));
    std::fclose(out);
    std::fclose(err);
    return result;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

std::string runOk(const std::vector<std::string>& argv) {
    auto r = runCommand(argv);
    INFO(argv[0] << " said: " << r.out << r.err);
    REQUIRE(r.exitCode == 0);
    return trimmed(r.out);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, bool mergeStderr) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    pid_ = spawn(argv, fds[1], mergeStderr ? fds[1] : STDERR_FILENO);
    close(fds[1]);
    stdoutFd_ = fds[0];
}

void ChildProcess::kill(int signal) {
    if (pid_ > 0) {
        ::kill(pid_, signal);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }
}

ChildProcess::~ChildProcess() {
    kill(SIGTERM);
    if (stdoutFd_ >= 0) {
        close(stdoutFd_);
    }
}

std::string ChildProcess::stopAndReadRest() {
    kill(SIGTERM);
    std::string rest = std::move(buffer_);
    buffer_.clear();
    char chunk[1024];
    ssize_t n = 0;
    // The child has exited, so the pipe ends once its output is read.
    while ((n = read(stdoutFd_, chunk, sizeof chunk)) > 0) {
        rest.append(chunk, static_cast<std::size_t>(n));
    }
    return rest;
}

std::string ChildProcess::readLine(std::chrono::steady_clock::time_point deadline) {
    while (true) {
        const auto newline = buffer_.find('\n');
        if (newline != std::string::npos) {
            std::string line = buffer_.substr(0, newline);
            buffer_.erase(0, newline + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return {};
        }
        pollfd p{stdoutFd_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            continue;
        }
        char chunk[1024];
        const ssize_t n = read(stdoutFd_, chunk, sizeof chunk);
        if (n <= 0) {
            return {};
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

const collector::BuddyKeyPair& testBuddyKeys() {
    static const collector::BuddyKeyPair keys = collector::makeBuddyKeyPair().value();
    return keys;
}

core::KioskConfig offlineKioskConfig(const TempDir& dir) {
    core::KioskConfig c;
    c.buddyPublicKey = testBuddyKeys().publicKeyBase64;
    c.serverUrl = "https://127.0.0.1:9";  // never contacted
    c.caFile = TestCa::caFile();
    c.deviceId = "kiosk-test";
    c.deviceToken = "token";
    c.siteId = "leeds";
    c.siteName = "Leeds office";
    c.databasePath = (dir / "kiosk.db").string();
    c.fullscreen = false;
    return c;
}

upload::HttpResponse sendOk(upload::HttpSender& sender, const std::string& method,
                            const std::string& url, const std::string& token,
                            const std::string& body) {
    upload::HttpRequest request;
    request.method = method;
    request.url = url;
    request.bearerToken = token;
    request.body = body;
    auto response = sender.send(request);
    INFO(method << " " << url);
    REQUIRE(response);
    return response.value();
}

}  // namespace carekiosk::testing

namespace carekiosk::testing {

StderrCapture::StderrCapture() {
    char name[] = "/tmp/carekiosk-stderr-XXXXXX";
    const int fd = ::mkstemp(name);
    if (fd < 0) {
        throw std::runtime_error("cannot create a file for standard error");
    }
    path_ = name;
    std::fflush(stderr);
    saved_ = ::dup(2);
    ::dup2(fd, 2);
    ::close(fd);
}

StderrCapture::~StderrCapture() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

std::string StderrCapture::text() const {
    std::fflush(stderr);
    std::ifstream in(path_, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace carekiosk::testing
