// Table: columns aligned for people, as `shoal nodes` and `shoal ps` print.
#pragma once

#include <string>
#include <vector>

namespace shoal::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Prints every row, columns separated by two spaces, the last unpadded.
  void Print() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace shoal::cli
