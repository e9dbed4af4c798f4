// The one error idiom of the core: functions that can fail return Result<T> (or Status), carrying
// either a value or an Error whose message is one line that names the thing (file, domain, URL,
// flag) and says what to do next. Failure-first control flow:
//
//   auto key = load_key(path);
//   if (!key) return key.error();
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace certbot {

// Exit codes (docs/user-guide.md, "Exit status").
enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,  // the operation failed (server refused, validation failed, ...)
    kExitUsage = 2,    // bad flags or configuration
    kExitLocked = 3,   // another instance holds the lock
    kExitPartial = 4,  // some lineages renewed, some failed
};

struct Error {
    std::string message;
    int exit_code = kExitFailure;
    // A failure that may pass by itself (a connection that broke or could not be made): an
    // idempotent step may be retried. Everything else is final.
    bool transient = false;

    Error() = default;
    explicit Error(std::string msg, int code = kExitFailure)
        : message(std::move(msg)), exit_code(code) {}
    // Prefix context: err.context("renewing example.com") -> "renewing example.com: <msg>".
    Error context(const std::string& what) const {
        Error e(what + ": " + message, exit_code);
        e.transient = transient;
        return e;
    }
};

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    explicit operator bool() const { return v_.index() == 0; }
    bool ok() const { return v_.index() == 0; }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(v_); }

  private:
    std::variant<T, Error> v_;
};

// Result without a value.
class [[nodiscard]] Status {
  public:
    Status() = default;
    Status(Error error) : err_(std::move(error)) {}
    static Status Ok() { return Status(); }

    explicit operator bool() const { return !err_.has_value(); }
    bool ok() const { return !err_.has_value(); }
    const Error& error() const { return *err_; }

  private:
    std::optional<Error> err_;
};

}  // namespace certbot

// Propagate a failed Status/Result from the current function.
#define CB_TRY(expr)                              \
    do {                                          \
        auto&& cb_try_r_ = (expr);                \
        if (!cb_try_r_) return cb_try_r_.error(); \
    } while (0)
