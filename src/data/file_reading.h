// Reading whole files and line lists for the data sets (private to src/data): errors name the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::data {

// The bytes of `path`; an Error "PATH: cannot open: REASON" (or read) otherwise.
Result<std::string> read_file_bytes(const std::string& path);

// A non-blank line of a list file: its text without the line end ("\n" or "\r\n") and without
// leading and trailing spaces and tabs, and its 1-based line number.
struct ListLine {
  int64_t number = 0;
  std::string text;
};
// The non-blank lines of `path` in order (a UTF-8 byte-order mark at the start is dropped).
Result<std::vector<ListLine>> read_list_lines(const std::string& path);

}  // namespace hwnas::data
