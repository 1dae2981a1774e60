// The wire format of batches and their acknowledgements: the collector's
// hot path (a SAX decoder that builds no tree for plainly valid batches) and
// the tree decoder that words every error. The other messages are in wire.cpp.
#include "carekiosk/core/wire.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "carekiosk/core/calendar.hpp"
#include "json_reader.hpp"

namespace carekiosk::core {

using detail::JsonReader;
using detail::parseObject;
using nlohmann::json;

namespace {

// Hour buckets are accepted from 2020 to 2100: anything else is a broken clock.
constexpr long long kMinHour = 1577836800;  // 2020-01-01T00:00Z
constexpr long long kMaxHour = 4102444800;  // 2100-01-01T00:00Z
constexpr std::size_t kMaxTeamLength = kMaxOptionIdLength;

Status validateBatchId(const std::string& id, const std::string& field) {
    bool ok = id.size() == kBatchIdLength;
    for (char c : id) {
        ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
    if (!ok) {
        return makeError(ErrorCode::InvalidInput, field + " must be 32 lowercase hex characters",
                         field);
    }
    return {};
}

}  // namespace

std::string encodeBatch(const Batch& batch) {
    json rows = json::array();
    for (const auto& c : batch.checkIns) {
        json row{{"score", c.score},
                 {"site_id", c.siteId},
                 {"question_set_version", c.questionSetVersion},
                 {"hour", c.hourBucket},
                 {"reasons", c.reasons}};
        if (!c.team.empty()) {
            row["team"] = c.team;
        }
        rows.push_back(std::move(row));
    }
    return json{{"batch_id", batch.batchId}, {"checkins", std::move(rows)}}.dump();
}

namespace {

// The collector's hot path: a batch decoded straight from the parser's events
// (no JSON tree: a batch is 500 objects). It accepts only plainly valid
// batches, checked as decodeBatchFromTree checks them, and gives up on
// anything else (an unknown or repeated key, a null, a wrong type, a value out
// of range), so that decodeBatchFromTree finds the error and words it.
class FastBatchDecoder : public nlohmann::json_sax<json> {
  public:
    std::optional<Batch> decode(std::string_view text) {
        if (!json::sax_parse(text.begin(), text.end(), this) || expect_ != Expect::Done ||
            !valid()) {
            return std::nullopt;
        }
        return std::move(batch_);
    }

    bool null() override { return false; }
    bool boolean(bool) override { return false; }
    bool number_float(double, const string_t&) override { return false; }
    bool binary(binary_t&) override { return false; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }
    bool number_unsigned(number_unsigned_t value) override {
        return value <= static_cast<number_unsigned_t>(std::numeric_limits<long long>::max()) &&
               number_integer(static_cast<number_integer_t>(value));
    }
    bool number_integer(number_integer_t value) override {
        // Only these three keys take numbers; each is expected inside a row.
        switch (expect_) {
            case Expect::Score:
                if (value < kMinScore || value > kMaxScore) {
                    return false;
                }
                batch_.checkIns.back().score = static_cast<int>(value);
                break;
            case Expect::QuestionSetVersion:
                if (value < 1 || value > 1000000) {
                    return false;
                }
                batch_.checkIns.back().questionSetVersion = static_cast<int>(value);
                break;
            case Expect::Hour:
                if (value < kMinHour || value > kMaxHour) {
                    return false;
                }
                batch_.checkIns.back().hourBucket = value;
                break;
            default:
                return false;
        }
        expect_ = Expect::RowKey;
        return true;
    }
    bool string(string_t& value) override {
        switch (expect_) {
            case Expect::BatchId:
                batch_.batchId = std::move(value);
                expect_ = Expect::RootKey;
                return true;
            case Expect::SiteId:
                batch_.checkIns.back().siteId = std::move(value);
                expect_ = Expect::RowKey;
                return true;
            case Expect::Team:
                batch_.checkIns.back().team = std::move(value);
                expect_ = Expect::RowKey;
                return true;
            case Expect::ReasonOrEnd:
                batch_.checkIns.back().reasons.push_back(std::move(value));
                return true;
            default:
                return false;
        }
    }
    bool start_object(std::size_t) override {
        if (expect_ == Expect::RootObject) {
            expect_ = Expect::RootKey;
            return true;
        }
        if (expect_ == Expect::RowOrEnd && batch_.checkIns.size() < kMaxRowsPerBatch) {
            batch_.checkIns.emplace_back();
            rowKeys_ = 0;
            expect_ = Expect::RowKey;
            return true;
        }
        return false;
    }
    bool end_object() override {
        if (expect_ == Expect::RowKey) {
            expect_ = Expect::RowOrEnd;
            return (rowKeys_ & kRequiredRowKeys) == kRequiredRowKeys;
        }
        if (expect_ == Expect::RootKey) {
            expect_ = Expect::Done;
            return rootKeys_ == 3;
        }
        return false;
    }
    bool start_array(std::size_t) override {
        if (expect_ == Expect::Checkins) {
            expect_ = Expect::RowOrEnd;
            return true;
        }
        if (expect_ == Expect::Reasons) {
            expect_ = Expect::ReasonOrEnd;
            return true;
        }
        return false;
    }
    bool end_array() override {
        if (expect_ == Expect::RowOrEnd) {
            expect_ = Expect::RootKey;
            return true;
        }
        if (expect_ == Expect::ReasonOrEnd) {
            expect_ = Expect::RowKey;
            return true;
        }
        return false;
    }
    bool key(string_t& name) override {
        if (expect_ == Expect::RootKey) {
            return take(name == "batch_id", 1, rootKeys_, Expect::BatchId) ||
                   take(name == "checkins", 2, rootKeys_, Expect::Checkins);
        }
        if (expect_ == Expect::RowKey) {
            return take(name == "score", 1, rowKeys_, Expect::Score) ||
                   take(name == "site_id", 2, rowKeys_, Expect::SiteId) ||
                   take(name == "question_set_version", 4, rowKeys_, Expect::QuestionSetVersion) ||
                   take(name == "hour", 8, rowKeys_, Expect::Hour) ||
                   take(name == "reasons", 16, rowKeys_, Expect::Reasons) ||
                   take(name == "team", 32, rowKeys_, Expect::Team);
        }
        return false;
    }

