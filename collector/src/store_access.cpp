// Who may call: enrolment codes, device and API tokens, web sessions, and
// identifying the caller behind a token.
#include "carekiosk/collector/store.hpp"

#include <sodium.h>

#include <array>
#include <cctype>

#include "store_internal.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;
using detail::unixSeconds;
using sql::Transaction;

namespace {

// No 0/O, 1/I/L: codes are read aloud and typed by facilities staff.
constexpr char kCodeAlphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
constexpr std::size_t kCodeLength = 12;  // about 59 bits
constexpr std::size_t kTokenBytes = 32;  // 256-bit tokens

}  // namespace

std::string hashSecret(const std::string& secret) {
    std::array<unsigned char, crypto_generichash_BYTES> digest{};
    crypto_generichash(digest.data(), digest.size(),
                       reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                       nullptr, 0);
    std::array<char, crypto_generichash_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return std::string(hex.data());
}

std::string normalizeCode(const std::string& code) {
    std::string out;
    for (char c : code) {
        if (c == '-' || c == ' ') {
            continue;
        }
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return out;
}

Result<std::string> Store::createEnrollCode(const std::string& siteId,
                                            std::chrono::seconds lifetime) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(exists, siteExistsLocked(siteId));
    if (!exists.value()) {
        return makeError(ErrorCode::NotFound,
                         "site " + siteId +
                             " does not exist; create it with "
                             "`carekiosk-collector admin create-site`",
                         "site");
    }
    std::string code;
    constexpr auto alphabetSize = sizeof(kCodeAlphabet) - 1;
    for (std::size_t i = 0; i < kCodeLength; ++i) {
        code.push_back(kCodeAlphabet[random_.uniform(alphabetSize)]);
    }
    auto stmt =
        db_->prepare("INSERT INTO enroll_codes (code_hash, site_id, expires_at) VALUES (?, ?, ?)");
    if (!stmt) {
        return stmt.error();
    }
    const auto expires = unixSeconds(clock_.now()) + lifetime.count();
    CAREKIOSK_TRY(stmt->bind(1, hashSecret(code)).bind(2, siteId).bind(3, expires).run());
    return code.substr(0, 4) + "-" + code.substr(4, 4) + "-" + code.substr(8);
}

const char* roleName(ApiRole role) {
    switch (role) {
        case ApiRole::Manager:
            return "manager";
        case ApiRole::Coordinator:
            return "coordinator";
        case ApiRole::Facilities:
            return "facilities";
        case ApiRole::Admin:
            return "admin";
    }
    return "manager";
}

Result<std::string> Store::createApiToken(ApiRole role, const std::string& name,
                                          const std::vector<std::string>& sites) {
    if (name.empty() || name.size() > 200) {
        return makeError(ErrorCode::InvalidInput, "name must be 1-200 characters", "name");
    }
    if (!sites.empty() && role != ApiRole::Manager) {
        return makeError(ErrorCode::InvalidInput,
                         "--sites limits manager tokens only; leave it out for a " +
                             std::string(roleName(role)) + " token",
                         "sites");
    }
    for (const auto& site : sites) {
        CAREKIOSK_TRY(core::validateSiteId(site, "sites"));
        CAREKIOSK_TRY_LET(exists, siteExists(site));
        if (!exists.value()) {
            return makeError(
                ErrorCode::NotFound,
                "site " + site + " does not exist; create it first with admin create-site",
                "sites");
        }
    }
    const std::string token = core::randomHex(random_, kTokenBytes);
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(tx, Transaction::begin(*db_));
    auto stmt = db_->prepare("INSERT INTO api_tokens (token_hash, role, name) VALUES (?, ?, ?)");
    auto scope = db_->prepare(
        "INSERT INTO api_token_sites (token_hash, site_id) "
        "VALUES (?, ?) ON CONFLICT DO NOTHING");
    if (!stmt || !scope) {
        return !stmt ? stmt.error() : scope.error();
    }
    CAREKIOSK_TRY(stmt->bind(1, hashSecret(token)).bind(2, roleName(role)).bind(3, name).run());
    for (const auto& site : sites) {
        scope->reset();
        CAREKIOSK_TRY(scope->bind(1, hashSecret(token)).bind(2, site).run());
    }
    CAREKIOSK_TRY(tx->commit());
    return token;
}

Result<std::string> Store::createManagerToken(const std::string& name) {
    return createApiToken(ApiRole::Manager, name);
}

