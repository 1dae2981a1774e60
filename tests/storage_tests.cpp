#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/storage/wal_checkpointer.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;

namespace {

core::CheckIn checkIn(int score) {
    return core::CheckIn{score, "leeds", 1, 1795845600, {}};
}

}  // namespace

TEST_CASE("the outbox commits durably, leaving no log behind, and rows survive reopening") {
    testing::TempDir dir;
    testing::SeededRandom random;
    {
        auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
        REQUIRE(outbox);
        CHECK(outbox->database().queryInt("PRAGMA secure_delete").value() == 1);
        {
            auto mode = outbox->database().prepare("PRAGMA journal_mode");
            REQUIRE(mode);
            REQUIRE(mode->step().value());
            CHECK(mode->columnText(0) == "wal");
        }
        REQUIRE(outbox->add(checkIn(4)));
        REQUIRE(outbox->add(checkIn(2)));
        // Each commit was checkpointed into the file and the log emptied:
        // what add() returned for is in the database file itself.
        CHECK(std::filesystem::file_size(dir / "kiosk.db-wal") == 0);
    }
    auto reopened = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(reopened);
    CHECK(reopened->pendingCount().value() == 2);
}

TEST_CASE("the stored check-in has no time, sequence or identity columns") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    auto columns = outbox->database().prepare("SELECT name FROM pragma_table_info('checkins')");
    REQUIRE(columns);
    std::set<std::string> names;
    while (columns->step().value()) {
        names.insert(columns->columnText(0));
    }
    CHECK(names == std::set<std::string>{"id", "score", "site_id", "question_set_version",
                                         "hour_bucket", "batch_id", "reasons", "team"});
    // WITHOUT ROWID: there is no hidden insertion sequence either.
    CHECK_FALSE(outbox->database().prepare("SELECT rowid FROM checkins"));
}

TEST_CASE("database files are readable by their owner only, and a looser one is tightened") {
    testing::TempDir dir;
    testing::SeededRandom random;
    const auto mode = [](const std::filesystem::path& p) {
        struct stat info {};
        REQUIRE(::stat(p.c_str(), &info) == 0);
        return info.st_mode & 0777;
    };
    {
        auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
        REQUIRE(outbox);
        REQUIRE(outbox->add(checkIn(3)));
        for (const char* name : {"kiosk.db", "kiosk.db-wal", "kiosk.db-shm"}) {
            INFO(name);
            CHECK(mode(dir / name) == 0600);
        }
    }
    ::chmod((dir / "kiosk.db").c_str(), 0644);
    auto reopened = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(reopened);
    CHECK(mode(dir / "kiosk.db") == 0600);
    CHECK(reopened->pendingCount().value() == 1);  // tightening kept the data
}

TEST_CASE("a batch lists its check-ins in random order, not in the order people came") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    std::vector<int> arrived;
    for (int i = 0; i < 40; ++i) {
        arrived.push_back(i % 5 + 1);
        REQUIRE(outbox->add(checkIn(i % 5 + 1)));
    }
    auto batch = outbox->nextBatch();
    REQUIRE(batch);
    REQUIRE(batch.value());
    std::vector<int> sent;
    for (const auto& c : batch.value()->checkIns) {
        sent.push_back(c.score);
    }
    CHECK(std::is_permutation(sent.begin(), sent.end(), arrived.begin(), arrived.end()));
    CHECK(sent != arrived);  // ordered by each row's random key
}

TEST_CASE("acknowledging a batch and naming the next one are a single durable commit") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random).value();
    for (int score : {1, 2, 3, 4, 5, 1, 2}) {
        REQUIRE(outbox.add(checkIn(score)));
    }
    auto first = outbox.nextBatch(3).value();
    REQUIRE(first);
    int commits = 0;
    sqlite3_commit_hook(
        outbox.database().handle(),
        [](void* count) {
            ++*static_cast<int*>(count);
            return 0;
        },
        &commits);
    auto second = outbox.acknowledgeAndNext(first->batchId, 3).value();
    CHECK(commits == 1);
    REQUIRE(second);
    CHECK(second->batchId != first->batchId);
    CHECK(second->checkIns.size() == 3);
    // On disk before its first try, and the first batch's rows gone, as
    // another connection (a restarted kiosk) sees them.
    CHECK(testing::queryStrings(dir / "kiosk.db", "SELECT batch_id FROM batches") ==
          std::vector<std::string>{second->batchId});
    CHECK(testing::queryStrings(dir / "kiosk.db", "SELECT count(*) FROM checkins")[0] == "4");
    auto third = outbox.acknowledgeAndNext(second->batchId, 3).value();
    CHECK(commits == 2);
    REQUIRE(third);
    CHECK(third->checkIns.size() == 1);
    auto none = outbox.acknowledgeAndNext(third->batchId, 3).value();
    CHECK(commits == 3);
    CHECK_FALSE(none);
    CHECK(outbox.pendingCount().value() == 0);
    sqlite3_commit_hook(outbox.database().handle(), nullptr, nullptr);
}

