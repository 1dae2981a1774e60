#pragma once
// A datagram socket standing in for systemd's notify socket (NOTIFY_SOCKET), for
// the tests and bench/startup. Header-only, so the benchmark can use it without
// the Catch2 test support library.
//
// Why it lives in a directory of its own under /tmp: a Unix socket's path must fit
// in sockaddr_un::sun_path (108 bytes on Linux, the terminating NUL included). A
// socket under the build tree would have a length that depends on where the
// checkout lives, and snprintf/strncpy into sun_path truncate silently: bind then
// succeeds at a different path and nothing reaches the socket. /tmp/carekiosk-
// notify-XXXXXX/notify.sock is 40 bytes wherever the checkout is (and TMPDIR,
// which a caller may set to anything, is deliberately not used).

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace carekiosk::testing {

// Throws std::runtime_error, naming the path, when `path` does not fit in
// sun_path; otherwise fills `address` with it. Never truncates.
inline sockaddr_un unixAddress(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) {
        throw std::runtime_error("the Unix socket path " + path + " is " +
                                 std::to_string(path.size()) + " bytes; it must be under " +
                                 std::to_string(sizeof address.sun_path) +
                                 " (make the socket in a short directory such as /tmp)");
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    return address;
}

class NotifySocket {
  public:
    // Makes the directory and binds the socket; throws std::runtime_error with the
    // reason when either fails.
    NotifySocket() {
        std::string pattern = "/tmp/carekiosk-notify-XXXXXX";
        if (!::mkdtemp(pattern.data())) {
            throw std::runtime_error("mkdtemp /tmp/carekiosk-notify-XXXXXX: " +
                                     std::string(std::strerror(errno)));
        }
        dir_ = pattern;
        path_ = dir_ + "/notify.sock";
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        const sockaddr_un address = unixAddress(path_);
        if (fd_ < 0 ||
            ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
            const std::string reason = std::strerror(errno);
            cleanUp();
            throw std::runtime_error("cannot bind a notify socket at " + path_ + ": " + reason);
        }
    }
    ~NotifySocket() { cleanUp(); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    // The value for NOTIFY_SOCKET.
    const std::string& path() const { return path_; }

    // The next message, waiting up to `timeout`; nullopt when none came.
    std::optional<std::string> receive(std::chrono::milliseconds timeout) const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
            return std::nullopt;
        }
        char buffer[1024];
        const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) {
            return std::nullopt;
        }
        return std::string(buffer, static_cast<std::size_t>(n));
    }

  private:
    void cleanUp() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }

    std::string dir_;
    std::string path_;
    int fd_ = -1;
};

}  // namespace carekiosk::testing