  private:
    enum class Expect {
        RootObject,
        RootKey,
        BatchId,
        Checkins,
        RowOrEnd,
        RowKey,
        Score,
        SiteId,
        QuestionSetVersion,
        Hour,
        Reasons,
        ReasonOrEnd,
        Team,
        Done
    };
    static constexpr unsigned kRequiredRowKeys = 1 | 2 | 4 | 8;

    // A key seen once: its bit goes into `seen` and `next` is expected.
    bool take(bool matches, unsigned bit, unsigned& seen, Expect next) {
        if (!matches || (seen & bit) != 0) {
            return false;
        }
        seen |= bit;
        expect_ = next;
        return true;
    }

    // What decodeBatchFromTree checks beyond the types.
    bool valid() const {
        if (batch_.batchId.size() > kBatchIdLength ||
            !validateBatchId(batch_.batchId, "batch_id") || batch_.checkIns.empty()) {
            return false;
        }
        for (const CheckIn& c : batch_.checkIns) {
            // The site id's length is validateCheckIn's, below.
            if (c.team.size() > kMaxTeamLength || c.reasons.size() > kMaxReasons) {
                return false;
            }
            for (auto it = c.reasons.begin(); it != c.reasons.end(); ++it) {
                if (!validateOptionId(*it, "reasons") ||
                    std::find(c.reasons.begin(), it, *it) != it) {
                    return false;
                }
            }
            if (!validateCheckIn(c)) {
                return false;
            }
        }
        return true;
    }

    Expect expect_ = Expect::RootObject;
    unsigned rootKeys_ = 0;
    unsigned rowKeys_ = 0;
    Batch batch_;
};

}  // namespace

Result<Batch> decodeBatch(std::string_view text, std::vector<RowError>* badRows) {
    if (auto batch = FastBatchDecoder().decode(text)) {
        return std::move(batch).value();
    }
    return detail::decodeBatchFromTree(text, badRows);
}

Result<Batch> detail::decodeBatchFromTree(std::string_view text, std::vector<RowError>* badRows) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the batch body"));
    JsonReader reader(root.value(), "");
    Batch batch;
    batch.batchId = reader.string("batch_id", kBatchIdLength);
    const json* rows = reader.array("checkins", kMaxRowsPerBatch);
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    CAREKIOSK_TRY(validateBatchId(batch.batchId, "batch_id"));
    if (rows->empty()) {
        return makeError(ErrorCode::InvalidInput, "checkins must hold at least one check-in",
                         "checkins");
    }
    batch.checkIns.reserve(rows->size());
    std::optional<Error> first;
    for (std::size_t i = 0; i < rows->size(); ++i) {
        const std::string path = "checkins[" + std::to_string(i) + "]";
        JsonReader row((*rows)[i], path);
        CheckIn c;
        c.score = static_cast<int>(row.integer("score", kMinScore, kMaxScore));
        c.siteId = row.string("site_id", 64);
        c.questionSetVersion = static_cast<int>(row.integer("question_set_version", 1, 1000000));
        c.hourBucket = row.integer("hour", kMinHour, kMaxHour);
        // Kiosks older than reasons send none; that is the same as none chosen.
        c.reasons = row.optionalIdList("reasons", kMaxReasons).value_or(std::vector<std::string>{});
        c.team = row.optionalString("team", kMaxTeamLength).value_or("");
        row.rejectUnknownFields();
        std::optional<Error> bad;
        if (!row.ok()) {
            bad = row.error();
        } else if (auto valid = validateCheckIn(c); !valid) {
            Error e = valid.error();
            e.field = path + "." + e.field;
            e.message = path + ": " + e.message;
            bad = e;
        }
        if (bad) {
            if (!badRows) {
                return *bad;
            }
            badRows->push_back({i, *bad});
            first = first ? first : bad;
            continue;
        }
        batch.checkIns.push_back(std::move(c));
    }
    if (first) {
        return *first;
    }
    return batch;
}

std::string encodeBatchAck(const BatchAck& ack) {
    return json{{"batch_id", ack.batchId}, {"stored", ack.stored}, {"duplicate", ack.duplicate}}
        .dump();
}

Result<BatchAck> decodeBatchAck(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the collector's acknowledgement"));
    JsonReader reader(root.value(), "");
    BatchAck ack;
    ack.batchId = reader.string("batch_id", kBatchIdLength);
    ack.stored = static_cast<int>(reader.integer("stored", 0, kMaxRowsPerBatch));
    ack.duplicate = reader.optionalBoolean("duplicate").value_or(false);
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    return ack;
}

}  // namespace carekiosk::core