TEST_CASE("a batch id is persisted before sending and reused after a restart") {
    testing::TempDir dir;
    testing::SeededRandom random;
    std::string firstId;
    {
        auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
        REQUIRE(outbox);
        for (int score : {1, 2, 3, 4, 5}) {
            REQUIRE(outbox->add(checkIn(score)));
        }
        auto batch = outbox->nextBatch();
        REQUIRE(batch);
        REQUIRE(batch.value());
        firstId = batch.value()->batchId;
        CHECK(firstId.size() == core::kBatchIdLength);
        CHECK(batch.value()->checkIns.size() == 5);
        // The process "crashes" here: no acknowledgement.
    }
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    REQUIRE(outbox->add(checkIn(3)));  // a new check-in after the restart
    auto again = outbox->nextBatch();
    REQUIRE(again);
    REQUIRE(again.value());
    CHECK(again.value()->batchId == firstId);
    CHECK(again.value()->checkIns.size() == 5);  // the new row waits for the next batch

    REQUIRE(outbox->acknowledge(firstId));
    CHECK(outbox->pendingCount().value() == 1);
    auto next = outbox->nextBatch();
    REQUIRE(next);
    REQUIRE(next.value());
    CHECK(next.value()->batchId != firstId);
    CHECK(next.value()->checkIns.size() == 1);
}

TEST_CASE("a check-in held open is stored at once but batched only once it is closed") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto kiosk = storage::Outbox::open(dir / "kiosk.db", random).value();
    // The uploader's own connection, as the upload worker opens it.
    auto uploader = storage::Outbox::open(dir / "." / "kiosk.db", random).value();
    REQUIRE(kiosk.add(checkIn(3)));
    auto open = kiosk.addOpen(checkIn(1));
    REQUIRE(open);
    // On disk at once (a second reader sees it)...
    CHECK(testing::queryStrings(dir / "kiosk.db", "SELECT score FROM checkins ORDER BY score") ==
          std::vector<std::string>{"1", "3"});
    // ...but the uploader leaves it out while reasons may follow.
    auto first = uploader.nextBatch();
    REQUIRE(first);
    REQUIRE(first.value());
    REQUIRE(first.value()->checkIns.size() == 1);
    CHECK(first.value()->checkIns[0].score == 3);
    REQUIRE(uploader.acknowledge(first.value()->batchId));
    CHECK_FALSE(uploader.nextBatch().value());
    REQUIRE(kiosk.reviseOpen(open.value(), 2));
    REQUIRE(kiosk.closeOpen(open.value(), {"workload", "team"}));
    auto second = uploader.nextBatch().value();
    REQUIRE(second);
    REQUIRE(second->checkIns.size() == 1);
    CHECK(second->checkIns[0].score == 2);
    CHECK(second->checkIns[0].reasons == std::vector<std::string>{"team", "workload"});
    // Closed: further changes do nothing.
    REQUIRE(kiosk.reviseOpen(open.value(), 5));
    CHECK(uploader.nextBatch().value()->checkIns[0].score == 2);
}

