#include "carekiosk/core/checkin.hpp"

#include <random>

#include "carekiosk/core/clock.hpp"

namespace carekiosk::core {

std::int64_t hourBucketOf(std::chrono::system_clock::time_point t) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    // Floor division, so times before 1970 still round down rather than toward zero.
    std::int64_t hours = seconds / kSecondsPerHour;
    if (seconds % kSecondsPerHour < 0) {
        --hours;
    }
    return hours * kSecondsPerHour;
}

Status validateSiteId(const std::string& siteId, const std::string& field) {
    const bool lengthOk = !siteId.empty() && siteId.size() <= kMaxSiteIdLength;
    bool charsOk = true;
    for (char c : siteId) {
        const bool allowed =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        charsOk = charsOk && allowed;
    }
    if (!lengthOk || !charsOk) {
        return makeError(ErrorCode::InvalidInput,
                         field +
                             " must be 1-64 characters of lowercase letters, digits, '-' or "
                             "'_' (got \"" +
                             siteId.substr(0, 80) + "\")",
                         field);
    }
    return {};
}

Status validateOptionId(const std::string& id, const std::string& field) {
    bool ok = !id.empty() && id.size() <= kMaxOptionIdLength;
    for (char c : id) {
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
    }
    if (!ok) {
        return makeError(ErrorCode::InvalidInput,
                         field +
                             " must be an option id of 1-32 lowercase letters, digits, '-' or '_' "
                             "(got \"" +
                             id.substr(0, 40) + "\")",
                         field);
    }
    return {};
}

Status validateCheckIn(const CheckIn& checkIn) {
    if (checkIn.score < kMinScore || checkIn.score > kMaxScore) {
        return makeError(
            ErrorCode::InvalidInput,
            "score must be between 1 and 5 (got " + std::to_string(checkIn.score) + ")", "score");
    }
    CAREKIOSK_TRY(validateSiteId(checkIn.siteId));
    if (checkIn.questionSetVersion < 1) {
        return makeError(ErrorCode::InvalidInput,
                         "question_set_version must be 1 or more (got " +
                             std::to_string(checkIn.questionSetVersion) + ")",
                         "question_set_version");
    }
    if (checkIn.hourBucket % kSecondsPerHour != 0) {
        return makeError(ErrorCode::InvalidInput,
                         "hour must be Unix seconds rounded down to a whole hour (got " +
                             std::to_string(checkIn.hourBucket) + ")",
                         "hour");
    }
    if (!checkIn.team.empty()) {
        CAREKIOSK_TRY(validateOptionId(checkIn.team, "team"));
    }
    if (checkIn.reasons.size() > kMaxReasons) {
        return makeError(ErrorCode::InvalidInput,
                         "reasons has " + std::to_string(checkIn.reasons.size()) +
                             " items; at most " + std::to_string(kMaxReasons) + " are allowed",
                         "reasons");
    }
    for (std::size_t i = 0; i < checkIn.reasons.size(); ++i) {
        const std::string field = "reasons[" + std::to_string(i) + "]";
        CAREKIOSK_TRY(validateOptionId(checkIn.reasons[i], field));
        if (i > 0 && checkIn.reasons[i - 1] >= checkIn.reasons[i]) {
            return makeError(ErrorCode::InvalidInput,
                             "reasons must be sorted and without repeats (\"" + checkIn.reasons[i] +
                                 "\" is out of order or repeated)",
                             field);
        }
    }
    return {};
}

std::uint64_t RandomSource::uniform(std::uint64_t bound) {
    // Rejection sampling avoids the modulo bias of `x % bound`.
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    while (true) {
        std::uint64_t x = 0;
        fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&x), sizeof x));
        if (x < limit) {
            return x % bound;
        }
    }
}

void SystemRandom::fill(std::span<std::uint8_t> out) {
    // One device per thread: std::random_device is not documented as
    // thread-safe, and opening one per call cost the collector half its CPU
    // (a random key for every stored row; found with perf under bench/run).
    thread_local std::random_device device;
    std::size_t i = 0;
    while (i < out.size()) {
        const unsigned int word = device();
        for (std::size_t b = 0; b < sizeof word && i < out.size(); ++b, ++i) {
            out[i] = static_cast<std::uint8_t>(word >> (8 * b));
        }
    }
}

std::string randomHex(RandomSource& random, std::size_t byteCount) {
    std::string bytes(byteCount, '\0');
    random.fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(bytes.data()), byteCount));
    return toHex(bytes);
}

std::string toHex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        hex.push_back(kDigits[c >> 4]);
        hex.push_back(kDigits[c & 0x0f]);
    }
    return hex;
}

bool fromHex(std::string_view hex, std::string& bytes) {
    auto digit = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    if (hex.size() % 2 != 0) {
        return false;
    }
    bytes.clear();
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int high = digit(hex[i]);
        const int low = digit(hex[i + 1]);
        if (high < 0 || low < 0) {
            return false;
        }
        bytes.push_back(static_cast<char>(high * 16 + low));
    }
    return true;
}

}  // namespace carekiosk::core
