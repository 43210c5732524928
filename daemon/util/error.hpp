// Error values for everything below the CLI: functions return Expected<T> and never throw.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace aiots {

// Classifies an error; the value is the process exit code the CLI uses for it.
// 4 and 5 belong to sweeps (aiots-sweep(1)): nothing passed the filter; the same sweep is running.
enum class ErrorKind { Runtime = 1, Usage = 2, Data = 3, NothingPassed = 4, Busy = 5 };

// Carries what went wrong as a message fit for the user, and which kind of failure it is.
struct Error {
  ErrorKind kind = ErrorKind::Runtime;
  std::string message;
};

template <class T>
using Expected = tl::expected<T, Error>;

// Makes an unexpected value of kind `kind` with message `message`.
inline tl::unexpected<Error> fail(ErrorKind kind, std::string message) {
  return tl::unexpected<Error>(Error{kind, std::move(message)});
}
inline tl::unexpected<Error> data_error(std::string message) {
  return fail(ErrorKind::Data, std::move(message));
}
inline tl::unexpected<Error> usage_error(std::string message) {
  return fail(ErrorKind::Usage, std::move(message));
}
inline tl::unexpected<Error> runtime_error(std::string message) {
  return fail(ErrorKind::Runtime, std::move(message));
}

}  // namespace aiots

// Returns early from the enclosing function with the error of `expr`, if any.
#define AIOTS_TRY(expr)                                       \
  do {                                                        \
    auto aiots_try_result_ = (expr);                          \
    if (!aiots_try_result_) {                                 \
      return tl::unexpected(std::move(aiots_try_result_.error())); \
    }                                                         \
  } while (false)

// Declares `var` holding the value of `expr`, or returns early with its error.
#define AIOTS_TRY_ASSIGN(var, expr)                           \
  auto var##_expected_ = (expr);                              \
  if (!var##_expected_) {                                     \
    return tl::unexpected(std::move(var##_expected_.error())); \
  }                                                           \
  auto var = std::move(*var##_expected_)