TEST_CASE(
    "a hold lives in memory only: a crash or restart releases the face, and the disk "
    "never marks it") {
    testing::TempDir dir;
    testing::SeededRandom random;
    std::string key;
    std::vector<std::string> rows;
    {
        auto kiosk = storage::Outbox::open(dir / "kiosk.db", random).value();
        REQUIRE(kiosk.add(checkIn(4)));
        key = kiosk.addOpen(checkIn(4)).value();
        // A thief reading the file now finds two rows alike but for their
        // random keys: nothing says which is the newest, or still open.
        rows = testing::queryStrings(
            dir / "kiosk.db",
            "SELECT score || site_id || question_set_version || hour_bucket || reasons || team "
            "|| coalesce(batch_id, '') FROM checkins");
        REQUIRE(rows.size() == 2);
        CHECK(rows[0] == rows[1]);
    }  // the process ends with the reasons screen up
    auto restarted = storage::Outbox::open(dir / "kiosk.db", random).value();
    auto batch = restarted.nextBatch().value();
    REQUIRE(batch);
    CHECK(batch->checkIns.size() == 2);
    // The old key means nothing to the new process.
    REQUIRE(restarted.closeOpen(key, {"team"}));
    CHECK(restarted.nextBatch().value()->checkIns[0].reasons.empty());
}

TEST_CASE("reasons never change a check-in another process has already put in a batch") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto kiosk = storage::Outbox::open(dir / "kiosk.db", random).value();
    const std::string key = kiosk.addOpen(checkIn(2)).value();
    // carekiosk --upload-and-exit in another process does not see the hold,
    // and batches the row (as its SQL would).
    REQUIRE(
        kiosk.database().exec("INSERT INTO batches (batch_id) VALUES ('b1');"
                              "UPDATE checkins SET batch_id = 'b1'"));
    // Neither a change of face nor reasons reach it, and the caller is told.
    CHECK_FALSE(kiosk.reviseOpen(key, 5));
    CHECK_FALSE(kiosk.closeOpen(key, {"team"}));
    CHECK(testing::queryStrings(dir / "kiosk.db", "SELECT score || ':' || reasons FROM checkins") ==
          std::vector<std::string>{"2:"});
}

TEST_CASE("batches are capped, and acknowledging one deletes only its rows") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    for (int i = 0; i < 7; ++i) {
        REQUIRE(outbox->add(checkIn(i % 5 + 1)));
    }
    auto first = outbox->nextBatch(3);
    REQUIRE(first);
    REQUIRE(first.value()->checkIns.size() == 3);
    REQUIRE(outbox->acknowledge(first.value()->batchId));
    CHECK(outbox->pendingCount().value() == 4);
    REQUIRE(outbox->acknowledge("0123456789abcdef0123456789abcdef"));  // unknown: no-op
    CHECK(outbox->pendingCount().value() == 4);
}

TEST_CASE("an invalid check-in is refused and nothing is stored") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    auto r = outbox->add(core::CheckIn{0, "leeds", 1, 1795845600, {}});
    REQUIRE_FALSE(r);
    CHECK(r.error().field == "score");
    CHECK(outbox->pendingCount().value() == 0);
}

TEST_CASE("a full disk is reported as such, and earlier rows stay") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    REQUIRE(outbox->add(checkIn(3)));
    // Cap the file at its current size: the next page allocation fails with SQLITE_FULL.
    const auto pages = outbox->database().queryInt("PRAGMA page_count").value();
    const std::string cap = "PRAGMA max_page_count=" + std::to_string(pages);
    REQUIRE(outbox->database().exec(cap.c_str()));
    core::Status r;
    for (int i = 0; i < 5000 && r; ++i) {
        r = outbox->add(checkIn(4));
    }
    REQUIRE_FALSE(r);
    CHECK(r.error().code == core::ErrorCode::Storage);
    CHECK_THAT(r.error().message, Catch::Contains("disk is full"));
    CHECK(outbox->pendingCount().value() >= 1);
}

TEST_CASE("a database from a newer release is refused, not downgraded") {
    testing::TempDir dir;
    testing::SeededRandom random;
    {
        auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
        REQUIRE(outbox);
        REQUIRE(outbox->database().exec("PRAGMA user_version=99"));
    }
    auto r = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("newer carekiosk"));
}

