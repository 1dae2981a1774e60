// The SQLite file's schema history (see store_schema.hpp).
#include "store_schema.hpp"

namespace carekiosk::collector::schema {

using storage::Migration;

namespace {

// Schema history. Append new steps; never edit a released one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
        CREATE TABLE sites (
            site_id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            question_set_version INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE enroll_codes (
            code_hash TEXT PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            expires_at INTEGER NOT NULL,
            used INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE devices (
            device_id TEXT PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            token_hash TEXT NOT NULL UNIQUE,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE api_tokens (
            token_hash TEXT PRIMARY KEY NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('manager', 'coordinator', 'admin')),
            name TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        -- Only the id, to acknowledge a re-sent batch without storing it twice.
        CREATE TABLE batches (batch_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
        -- Random key, no rowid, no receive time, no device: rows cannot be
        -- ordered or traced back to a kiosk or a moment.
        CREATE TABLE checkins (
            id BLOB PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            question_set_version INTEGER NOT NULL,
            hour_bucket INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX checkins_by_site_hour ON checkins(site_id, hour_bucket);
    )sql"},
    {2, R"sql(
        -- The optional reasons picked with a check-in, one row per reason.
        CREATE TABLE checkin_reasons (
            checkin_id BLOB NOT NULL REFERENCES checkins(id),
            reason TEXT NOT NULL,
            PRIMARY KEY (checkin_id, reason)
        ) WITHOUT ROWID;
        CREATE INDEX checkin_reasons_by_reason ON checkin_reasons(reason);
    )sql"},
    {3, R"sql(
        -- Roles gain 'facilities' (the fleet view). SQLite cannot change a
        -- CHECK constraint, so the table is rebuilt with its rows.
        CREATE TABLE api_tokens_v3 (
            token_hash TEXT PRIMARY KEY NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('manager', 'coordinator', 'facilities', 'admin')),
            name TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO api_tokens_v3 (token_hash, role, name, revoked)
            SELECT token_hash, role, name, revoked FROM api_tokens;
        DROP TABLE api_tokens;
        ALTER TABLE api_tokens_v3 RENAME TO api_tokens;
        -- Each kiosk's newest heartbeat, for the fleet view. Kiosks upload on a
        -- schedule, never per tap, so this time says nothing about check-ins.
        ALTER TABLE devices ADD COLUMN last_seen INTEGER;
        ALTER TABLE devices ADD COLUMN heartbeat TEXT;
        ALTER TABLE devices ADD COLUMN unenrolled INTEGER NOT NULL DEFAULT 0;
        -- The site config kiosks fetch (validated JSON) and its version.
        ALTER TABLE sites ADD COLUMN config_json TEXT;
        ALTER TABLE sites ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0;
        -- Organisation-wide settings, e.g. the public key buddy requests are sealed with.
        CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
    )sql"},
    {4, R"sql(
        -- Buddy requests waiting for the coordinator. The contact is a box sealed
        -- to the organisation's public key: this database cannot open it. No time
        -- is kept until a request is handled (then the day, for the retention).
        CREATE TABLE buddy_requests (
            id TEXT PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            kind TEXT NOT NULL,
            times TEXT NOT NULL,
            sealed BLOB NOT NULL,
            handled_day INTEGER
        ) WITHOUT ROWID;
    )sql"},
    {5, R"sql(
        -- Managers' "you said, we did" messages; kiosks receive them with the
        -- site config (posting one bumps the site's config version).
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            text TEXT NOT NULL,
            from_day INTEGER NOT NULL,
            to_day INTEGER NOT NULL
        );
        CREATE INDEX messages_by_site ON messages(site_id, to_day);
    )sql"},
    {6, R"sql(
        -- How many buddy requests arrived per site per day, for the summaries
        -- (the requests themselves are deleted once handled, and keep no time).
        CREATE TABLE buddy_counts (
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            day INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day)
        ) WITHOUT ROWID;
    )sql"},
    {7, R"sql(
        -- The sites a manager token may read; a token with no rows here covers
        -- every site (an organisation-wide reader).
        CREATE TABLE api_token_sites (
            token_hash TEXT NOT NULL REFERENCES api_tokens(token_hash),
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            PRIMARY KEY (token_hash, site_id)
        ) WITHOUT ROWID;
    )sql"},
    {8, R"sql(
        -- The optional team tag of the kiosk a check-in came from ('' for none).
        ALTER TABLE checkins ADD COLUMN team TEXT NOT NULL DEFAULT '';
    )sql"},
    {9, R"sql(
        -- Per-day counts kept up to date as batches arrive, so a summary reads a
        -- few hundred rows per site and year however many check-ins are stored.
        -- Filled here from what is already stored.
        CREATE TABLE day_scores (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            team TEXT NOT NULL,
            score INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day, team, score)
        ) WITHOUT ROWID;
        CREATE TABLE day_reasons (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            team TEXT NOT NULL,
            reason TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day, team, reason)
        ) WITHOUT ROWID;
        INSERT INTO day_scores (site_id, day, team, score, count)
            SELECT site_id, hour_bucket / 86400, team, score, count(*) FROM checkins
            GROUP BY site_id, hour_bucket / 86400, team, score;
        INSERT INTO day_reasons (site_id, day, team, reason, count)
            SELECT c.site_id, c.hour_bucket / 86400, c.team, r.reason, count(*)
            FROM checkin_reasons r JOIN checkins c ON c.id = r.checkin_id
            GROUP BY c.site_id, c.hour_bucket / 86400, c.team, r.reason;
    )sql"},
    {10, R"sql(
        -- Check-ins kept in (site, hour, random key) order instead of random-key
        -- order. A batch's rows now land together at the end of their site's
        -- newest hours, so storing it writes a few pages, not one page per row
        -- scattered over the whole table (which made ingest write-bound). The
        -- key inside an hour is still random: rows cannot be put in arrival order.
        -- The (site, hour) index is the table itself now.
        -- No foreign keys on these two tables: checking them costs a lookup per
        -- row stored (about a tenth of ingest in bench/run), and storeBatch
        -- guarantees both (every row is for the authenticated kiosk's own site,
        -- which its device row references and which is never deleted; a reason
        -- goes in with its row, in the same savepoint).
        CREATE TABLE checkins_v10 (
            site_id TEXT NOT NULL,
            hour_bucket INTEGER NOT NULL,
            id BLOB NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            question_set_version INTEGER NOT NULL,
            team TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (site_id, hour_bucket, id)
        ) WITHOUT ROWID;
        INSERT INTO checkins_v10 (site_id, hour_bucket, id, score, question_set_version, team)
            SELECT site_id, hour_bucket, id, score, question_set_version, team FROM checkins;
        CREATE TABLE checkin_reasons_v10 (
            site_id TEXT NOT NULL,
            hour_bucket INTEGER NOT NULL,
            checkin_id BLOB NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (site_id, hour_bucket, checkin_id, reason)
        ) WITHOUT ROWID;
        INSERT INTO checkin_reasons_v10 (site_id, hour_bucket, checkin_id, reason)
            SELECT c.site_id, c.hour_bucket, r.checkin_id, r.reason
            FROM checkin_reasons r JOIN checkins c ON c.id = r.checkin_id;
        DROP TABLE checkin_reasons;
        DROP TABLE checkins;
        ALTER TABLE checkins_v10 RENAME TO checkins;
        ALTER TABLE checkin_reasons_v10 RENAME TO checkin_reasons;
    )sql"},
    {11, R"sql(
        -- Release instead of live recomputation (release.hpp). Each site has a
        -- time zone, its days are its local days, and a day's figures are
        -- released once, the morning after, at release_minute local time;
        -- released_through is the newest released day (-1: none yet).
        ALTER TABLE sites ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
        ALTER TABLE sites ADD COLUMN release_minute INTEGER NOT NULL DEFAULT 360;
        ALTER TABLE sites ADD COLUMN released_through INTEGER NOT NULL DEFAULT -1;
        -- A kiosk's check-ins carry exactly the team it was enrolled with, and
        -- no hour long before its enrolment. NULL: enrolled before this.
        ALTER TABLE devices ADD COLUMN team TEXT;
        ALTER TABLE devices ADD COLUMN enrolled_at INTEGER;
        -- How much of each per-day count waits to be released (pooled until a
        -- team's waiting check-ins reach the smallest group).
        ALTER TABLE day_scores ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
        UPDATE day_scores SET waiting = count;
        ALTER TABLE day_reasons ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
        UPDATE day_reasons SET waiting = count;
        ALTER TABLE buddy_counts ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
        UPDATE buddy_counts SET waiting = count;
        CREATE INDEX day_scores_waiting ON day_scores(site_id, day) WHERE waiting > 0;
        CREATE INDEX day_reasons_waiting ON day_reasons(site_id, day) WHERE waiting > 0;
        -- What was released: per team and release day (never changed after).
        CREATE TABLE released_scores (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            team TEXT NOT NULL,
            score INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day, team, score)
        ) WITHOUT ROWID;
        CREATE TABLE released_reasons (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            team TEXT NOT NULL,
            reason TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day, team, reason)
        ) WITHOUT ROWID;
        CREATE TABLE released_buddies (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day)
        ) WITHOUT ROWID;
        -- What each released cell with check-ins shows (disclosure.hpp): level
        -- 0 day, 1 week, 2 month; team '*' for the whole site. A reason's
        -- count is shown where it has a row in release_reasons_shown.
        CREATE TABLE release_decisions (
            site_id TEXT NOT NULL,
            team TEXT NOT NULL,
            level INTEGER NOT NULL,
            first_day INTEGER NOT NULL,
            scores_shown INTEGER NOT NULL,
            PRIMARY KEY (site_id, first_day, level, team)
        ) WITHOUT ROWID;
        CREATE TABLE release_reasons_shown (
            site_id TEXT NOT NULL,
            team TEXT NOT NULL,
            level INTEGER NOT NULL,
            first_day INTEGER NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (site_id, first_day, level, team, reason)
        ) WITHOUT ROWID;
    )sql"},
    {12, R"sql(
        -- The dashboard's sign-in sessions (Store::openWebSession): by the
        -- hash of the cookie's id, with the hash of the API token signed in
        -- with, so that a revoked token ends its sessions.
        CREATE TABLE web_sessions (
            session_hash TEXT PRIMARY KEY NOT NULL,
            token_hash TEXT NOT NULL,
            csrf TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
    )sql"},
};

}  // namespace

std::span<const Migration> sqlite() {
    return kMigrations;
}

}  // namespace carekiosk::collector::schema
