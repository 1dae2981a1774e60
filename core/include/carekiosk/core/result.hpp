#pragma once
// Result<T>: the only way library code reports failure across a module boundary.
// An Error carries a category for code to branch on and a message written for a
// person: it says what went wrong, names the field or file, and says what to do.

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace carekiosk::core {

enum class ErrorCode {
    InvalidInput,  // bad config, bad request, bad argument: the message names the field
    NotFound,      // a file, site, code or batch that does not exist
    Io,            // the filesystem refused (permissions, missing directory)
    Storage,       // SQLite failed (disk full, locked, unwritable)
    Corrupt,       // a stored file is damaged or is not what it should be
    Network,       // could not reach the other side (DNS, refused, timeout, reset)
    Tls,           // the other side's certificate or our CA file is not acceptable
    Unauthorized,  // a token or code was missing, wrong, used or expired
    Rejected,      // the other side understood the request and refused it
    Internal,      // a bug: an invariant did not hold
};

const char* toString(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    std::string field;  // the offending field for InvalidInput, else empty
};

inline Error makeError(ErrorCode code, std::string message, std::string field = {}) {
    return Error{code, std::move(message), std::move(field)};
}

// `error` with where it happened said first ("reading kiosk.json: <message>"),
// its code and field kept: callers add context, they never reword a message.
inline Error withContext(Error error, std::string_view context) {
    error.message = std::string(context) + ": " + error.message;
    return error;
}

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : data_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(data_); }
    explicit operator bool() const { return ok(); }

    // Precondition: ok(). Calling these on an error is a programming error.
    T& value() & { return std::get<T>(data_); }
    const T& value() const& { return std::get<T>(data_); }
    T&& value() && { return std::get<T>(std::move(data_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // Precondition: !ok().
    const Error& error() const { return std::get<Error>(data_); }

  private:
    std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

  private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace carekiosk::core

// Returns from the enclosing function with the error of `expr` (a Status, or
// a Result<T> whose value is not needed) if it failed, exactly as it was
// made. The enclosing function returns a Status or a Result<U>.
#define CAREKIOSK_TRY(expr)                                  \
    do {                                                     \
        if (auto carekiosk_try_ = (expr); !carekiosk_try_) { \
            return carekiosk_try_.error();                   \
        }                                                    \
    } while (0)

// Declares `name` = `expr` (a Result<T>, kept as it is: use name.value() or
// name->) and returns its error from the enclosing function if it failed.
// For `auto x = f(); if (!x) { return x.error(); }`, which it replaces.
#define CAREKIOSK_TRY_LET(name, expr) \
    auto name = (expr);               \
    if (!name) {                      \
        return name.error();          \
    }                                 \
    static_assert(true, "a semicolon follows")