Status Store::revokeDevice(const std::string& deviceId) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(stmt, db_->prepare("UPDATE devices SET revoked = 1 WHERE device_id = ?"));
    CAREKIOSK_TRY(stmt->bind(1, deviceId).run());
    if (db_->changes() == 0) {
        return makeError(ErrorCode::NotFound,
                         "no kiosk " + deviceId + "; see `carekiosk-collector admin list-devices`",
                         "device");
    }
    return {};
}

Result<Store::WebSession> Store::openWebSession(const std::string& token,
                                                std::chrono::seconds lifetime) {
    WebSession session;
    session.id = core::randomHex(random_, kTokenBytes);
    session.csrf = core::randomHex(random_, kTokenBytes);
    const auto now = unixSeconds(clock_.now());
    std::lock_guard lock(mutex_);
    // Expired sessions go as new ones come: the table holds only live ones.
    CAREKIOSK_TRY_LET(purge, db_->prepare("DELETE FROM web_sessions WHERE expires_at <= ?"));
    CAREKIOSK_TRY(purge->bind(1, now).run());
    CAREKIOSK_TRY_LET(insert, db_->prepare("INSERT INTO web_sessions (session_hash, token_hash, "
                                           "csrf, expires_at) VALUES (?, ?, ?, "
                                           "?)"));
    if (auto s = insert->bind(1, hashSecret(session.id))
                     .bind(2, hashSecret(token))
                     .bind(3, session.csrf)
                     .bind(4, now + lifetime.count())
                     .run();
        !s) {
        return s.error();
    }
    return session;
}

Result<std::optional<Store::SignedIn>> Store::findWebSession(const std::string& id) {
    std::lock_guard lock(readerMutex_);
    CAREKIOSK_TRY_LET(
        stmt, reader_->prepare(
                  "SELECT s.token_hash, s.csrf, t.role FROM web_sessions s JOIN api_tokens t ON "
                  "t.token_hash = s.token_hash WHERE s.session_hash = ? AND s.expires_at > ? AND "
                  "t.revoked = 0"));
    stmt->bind(1, hashSecret(id)).bind(2, unixSeconds(clock_.now()));
    CAREKIOSK_TRY_LET(row, stmt->step());
    if (!row.value()) {
        return std::optional<SignedIn>();
    }
    SignedIn found;
    found.csrf = stmt->columnText(1);
    CAREKIOSK_TRY(fillApiCallerLocked(stmt->columnText(0), stmt->columnText(2), found.caller));
    return std::optional<SignedIn>(found);
}

Status Store::closeWebSession(const std::string& id) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(stmt, db_->prepare("DELETE FROM web_sessions WHERE session_hash = ?"));
    return stmt->bind(1, hashSecret(id)).run();
}

Status Store::revokeApiToken(const std::string& token) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(stmt, db_->prepare("UPDATE api_tokens SET revoked = 1 WHERE token_hash = ?"));
    CAREKIOSK_TRY(stmt->bind(1, hashSecret(token)).run());
    if (db_->changes() == 0) {
        return makeError(ErrorCode::NotFound, "that token is not known to this collector", "token");
    }
    return {};
}

