#pragma once
// Copies a database's write-ahead log into the database file on a thread of
// its own, so that no commit waits for it.
//
// By default SQLite checkpoints inside the commit that pushes the log past
// 1,000 pages: that one commit (and whoever waits for it, e.g. a kiosk's
// batch) also writes every page the log holds. A server instead turns the
// writer connection's automatic checkpoints off and lets this thread run
// PASSIVE checkpoints, which never block readers or writers, each time the
// log has grown by kPagesPerCheckpoint pages, and once a second while it
// holds any. The log starts again from its beginning only once a checkpoint
// has copied all of it, which one running beside a steady stream of commits
// may never do: past kPagesBeforeRestart pages the commit checkpoints itself,
// as SQLite would by default, so the log stays bounded.
//
// Thread: start() and the destructor on the owner's thread; the log-size hook
// runs on the writer's thread; the checkpoints on the checkpointer's own.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "carekiosk/storage/sqlite.hpp"

namespace carekiosk::storage {

class WalCheckpointer {
  public:
    static constexpr int kPagesPerCheckpoint = 1000;
    static constexpr int kPagesBeforeRestart = 16000;  // 64 MiB of 4 KiB pages

    // Opens its own connection to `writer`'s database (whose schema
    // `migrations` describe) and takes over `writer`'s automatic checkpoints.
    // `writer` must outlive the checkpointer. Errors: the database cannot be
    // opened.
    static core::Result<std::unique_ptr<WalCheckpointer>> start(
        Database& writer, std::span<const Migration> migrations);
    // Stops the thread after the checkpoint in progress, if any.
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    // Checkpoints run so far (for tests and diagnostics).
    long checkpoints() const;
    // Waits until at least `count` checkpoints have run; false at `deadline`.
    bool waitForCheckpoints(long count, std::chrono::steady_clock::time_point deadline) const;

  private:
    WalCheckpointer(Database own, Database& writer);
    static int onCommit(void* self, sqlite3* db, const char* name, int pages);
    void run();

    Database db_;
    Database& writer_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    mutable std::condition_variable checkpointed_;
    int pages_ = 0;  // the log's size in pages at the last commit
    int pagesAtLastCheckpoint_ = 0;
    bool stop_ = false;
    long checkpoints_ = 0;
    std::thread thread_;
};

}  // namespace carekiosk::storage