TEST_CASE("an outbox from release 0.1.0 (schema 1) migrates forward and keeps everything") {
    testing::TempDir dir;
    testing::SeededRandom random;
    testing::execSqlFile(dir / "kiosk.db", CAREKIOSK_FIXTURES_DIR "/kiosk-schema-v1.sql");
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    CHECK(outbox->database().queryInt("PRAGMA user_version").value() == 6);
    CHECK(outbox->pendingCount().value() == 3);
    // The batch assigned before the upgrade is sent first, with the same id.
    auto batch = outbox->nextBatch();
    REQUIRE(batch);
    REQUIRE(batch.value());
    CHECK(batch.value()->batchId == "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    CHECK(batch.value()->checkIns.size() == 2);
    CHECK(outbox->deadLetters()->empty());
}

TEST_CASE("an outbox from schema 2 migrates forward: dead letters and open batches are kept") {
    testing::TempDir dir;
    testing::SeededRandom random;
    testing::execSqlFile(dir / "kiosk.db", CAREKIOSK_FIXTURES_DIR "/kiosk-schema-v2.sql");
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    CHECK(outbox->database().queryInt("PRAGMA user_version").value() == 6);
    CHECK(outbox->pendingCount().value() == 3);
    auto letters = outbox->deadLetters();
    REQUIRE(letters);
    REQUIRE(letters->size() == 1);
    CHECK(letters->front().checkIns == 1);
    CHECK_THAT(letters->front().reason, Catch::Contains("not this kiosk's site"));
    auto batch = outbox->nextBatch();
    REQUIRE(batch);
    REQUIRE(batch.value());
    CHECK(batch.value()->batchId == "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    REQUIRE(batch.value()->checkIns.size() == 2);
    CHECK(batch.value()->checkIns[0].reasons.empty());  // rows from before reasons have none
    CHECK(outbox->pendingBuddyRequests().value() == 0);
}

TEST_CASE("a kiosk's team tag travels with its check-ins, and a bad tag is refused") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    auto tagged = checkIn(4);
    tagged.team = "finance";
    REQUIRE(outbox->add(tagged));
    auto batch = outbox->nextBatch();
    REQUIRE(batch);
    REQUIRE(batch.value());
    REQUIRE(batch.value()->checkIns.size() == 1);
    CHECK(batch.value()->checkIns[0].team == "finance");
    CHECK_THAT(core::encodeBatch(*batch.value()), Catch::Contains("\"team\":\"finance\""));
    auto bad = checkIn(3);
    bad.team = "Finance Team";
    auto refused = outbox->add(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().field == "team");
}

TEST_CASE("reasons travel with their check-in, and invalid reasons are refused") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    auto withReasons = checkIn(2);
    withReasons.reasons = {"commute", "workload"};
    REQUIRE(outbox->add(withReasons));
    REQUIRE(outbox->add(checkIn(4)));
    auto batch = outbox->nextBatch();
    REQUIRE(batch);
    REQUIRE(batch.value());
    std::multiset<std::string> seen;
    for (const auto& c : batch.value()->checkIns) {
        seen.insert(std::to_string(c.score) + ":" +
                    (c.reasons.empty() ? "-" : c.reasons[0] + "," + c.reasons[1]));
    }
    CHECK(seen == std::multiset<std::string>{"2:commute,workload", "4:-"});

    auto unsorted = checkIn(3);
    unsorted.reasons = {"workload", "commute"};
    auto r = outbox->add(unsorted);
    REQUIRE_FALSE(r);
    CHECK(r.error().field == "reasons[1]");
    auto bad = checkIn(3);
    bad.reasons = {"Work load"};
    r = outbox->add(bad);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("reasons[0] must be an option id"));
    CHECK(outbox->pendingCount().value() == 2);
}

