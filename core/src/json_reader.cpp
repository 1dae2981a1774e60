#include "json_reader.hpp"

#include <algorithm>

#include "carekiosk/core/checkin.hpp"

namespace carekiosk::core::detail {

JsonReader::JsonReader(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) {
        error_ = makeError(
            ErrorCode::InvalidInput,
            (path_.empty() ? std::string("the document") : path_) + " must be a JSON object",
            path_);
    }
}

std::string JsonReader::fieldPath(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
}

void JsonReader::fail(const std::string& key, const std::string& message) {
    if (!error_) {
        error_ = makeError(ErrorCode::InvalidInput, fieldPath(key) + " " + message, fieldPath(key));
    }
}

void JsonReader::markRead(const char* key) {
    if (std::find(seen_.begin(), seen_.end(), key) == seen_.end()) {
        seen_.emplace_back(key);
    }
}

const nlohmann::json* JsonReader::find(const char* key, bool required) {
    if (error_) {
        return nullptr;
    }
    markRead(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
        if (required) {
            fail(key, "is missing; add it");
        }
        return nullptr;
    }
    return &*it;
}

std::optional<std::string> JsonReader::optionalString(const char* key, std::size_t maxLength) {
    const auto* value = find(key, false);
    if (!value) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        fail(key, "must be a string");
        return std::nullopt;
    }
    auto text = value->get<std::string>();
    if (text.size() > maxLength) {
        fail(key, "is longer than " + std::to_string(maxLength) + " characters");
        return std::nullopt;
    }
    return text;
}

std::string JsonReader::string(const char* key, std::size_t maxLength) {
    if (!find(key, true)) {
        return {};
    }
    return optionalString(key, maxLength).value_or(std::string{});
}

std::optional<long long> JsonReader::optionalInteger(const char* key, long long min,
                                                     long long max) {
    const auto* value = find(key, false);
    if (!value) {
        return std::nullopt;
    }
    if (!value->is_number_integer()) {
        fail(key, "must be a whole number between " + std::to_string(min) + " and " +
                      std::to_string(max));
        return std::nullopt;
    }
    const long long n = value->get<long long>();
    if (n < min || n > max) {
        fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                      " (got " + std::to_string(n) + ")");
        return std::nullopt;
    }
    return n;
}

long long JsonReader::integer(const char* key, long long min, long long max) {
    if (!find(key, true)) {
        return min;
    }
    return optionalInteger(key, min, max).value_or(min);
}

std::optional<bool> JsonReader::optionalBoolean(const char* key) {
    const auto* value = find(key, false);
    if (!value) {
        return std::nullopt;
    }
    if (!value->is_boolean()) {
        fail(key, "must be true or false");
        return std::nullopt;
    }
    return value->get<bool>();
}

double JsonReader::number(const char* key) {
    const auto* value = find(key, true);
    if (!value) {
        return 0.0;
    }
    if (!value->is_number()) {
        fail(key, "must be a number");
        return 0.0;
    }
    return value->get<double>();
}

const nlohmann::json* JsonReader::array(const char* key, std::size_t maxItems) {
    if (!find(key, true)) {
        return nullptr;
    }
    return optionalArray(key, maxItems);
}

const nlohmann::json* JsonReader::optionalArray(const char* key, std::size_t maxItems) {
    const auto* value = find(key, false);
    if (!value) {
        return nullptr;
    }
    if (!value->is_array()) {
        fail(key, "must be a JSON array");
        return nullptr;
    }
    if (value->size() > maxItems) {
        fail(key, "has " + std::to_string(value->size()) + " items; at most " +
                      std::to_string(maxItems) + " are allowed");
        return nullptr;
    }
    return value;
}

std::optional<std::vector<std::string>> JsonReader::optionalIdList(const char* key,
                                                                   std::size_t maxItems) {
    const auto* items = optionalArray(key, maxItems);
    if (!items) {
        return std::nullopt;
    }
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < items->size(); ++i) {
        const std::string itemPath = std::string(key) + "[" + std::to_string(i) + "]";
        const auto& item = (*items)[i];
        if (!item.is_string()) {
            fail(itemPath, "must be a string such as \"workload\"");
            return std::nullopt;
        }
        auto id = item.get<std::string>();
        if (auto valid = validateOptionId(id, fieldPath(itemPath)); !valid) {
            if (!error_) {
                error_ = valid.error();
            }
            return std::nullopt;
        }
        if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
            fail(itemPath, "repeats \"" + id + "\"; list each option once");
            return std::nullopt;
        }
        ids.push_back(std::move(id));
    }
    return ids;
}

void JsonReader::rejectUnknownFields() {
    if (error_) {
        return;
    }
    for (const auto& item : object_.items()) {
        if (std::find(seen_.begin(), seen_.end(), item.key()) == seen_.end()) {
            fail(item.key(), "is not a known field; remove it");
            return;
        }
    }
}

namespace {

// More objects and arrays than any request or config of ours holds (a full
// batch of 500 check-ins with reasons has about 1,000). nlohmann's callback
// parser rescans an array each time an object in it closes, so a body of
// many tiny objects cost time quadratic in their number: 64 KB of "{}," took
// 0.16 s of CPU, 4 MiB minutes. Counted first, in one linear pass.
constexpr std::size_t kMaxContainers = 8192;

std::size_t countContainers(std::string_view text) {
    std::size_t count = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;  // whatever is escaped, it does not end the string
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++count;
        }
    }
    return count;
}

}  // namespace

Result<nlohmann::json> parseObject(std::string_view text, const std::string& what) {
    if (const auto containers = countContainers(text); containers > kMaxContainers) {
        return makeError(ErrorCode::InvalidInput, what + " holds " + std::to_string(containers) +
                                                      " objects and arrays; at most " +
                                                      std::to_string(kMaxContainers) +
                                                      " are taken");
    }
    // nlohmann keeps the last of two equal keys; a reader of the same text
    // might take the first. Either way the sender meant two things at once:
    // refuse it, naming the key. Each open object keeps the keys seen in it.
    std::vector<std::vector<std::string>> open;
    std::optional<std::string> repeated;
    const nlohmann::json::parser_callback_t check = [&](int, nlohmann::json::parse_event_t event,
                                                        nlohmann::json& parsed) {
        using Event = nlohmann::json::parse_event_t;
        if (event == Event::object_start) {
            open.emplace_back();
        } else if (event == Event::object_end && !open.empty()) {
            open.pop_back();
        } else if (event == Event::key && !open.empty() && !repeated) {
            const auto name = parsed.get<std::string>();
            auto& keys = open.back();
            if (std::find(keys.begin(), keys.end(), name) != keys.end()) {
                repeated = name;
            } else {
                keys.push_back(name);
            }
        }
        return true;
    };
    auto parsed = nlohmann::json::parse(text, check, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
        return makeError(ErrorCode::InvalidInput,
                         what + " is not valid JSON; check for a missing quote, comma or brace");
    }
    if (repeated) {
        return makeError(
            ErrorCode::InvalidInput,
            what + " gives the key \"" + *repeated + "\" twice in one object; give each key once",
            *repeated);
    }
    if (!parsed.is_object()) {
        return makeError(ErrorCode::InvalidInput, what + " must be a JSON object ({...})");
    }
    return parsed;
}

}  // namespace carekiosk::core::detail