Result<core::EnrollResponse> Store::enroll(const std::string& code, const std::string& team) {
    if (!team.empty()) {
        CAREKIOSK_TRY(core::validateOptionId(team, "team"));
    }
    const std::string codeHash = hashSecret(normalizeCode(code));
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(tx, Transaction::begin(*db_));
    CAREKIOSK_TRY_LET(
        find,
        db_->prepare(
            "SELECT c.site_id, c.expires_at, c.used, s.name, s.question_set_version, "
            "(SELECT value FROM settings WHERE key = 'buddy_public_key') "
            "FROM enroll_codes c JOIN sites s ON s.site_id = c.site_id WHERE c.code_hash = ?"));
    find->bind(1, codeHash);
    CAREKIOSK_TRY_LET(row, find->step());
    if (!row.value()) {
        return makeError(ErrorCode::Unauthorized,
                         "this enrolment code is not known; check it for typos or ask for a new "
                         "one",
                         "code");
    }
    core::EnrollResponse response;
    response.siteId = find->columnText(0);
    const auto expiresAt = find->columnInt(1);
    const bool used = find->columnInt(2) != 0;
    response.siteName = find->columnText(3);
    response.questionSetVersion = static_cast<int>(find->columnInt(4));
    // With the managers' current messages, exactly as GET /v1/config serves it.
    CAREKIOSK_TRY_LET(siteConfig, siteConfigLocked(response.siteId));
    response.siteConfigJson = siteConfig->json;
    response.siteConfigVersion = siteConfig->version;
    response.buddyPublicKey = find->columnIsNull(5) ? std::string() : find->columnText(5);
    if (used) {
        return makeError(ErrorCode::Unauthorized,
                         "this enrolment code was already used; each code enrols one kiosk, ask "
                         "for a new one",
                         "code");
    }
    if (unixSeconds(clock_.now()) >= expiresAt) {
        return makeError(ErrorCode::Unauthorized,
                         "this enrolment code has expired; ask for a new one", "code");
    }
    response.deviceId = "kiosk-" + core::randomHex(random_, 8);
    response.deviceToken = core::randomHex(random_, kTokenBytes);
    // `AND used = 0`, checked below: with several collectors on one database,
    // two kiosks may present the same code at once; the second update waits
    // for the first commit and then changes nothing.
    auto consume =
        db_->prepare("UPDATE enroll_codes SET used = 1 WHERE code_hash = ? AND used = 0");
    auto insert = db_->prepare(
        "INSERT INTO devices (device_id, site_id, token_hash, team, enrolled_at) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!consume || !insert) {
        return (!consume ? consume.error() : insert.error());
    }
    CAREKIOSK_TRY(consume->bind(1, codeHash).run());
    if (db_->changes() == 0) {
        return makeError(ErrorCode::Unauthorized,
                         "this enrolment code was already used; each code enrols one kiosk, ask "
                         "for a new one",
                         "code");
    }
    if (auto s = insert->bind(1, response.deviceId)
                     .bind(2, response.siteId)
                     .bind(3, hashSecret(response.deviceToken))
                     .bind(4, team)
                     .bind(5, unixSeconds(clock_.now()))
                     .run();
        !s) {
        return s.error();
    }
    CAREKIOSK_TRY(tx->commit());
    return response;
}

Result<std::optional<Device>> Store::authenticateDevice(const std::string& token) {
    // Looking up by hash of a 256-bit random token leaks nothing useful through
    // timing: an attacker would need a preimage of the stored hash.
    std::lock_guard lock(readerMutex_);
    CAREKIOSK_TRY_LET(
        stmt,
        reader_->prepare(
            "SELECT device_id, site_id, team, enrolled_at FROM devices WHERE token_hash = ? AND "
            "revoked = 0"));
    stmt->bind(1, hashSecret(token));
    CAREKIOSK_TRY_LET(row, stmt->step());
    if (!row.value()) {
        return std::optional<Device>{};
    }
    Device device{stmt->columnText(0), stmt->columnText(1)};
    if (!stmt->columnIsNull(2)) {
        device.team = stmt->columnText(2);
    }
    device.enrolledAt = stmt->columnIsNull(3) ? 0 : stmt->columnInt(3);
    return std::optional<Device>(std::move(device));
}

Result<Store::Caller> Store::identify(const std::string& token) {
    Caller caller;
    CAREKIOSK_TRY_LET(device, authenticateDevice(token));
    if (device.value()) {
        caller.device = device.value();
        return caller;
    }
    std::lock_guard lock(readerMutex_);
    auto stmt =
        reader_->prepare("SELECT role FROM api_tokens WHERE token_hash = ? AND revoked = 0");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, hashSecret(token));
    CAREKIOSK_TRY_LET(row, stmt->step());
    if (row.value()) {
        CAREKIOSK_TRY(fillApiCallerLocked(hashSecret(token), stmt->columnText(0), caller));
    }
    return caller;
}

Status Store::fillApiCallerLocked(const std::string& tokenHash, const std::string& role,
                                  Caller& caller) {
    for (const auto r :
         {ApiRole::Manager, ApiRole::Coordinator, ApiRole::Facilities, ApiRole::Admin}) {
        if (role == roleName(r)) {
            caller.role = r;
        }
    }
    CAREKIOSK_TRY_LET(
        sites, reader_->prepare(
                   "SELECT site_id FROM api_token_sites WHERE token_hash = ? ORDER BY site_id"));
    sites->bind(1, tokenHash);
    while (true) {
        CAREKIOSK_TRY_LET(site, sites->step());
        if (!site.value()) {
            return {};
        }
        caller.sites.push_back(sites->columnText(0));
    }
}

Status Store::unenrollDevice(const Device& device) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(
        stmt, db_->prepare("UPDATE devices SET revoked = 1, unenrolled = 1 WHERE device_id = ?"));
    return stmt->bind(1, device.deviceId).run();
}
}  // namespace carekiosk::collector
