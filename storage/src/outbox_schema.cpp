// The outbox's schema history (see outbox_internal.hpp).
#include "outbox_internal.hpp"

namespace carekiosk::storage::detail {

namespace {

// Schema history. Append new steps; never edit a released one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
        CREATE TABLE batches (
            batch_id TEXT PRIMARY KEY NOT NULL
        ) WITHOUT ROWID;
        -- id is random, and the table has no rowid, so neither the key nor the
        -- storage order reveals the order in which people checked in.
        CREATE TABLE checkins (
            id BLOB PRIMARY KEY NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            site_id TEXT NOT NULL,
            question_set_version INTEGER NOT NULL,
            hour_bucket INTEGER NOT NULL,
            batch_id TEXT REFERENCES batches(batch_id)
        ) WITHOUT ROWID;
        CREATE INDEX checkins_by_batch ON checkins(batch_id);
    )sql"},
    {2, R"sql(
        -- Batches the collector refused as invalid (HTTP 400/413/422). Their rows
        -- stay on the kiosk, out of the upload queue, with the collector's reason.
        CREATE TABLE dead_letters (
            batch_id TEXT PRIMARY KEY NOT NULL REFERENCES batches(batch_id),
            reason TEXT NOT NULL
        ) WITHOUT ROWID;
    )sql"},
    {3, R"sql(
        -- Optional reasons picked with a score: sorted option ids, space-separated.
        ALTER TABLE checkins ADD COLUMN reasons TEXT NOT NULL DEFAULT '';
        -- Opt-in buddy requests. Deliberately unconnected to check-ins: a random
        -- key of their own, no time of any kind, no batch shared with check-ins.
        -- `contact` holds the name and way to reach the person; contact_format 0
        -- is JSON, 1 is reserved for a box sealed to the buddy coordinator.
        CREATE TABLE buddy_requests (
            id BLOB PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            times TEXT NOT NULL,
            contact_format INTEGER NOT NULL CHECK (contact_format IN (0, 1)),
            contact BLOB NOT NULL
        ) WITHOUT ROWID;
    )sql"},
    {4, R"sql(
        -- Site configs from the collector: slot 1 the newest fetched, slot 2 the
        -- one running (validated), so a restart runs the same config even before
        -- the collector answers, and a refused newer one does not replace it.
        CREATE TABLE site_config (
            slot INTEGER PRIMARY KEY CHECK (slot IN (1, 2)),
            version INTEGER NOT NULL,
            content TEXT NOT NULL
        );
    )sql"},
    {5, R"sql(
        -- The kiosk's optional team tag, copied from its config into each check-in.
        ALTER TABLE checkins ADD COLUMN team TEXT NOT NULL DEFAULT '';
    )sql"},
    {6, R"sql(
        -- Check-ins without the foreign key and the index on batch_id: every
        -- commit rewrites the table in key order (Outbox::rewriteInKeyOrder),
        -- and a table that is no foreign key's child is emptied by SQLite's
        -- truncate path, which zeroes every page it frees. The code keeps the
        -- batch ids consistent (a batch row first, its rows deleted with it).
        CREATE TABLE checkins_v6 (
            id BLOB PRIMARY KEY NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            site_id TEXT NOT NULL,
            question_set_version INTEGER NOT NULL,
            hour_bucket INTEGER NOT NULL,
            batch_id TEXT,
            reasons TEXT NOT NULL DEFAULT '',
            team TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID;
        INSERT INTO checkins_v6 (id, score, site_id, question_set_version, hour_bucket, batch_id,
                                 reasons, team)
            SELECT id, score, site_id, question_set_version, hour_bucket, batch_id, reasons, team
            FROM checkins ORDER BY id;
        DROP TABLE checkins;
        ALTER TABLE checkins_v6 RENAME TO checkins;
    )sql"},
};

}  // namespace

std::span<const Migration> outboxSchema() {
    return kMigrations;
}

}  // namespace carekiosk::storage::detail
