#pragma once
// Reads a SQLite database file, and a rollback journal, as a thief with the
// disk would: page by page, without SQLite. For the test that the kiosk's files
// keep no order of commits. Header-only.
//
// The layout is SQLite's documented file format (sqlite.org/fileformat2.html):
// the page size at offset 16 of the header, the freelist from offset 32, each
// b-tree page's header (type, cell count) at its start (offset 100 on page 1),
// then its cell pointers; a cell of an index leaf page (a WITHOUT ROWID table's
// rows) is a varint payload size and a record: a header of serial types, then
// the values.

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace carekiosk::testing {

// One row of the kiosk's check-ins table found on a page: where its cell sits
// and what it says.
struct RowOnPage {
    std::string file;  // "database" or "journal"
    std::uint32_t page = 0;
    std::uint32_t offset = 0;  // of its cell in the page
    std::int64_t score = 0;
    std::int64_t hour = 0;
};

struct PagesFound {
    std::vector<RowOnPage> rows;
    std::vector<std::uint32_t> dirtyFreePages;  // free pages that are not all zeros
};

class SqlitePages {
  public:
    // `journal`: a rollback journal or a write-ahead log ("-wal"), told apart
    // by its magic number; missing or empty files hold nothing.
    static PagesFound read(const std::string& database, const std::string& journal) {
        PagesFound found;
        const auto bytes = load(database);
        if (bytes.size() < 100) {
            return found;
        }
        std::size_t pageSize = be(bytes, 16, 2);
        pageSize = pageSize == 1 ? 65536 : pageSize;
        const std::size_t pages = bytes.size() / pageSize;
        std::vector<bool> trunk(pages + 1, false);
        std::vector<bool> leaf(pages + 1, false);
        for (auto t = static_cast<std::uint32_t>(be(bytes, 32, 4)); t != 0 && t <= pages;) {
            const std::size_t at = (t - 1) * pageSize;
            trunk[t] = true;
            const auto count = be(bytes, at + 4, 4);
            for (std::size_t i = 0; i < count && 8 + 4 * i + 4 <= pageSize; ++i) {
                const auto l = be(bytes, at + 8 + 4 * i, 4);
                if (l >= 1 && l <= pages) {
                    leaf[l] = true;
                }
            }
            t = static_cast<std::uint32_t>(be(bytes, at, 4));
        }
        for (std::uint32_t page = 1; page <= pages; ++page) {
            const std::size_t at = (page - 1) * pageSize;
            if (leaf[page]) {
                if (std::any_of(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                bytes.begin() + static_cast<std::ptrdiff_t>(at + pageSize),
                                [](std::uint8_t b) { return b != 0; })) {
                    found.dirtyFreePages.push_back(page);
                }
            } else if (!trunk[page]) {
                rowsOf(bytes, at, page == 1 ? 100 : 0, "database", page, found.rows);
            }
        }
        const auto log = load(journal);
        const auto magic = be(log, 0, 4);
        if (log.size() >= 32 && (magic == 0x377f0682 || magic == 0x377f0683)) {
            // A write-ahead log: a 32-byte header, then frames of a 24-byte
            // header (the page number first) and the page.
            for (std::size_t at = 32; at + 24 + pageSize <= log.size(); at += 24 + pageSize) {
                const auto page = static_cast<std::uint32_t>(be(log, at, 4));
                rowsOf(log, at + 24, page == 1 ? 100 : 0, "log", page, found.rows);
            }
        } else if (log.size() >= 28) {
            // A rollback journal: a header of one sector, then (page number,
            // page, checksum) records.
            std::size_t sector = be(log, 20, 4);
            sector = sector < 512 || sector > 65536 ? 512 : sector;
            for (std::size_t at = sector; at + 4 + pageSize + 4 <= log.size();
                 at += 4 + pageSize + 4) {
                const auto page = static_cast<std::uint32_t>(be(log, at, 4));
                rowsOf(log, at + 4, page == 1 ? 100 : 0, "journal", page, found.rows);
            }
        }
        return found;
    }

  private:
    static std::vector<std::uint8_t> load(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    static std::uint64_t be(const std::vector<std::uint8_t>& b, std::size_t at, int n) {
        std::uint64_t v = 0;
        for (int i = 0; i < n && at + static_cast<std::size_t>(i) < b.size(); ++i) {
            v = (v << 8) | b[at + static_cast<std::size_t>(i)];
        }
        return v;
    }
    static std::uint64_t varint(const std::vector<std::uint8_t>& b, std::size_t& at) {
        std::uint64_t v = 0;
        for (int i = 0; i < 9 && at < b.size(); ++i) {
            const std::uint8_t c = b[at++];
            if (i == 8) {
                return (v << 8) | c;
            }
            v = (v << 7) | (c & 0x7f);
            if (!(c & 0x80)) {
                break;
            }
        }
        return v;
    }
    static std::size_t sizeOf(std::uint64_t type) {
        static const std::size_t fixed[] = {0, 1, 2, 3, 4, 6, 8, 8, 0, 0};
        return type < 10 ? fixed[type] : type >= 12 ? (type - 12) / 2 : 0;
    }
    static std::int64_t integer(const std::vector<std::uint8_t>& b, std::size_t at,
                                std::uint64_t type) {
        if (type == 8 || type == 9) {
            return type == 8 ? 0 : 1;
        }
        const auto n = static_cast<int>(sizeOf(type));
        auto v = static_cast<std::int64_t>(be(b, at, n));
        if (n > 0 && n < 8 && (b[at] & 0x80)) {
            v -= std::int64_t(1) << (8 * n);
        }
        return v;
    }
    // The check-in rows of an index leaf page: records of 8 values whose
    // first is a 16-byte key (the checkins table's shape).
    static void rowsOf(const std::vector<std::uint8_t>& b, std::size_t at, std::size_t headerAt,
                       const char* file, std::uint32_t page, std::vector<RowOnPage>& rows) {
        const std::size_t h = at + headerAt;
        if (h >= b.size() || b[h] != 10) {
            return;
        }
        const auto cells = be(b, h + 3, 2);
        for (std::size_t i = 0; i < cells; ++i) {
            const auto offset = static_cast<std::uint32_t>(be(b, h + 8 + 2 * i, 2));
            std::size_t p = at + offset;
            (void)varint(b, p);  // payload size
            const std::size_t recordStart = p;
            const auto headerSize = varint(b, p);
            std::vector<std::uint64_t> types;
            while (p < recordStart + headerSize && p < b.size()) {
                types.push_back(varint(b, p));
            }
            if (types.size() != 8 || types[0] != 12 + 2 * 16) {
                continue;  // not a check-in row
            }
            std::size_t value = recordStart + headerSize;
            std::vector<std::size_t> starts;
            for (auto t : types) {
                starts.push_back(value);
                value += sizeOf(t);
            }
            rows.push_back({file, page, offset, integer(b, starts[1], types[1]),
                            integer(b, starts[4], types[4])});
        }
    }
};

}  // namespace carekiosk::testing
