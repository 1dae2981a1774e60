// The PostgreSQL schema history (see store_schema.hpp).
#include "store_schema.hpp"

namespace carekiosk::collector::schema {

using storage::Migration;

namespace {

// The same tables in PostgreSQL, as SQLite's schema stands after step 10,
// for a database of its own (a collector never moves from one to the other).
// Text that is sorted is compared bytewise (COLLATE "C"), as SQLite does.
// Append new steps; never edit a released one.
constexpr Migration kPostgresMigrations[] = {
    {1, R"sql(
        CREATE TABLE sites (
            site_id TEXT COLLATE "C" PRIMARY KEY,
            name TEXT NOT NULL,
            question_set_version INTEGER NOT NULL DEFAULT 1,
            config_json TEXT,
            config_version INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE enroll_codes (
            code_hash TEXT PRIMARY KEY,
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            expires_at BIGINT NOT NULL,
            used INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE devices (
            device_id TEXT COLLATE "C" PRIMARY KEY,
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            token_hash TEXT NOT NULL UNIQUE,
            revoked INTEGER NOT NULL DEFAULT 0,
            last_seen BIGINT,
            heartbeat TEXT,
            unenrolled INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE api_tokens (
            token_hash TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('manager', 'coordinator', 'facilities', 'admin')),
            name TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE api_token_sites (
            token_hash TEXT NOT NULL REFERENCES api_tokens(token_hash),
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            PRIMARY KEY (token_hash, site_id)
        );
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- Only the id, to acknowledge a re-sent batch without storing it twice,
        -- whichever collector it reaches: the primary key decides, not a lock.
        CREATE TABLE batches (batch_id TEXT PRIMARY KEY);
        -- As in SQLite: a random key inside (site, hour), no receive time, no
        -- device, no serial number.
        CREATE TABLE checkins (
            site_id TEXT COLLATE "C" NOT NULL,
            hour_bucket BIGINT NOT NULL,
            id BYTEA NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            question_set_version INTEGER NOT NULL,
            team TEXT COLLATE "C" NOT NULL DEFAULT '',
            PRIMARY KEY (site_id, hour_bucket, id)
        );
        CREATE TABLE checkin_reasons (
            site_id TEXT COLLATE "C" NOT NULL,
            hour_bucket BIGINT NOT NULL,
            checkin_id BYTEA NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (site_id, hour_bucket, checkin_id, reason)
        );
        CREATE TABLE buddy_requests (
            id TEXT COLLATE "C" PRIMARY KEY,
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            kind TEXT NOT NULL,
            times TEXT NOT NULL,
            sealed BYTEA NOT NULL,
            handled_day BIGINT
        );
        CREATE TABLE messages (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            text TEXT NOT NULL,
            from_day BIGINT NOT NULL,
            to_day BIGINT NOT NULL
        );
        CREATE INDEX messages_by_site ON messages(site_id, to_day);
        CREATE TABLE buddy_counts (
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            day BIGINT NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day)
        );
        CREATE TABLE day_scores (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            score INTEGER NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, team, score)
        );
        CREATE TABLE day_reasons (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            reason TEXT COLLATE "C" NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, team, reason)
        );
    )sql"},
    {2, R"sql(
        -- As SQLite's step 11: site time zones and releases.
        ALTER TABLE sites ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
        ALTER TABLE sites ADD COLUMN release_minute INTEGER NOT NULL DEFAULT 360;
        ALTER TABLE sites ADD COLUMN released_through BIGINT NOT NULL DEFAULT -1;
        ALTER TABLE devices ADD COLUMN team TEXT COLLATE "C";
        ALTER TABLE devices ADD COLUMN enrolled_at BIGINT;
        ALTER TABLE day_scores ADD COLUMN waiting BIGINT NOT NULL DEFAULT 0;
        UPDATE day_scores SET waiting = count;
        ALTER TABLE day_reasons ADD COLUMN waiting BIGINT NOT NULL DEFAULT 0;
        UPDATE day_reasons SET waiting = count;
        ALTER TABLE buddy_counts ADD COLUMN waiting BIGINT NOT NULL DEFAULT 0;
        UPDATE buddy_counts SET waiting = count;
        CREATE INDEX day_scores_waiting ON day_scores(site_id, day) WHERE waiting > 0;
        CREATE INDEX day_reasons_waiting ON day_reasons(site_id, day) WHERE waiting > 0;
        CREATE TABLE released_scores (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            score INTEGER NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, team, score)
        );
        CREATE TABLE released_reasons (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            reason TEXT COLLATE "C" NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, team, reason)
        );
        CREATE TABLE released_buddies (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day)
        );
        CREATE TABLE release_decisions (
            site_id TEXT COLLATE "C" NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            level INTEGER NOT NULL,
            first_day BIGINT NOT NULL,
            scores_shown INTEGER NOT NULL,
            PRIMARY KEY (site_id, first_day, level, team)
        );
        CREATE TABLE release_reasons_shown (
            site_id TEXT COLLATE "C" NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            level INTEGER NOT NULL,
            first_day BIGINT NOT NULL,
            reason TEXT COLLATE "C" NOT NULL,
            PRIMARY KEY (site_id, first_day, level, team, reason)
        );
    )sql"},
    {3, R"sql(
        CREATE TABLE web_sessions (
            session_hash TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL,
            csrf TEXT NOT NULL,
            expires_at BIGINT NOT NULL
        );
    )sql"},
};

}  // namespace

std::span<const Migration> postgres() {
    return kPostgresMigrations;
}

}  // namespace carekiosk::collector::schema
