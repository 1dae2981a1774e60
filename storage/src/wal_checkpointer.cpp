#include "carekiosk/storage/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>

namespace carekiosk::storage {

core::Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(
    Database& writer, std::span<const Migration> migrations) {
    CAREKIOSK_TRY_LET(own, Database::open(writer.path(), migrations));
    std::unique_ptr<WalCheckpointer> checkpointer(
        new WalCheckpointer(std::move(own).value(), writer));
    // Replaces SQLite's own hook, which is what checkpoints inside commits.
    sqlite3_wal_hook(writer.handle(), &WalCheckpointer::onCommit, checkpointer.get());
    checkpointer->thread_ = std::thread([raw = checkpointer.get()] { raw->run(); });
    return checkpointer;
}

WalCheckpointer::WalCheckpointer(Database own, Database& writer)
    : db_(std::move(own)), writer_(writer) {}

WalCheckpointer::~WalCheckpointer() {
    sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
}

long WalCheckpointer::checkpoints() const {
    std::lock_guard lock(mutex_);
    return checkpoints_;
}

bool WalCheckpointer::waitForCheckpoints(long count,
                                         std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock lock(mutex_);
    return checkpointed_.wait_until(lock, deadline, [&] { return checkpoints_ >= count; });
}

int WalCheckpointer::onCommit(void* self, sqlite3* db, const char* name, int pages) {
    auto* checkpointer = static_cast<WalCheckpointer*>(self);
    if (pages >= kPagesBeforeRestart) {
        // The thread has not kept up: do what SQLite does by default, in this
        // commit, so the next one starts the log again from its beginning.
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    bool due = false;
    {
        std::lock_guard lock(checkpointer->mutex_);
        if (pages < checkpointer->pagesAtLastCheckpoint_) {
            checkpointer->pagesAtLastCheckpoint_ = 0;  // the log started again from its start
        }
        checkpointer->pages_ = pages;
        due = pages - checkpointer->pagesAtLastCheckpoint_ >= kPagesPerCheckpoint;
    }
    if (due) {
        checkpointer->wake_.notify_one();
    }
    return SQLITE_OK;
}

void WalCheckpointer::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        // Woken by a growing log, or once a second to tidy up after a burst.
        wake_.wait_for(lock, std::chrono::seconds(1), [this] {
            return stop_ || pages_ - pagesAtLastCheckpoint_ >= kPagesPerCheckpoint;
        });
        if (stop_ || pages_ == pagesAtLastCheckpoint_) {
            continue;
        }
        lock.unlock();
        // PASSIVE: copies what no reader still needs and never waits. A
        // failure (a busy database, a full disk) leaves the log as it is; the
        // next try copies it, and the data is safe in the log meanwhile.
        (void)db_.exec("PRAGMA wal_checkpoint(PASSIVE)");
        lock.lock();
        pagesAtLastCheckpoint_ = pages_;
        ++checkpoints_;
        checkpointed_.notify_all();
    }
}

}  // namespace carekiosk::storage
