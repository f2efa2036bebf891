#include "tools/wasi-suite/suite_case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace shoal::wasi_suite {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Error Bad(const std::string& name, const std::string& what) {
  return MakeError(Status::kMalformed, name + ".json: " + what);
}

Result<std::optional<std::string>> OptionalString(const json& doc, const char* key,
                                                  const std::string& name) {
  auto it = doc.find(key);
  if (it == doc.end()) return std::optional<std::string>();
  if (!it->is_string()) return Bad(name, std::string(key) + " is not a string");
  return std::optional<std::string>(it->get<std::string>());
}

}  // namespace

Result<SuiteCase> ParseSuiteCase(const std::string& dir, const std::string& name,
                                 std::string_view json_text) {
  SuiteCase c;
  c.name = name;
  c.wasm_path = (fs::path(dir) / (name + ".wasm")).string();
  if (json_text.empty()) return c;
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Bad(name, "not a JSON object");
  if (doc.contains("operations")) {
    return MakeError(Status::kNotSupported, name + ".json: the operations form");
  }
  if (auto it = doc.find("args"); it != doc.end()) {
    if (!it->is_array()) return Bad(name, "args is not an array");
    for (const json& arg : *it) {
      if (!arg.is_string()) return Bad(name, "an argument is not a string");
      c.args.push_back(arg.get<std::string>());
    }
  }
  if (auto it = doc.find("env"); it != doc.end()) {
    if (!it->is_object()) return Bad(name, "env is not an object");
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) return Bad(name, "env." + key + " is not a string");
      c.env.push_back(key + "=" + value.get<std::string>());
    }
  }
  if (auto it = doc.find("root"); it != doc.end()) {
    if (!it->is_string()) return Bad(name, "root is not a string");
    c.root = (fs::path(dir) / it->get<std::string>()).string();
  }
  if (auto it = doc.find("exit_code"); it != doc.end()) {
    if (!it->is_number_integer()) return Bad(name, "exit_code is not an integer");
    c.exit_code = it->get<int>();
  }
  c.stdout_text = TRY(OptionalString(doc, "stdout", name));
  c.stderr_text = TRY(OptionalString(doc, "stderr", name));
  return c;
}

Result<std::vector<SuiteCase>> LoadSuiteDir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".wasm") names.push_back(entry.path().stem().string());
  }
  if (ec) return MakeError(Status::kIoError, dir + ": " + ec.message());
  if (names.empty()) return MakeError(Status::kNotFound, dir + ": no .wasm test");
  std::sort(names.begin(), names.end());
  std::vector<SuiteCase> cases;
  for (const std::string& name : names) {
    std::string text;
    if (std::ifstream in(fs::path(dir) / (name + ".json")); in) {
      std::ostringstream buf;
      buf << in.rdbuf();
      text = buf.str();
    }
    cases.push_back(TRY(ParseSuiteCase(dir, name, text)));
  }
  return cases;
}

}  // namespace shoal::wasi_suite