TEST_CASE("a buddy request is stored apart from check-ins, with no time and no shared key") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    REQUIRE(outbox->add(checkIn(2)));
    // A stand-in for the kiosk's crypto_box_seal: storage only ever sees its output.
    std::vector<std::string> sealedInputs;
    const storage::Outbox::ContactSealer seal =
        [&](const std::string& plain) -> core::Result<std::string> {
        sealedInputs.push_back(plain);
        return std::string("SEALED:") + std::string(plain.rbegin(), plain.rend());
    };
    core::BuddyRequest request{"leeds", "walk", {"lunchtimes"}, "Sam", "sam@example.org"};
    REQUIRE(outbox->addBuddyRequest(request, seal));
    CHECK(outbox->pendingBuddyRequests().value() == 1);
    CHECK(outbox->pendingCount().value() == 1);  // a buddy request is not a check-in

    // No column could order or join it: no time, no batch, nothing shared but the site.
    const auto columns = testing::queryStrings(
        dir / "kiosk.db", "SELECT name FROM pragma_table_info('buddy_requests')");
    CHECK(std::set<std::string>(columns.begin(), columns.end()) ==
          std::set<std::string>{"id", "site_id", "kind", "times", "contact_format", "contact"});
    // Only the sealed bytes were written.
    REQUIRE(sealedInputs.size() == 1);
    CHECK(core::decodeBuddyContact(sealedInputs[0])->contact == "sam@example.org");
    const auto stored = testing::queryStrings(
        dir / "kiosk.db",
        "SELECT contact_format || ' ' || CAST(contact AS TEXT) FROM buddy_requests");
    REQUIRE(stored.size() == 1);
    CHECK_THAT(stored[0], Catch::StartsWith("1 SEALED:"));
    CHECK(stored[0].find("sam@example.org") == std::string::npos);

    // What the uploader sends: the sealed bytes as hex, and deleting by id.
    auto pending = outbox->sealedBuddyRequests(10);
    REQUIRE(pending);
    REQUIRE(pending->size() == 1);
    CHECK(pending->front().kind == "walk");
    CHECK(pending->front().times == std::vector<std::string>{"lunchtimes"});
    std::string sealedBytes;
    REQUIRE(core::fromHex(pending->front().sealedHex, sealedBytes));
    CHECK_THAT(sealedBytes, Catch::StartsWith("SEALED:"));

    core::BuddyRequest empty{"leeds", "walk", {}, "Sam", "  "};
    auto r = outbox->addBuddyRequest(empty, seal);
    REQUIRE_FALSE(r);
    CHECK(r.error().field == "contact");
    CHECK_THAT(r.error().message, Catch::Contains("type an email, phone or desk"));
    // A sealer that fails (no organisation key) stores nothing.
    auto unsealed =
        outbox->addBuddyRequest(request, [](const std::string&) -> core::Result<std::string> {
            return core::makeError(core::ErrorCode::InvalidInput, "no key", "buddy_public_key");
        });
    REQUIRE_FALSE(unsealed);
    CHECK(unsealed.error().field == "buddy_public_key");
    CHECK(outbox->pendingBuddyRequests().value() == 1);

    REQUIRE(outbox->deleteBuddyRequests({pending->front().id, std::string(32, 'f')}));
    CHECK(outbox->pendingBuddyRequests().value() == 0);
}

