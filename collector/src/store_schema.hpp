#pragma once
// The collector's schemas (internal to the store's files): SQLite's steps and
// PostgreSQL's, each applied in order by version. Append new steps; never
// edit a released one.

#include <span>

#include "carekiosk/storage/sqlite.hpp"

namespace carekiosk::collector::schema {

std::span<const storage::Migration> sqlite();
std::span<const storage::Migration> postgres();

}  // namespace carekiosk::collector::schema
