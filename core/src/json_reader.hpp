#pragma once
// Private helper for strict JSON decoding: reads typed fields from one object,
// remembers which were read, and reports the first problem with the field's
// full path. Not part of core's public interface (which is standard-library only).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "carekiosk/core/result.hpp"

namespace carekiosk::core::detail {

class JsonReader {
  public:
    // `path` prefixes field names in errors, e.g. "checkins[2]".
    JsonReader(const nlohmann::json& object, std::string path);

    bool ok() const { return !error_.has_value(); }
    const Error& error() const { return *error_; }

    std::string string(const char* key, std::size_t maxLength);
    std::optional<std::string> optionalString(const char* key, std::size_t maxLength);
    long long integer(const char* key, long long min, long long max);
    std::optional<long long> optionalInteger(const char* key, long long min, long long max);
    std::optional<bool> optionalBoolean(const char* key);
    double number(const char* key);
    // The array under `key`, or nullptr after recording an error.
    const nlohmann::json* array(const char* key, std::size_t maxItems);
    // Like array(), but a missing key is not an error (nullptr, ok() stays true).
    const nlohmann::json* optionalArray(const char* key, std::size_t maxItems);
    // A list of option ids (see core::validateOptionId), without duplicates.
    std::optional<std::vector<std::string>> optionalIdList(const char* key, std::size_t maxItems);

    // Counts `key` as read without checking it (the caller reads it itself).
    void markRead(const char* key);

    // Records an error for any key that was never read. Call after reading.
    void rejectUnknownFields();

    std::string fieldPath(const std::string& key) const;
    void fail(const std::string& key, const std::string& message);

  private:
    const nlohmann::json* find(const char* key, bool required);

    const nlohmann::json& object_;
    std::string path_;
    // The keys read so far. A handful per object: a vector searched in order
    // costs less than a set's allocation per key (a batch has 500 objects).
    std::vector<std::string> seen_;
    std::optional<Error> error_;
};

// Parses text into a JSON object or returns an error naming `what`.
Result<nlohmann::json> parseObject(std::string_view text, const std::string& what);

}  // namespace carekiosk::core::detail