TEST_CASE("at the storage cap new check-ins are refused clearly and unsent ones are kept") {
    testing::TempDir dir;
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(outbox);
    REQUIRE(outbox->setStorageCap(64 * 1024));
    auto usage = outbox->usage();
    REQUIRE(usage);
    CHECK(usage->capBytes == 64 * 1024);
    core::Status r;
    int stored = 0;
    while (r && stored < 100000) {
        r = outbox->add(checkIn(stored % 5 + 1));
        stored += r ? 1 : 0;
    }
    REQUIRE_FALSE(r);
    CHECK(r.error().code == core::ErrorCode::Storage);
    CHECK_THAT(r.error().message, Catch::Contains("storage cap of 64 KB is reached"));
    CHECK_THAT(r.error().message, Catch::Contains("unsent check-ins are kept"));
    CHECK(outbox->pendingCount().value() == stored);
    // The upload thread has its own connection without the cap (so it can always
    // acknowledge); once it has, there is room for check-ins again.
    auto uploader = storage::Outbox::open(dir / "kiosk.db", random);
    REQUIRE(uploader);
    auto batch = uploader->nextBatch();
    REQUIRE(batch);
    REQUIRE(uploader->acknowledge(batch.value()->batchId));
    REQUIRE(uploader->database().exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    CHECK(outbox->add(checkIn(3)));
}

TEST_CASE("a file that is not a database is moved aside and a fresh outbox is created") {
    testing::TempDir dir;
    testing::SeededRandom random;
    testing::ManualClock clock(
        std::chrono::system_clock::time_point(std::chrono::seconds(1795845600)));
    {
        std::ofstream junk(dir / "kiosk.db", std::ios::binary);
        for (int i = 0; i < 1000; ++i) {
            junk << "this is not a database ";
        }
    }
    auto recovered = storage::Outbox::openOrRecover(dir / "kiosk.db", random, clock);
    REQUIRE(recovered);
    REQUIRE(recovered->movedAside);
    CHECK(*recovered->movedAside == (dir / "kiosk.db.corrupt-20261128T060000Z").string());
    CHECK(std::filesystem::file_size(*recovered->movedAside) > 20000);  // kept, not deleted
    CHECK_THAT(recovered->reason, Catch::Contains("not a carekiosk database"));
    CHECK(recovered->outbox.add(checkIn(4)));
    CHECK(recovered->outbox.pendingCount().value() == 1);
}

TEST_CASE("a database with damaged pages is moved aside, and an intact one is left alone") {
    testing::TempDir dir;
    testing::SeededRandom random;
    testing::ManualClock clock(
        std::chrono::system_clock::time_point(std::chrono::seconds(1795845600)));
    {
        auto outbox = storage::Outbox::open(dir / "kiosk.db", random);
        REQUIRE(outbox);
        for (int i = 0; i < 2000; ++i) {
            REQUIRE(outbox->add(checkIn(i % 5 + 1)));
        }
        REQUIRE(outbox->database().exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    {
        auto intact = storage::Outbox::openOrRecover(dir / "kiosk.db", random, clock);
        REQUIRE(intact);
        CHECK_FALSE(intact->movedAside);
        CHECK(intact->outbox.pendingCount().value() == 2000);
    }
    {
        // Scribble over the middle of the file, as a failing SD card might.
        std::fstream file(dir / "kiosk.db", std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(8192);
        for (int i = 0; i < 16384; ++i) {
            file.put(static_cast<char>(i * 37));
        }
    }
    auto recovered = storage::Outbox::openOrRecover(dir / "kiosk.db", random, clock);
    REQUIRE(recovered);
    CHECK(recovered->movedAside);
    CHECK(recovered->outbox.pendingCount().value() == 0);
}

TEST_CASE("a missing directory is reported, not mistaken for damage") {
    testing::TempDir dir;
    testing::SeededRandom random;
    core::SystemClock clock;
    auto r = storage::Outbox::openOrRecover(dir / "no" / "such" / "kiosk.db", random, clock);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == core::ErrorCode::Storage);
    CHECK_THAT(r.error().message, Catch::Contains("writable"));
}

TEST_CASE(
    "the collector's write-ahead log is copied into the database off the commit path, "
    "and stays bounded under a steady stream of commits") {
    testing::TempDir dir;
    const auto path = dir / "server.db";
    auto db = storage::Database::open(path, {});
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t (b BLOB NOT NULL)"));
    auto checkpointer = storage::WalCheckpointer::start(db.value(), {});
    REQUIRE(checkpointer);
    auto insert = db->prepare("INSERT INTO t (b) VALUES (zeroblob(3000))");
    REQUIRE(insert);
    // Commits of about eight pages each, 3.5 times the restart size in all.
    constexpr int kCommits = 7000;
    for (int i = 0; i < kCommits; ++i) {
        REQUIRE(db->exec("BEGIN"));
        for (int row = 0; row < 10; ++row) {
            insert->reset();
            REQUIRE(insert->run());
        }
        REQUIRE(db->exec("COMMIT"));
    }
    REQUIRE(checkpointer.value()->waitForCheckpoints(
        1, std::chrono::steady_clock::now() + std::chrono::seconds(30)));
    // The rows reached the database file itself...
    const auto rowBytes = std::uintmax_t{kCommits} * 10 * 3000;
    const auto checkpointedBefore = checkpointer.value()->checkpoints();
    REQUIRE(checkpointer.value()->waitForCheckpoints(
        checkpointedBefore + 1, std::chrono::steady_clock::now() + std::chrono::seconds(30)));
    CHECK(std::filesystem::file_size(path) > rowBytes / 2);
    // ...and the log did not keep every page ever written.
    const auto walLimit = std::uintmax_t{storage::WalCheckpointer::kPagesBeforeRestart +
                                         4 * storage::WalCheckpointer::kPagesPerCheckpoint} *
                          4120;  // a page and its frame header
    CHECK(std::filesystem::file_size(path.string() + "-wal") < walLimit);
    CHECK(db->queryInt("SELECT count(*) FROM t").value() == kCommits * 10);
}
