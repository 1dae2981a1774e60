#pragma once
// Shared by the outbox's files (outbox*.cpp), not part of its interface.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "carekiosk/storage/sqlite.hpp"

namespace carekiosk::storage::detail {

// A row's random key: 16 bytes.
inline constexpr std::size_t kRowKeyBytes = 16;

// The outbox's schema history (outbox_schema.cpp).
std::span<const Migration> outboxSchema();

// The check-ins of `file` held open in this process as an SQL condition on
// checkins.id, " AND id NOT IN (...)", or "" for none. Any thread.
std::string notHeldCondition(const std::string& file);

// Option ids stored as one space-separated text, and back.
std::string joinIds(const std::vector<std::string>& ids);
std::vector<std::string> splitIds(const std::string& joined);

}  // namespace carekiosk::storage::detail
