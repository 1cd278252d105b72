// A small command-line flag parser: `--name value`, `--name=value` and boolean `--name`, plus
// positional arguments. Unknown flags and malformed values are SYNTAX errors naming the flag.
#ifndef ENGRAM_CLIENT_FLAGS_H_
#define ENGRAM_CLIENT_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram {

class Flags {
 public:
  // `valued` names flags that take a value, `boolean` those that do not (without dashes).
  static Result<Flags> Parse(const std::vector<std::string>& args,
                             const std::set<std::string>& valued,
                             const std::set<std::string>& boolean);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string String(const std::string& name, const std::string& fallback = "") const;
  Result<std::int64_t> Int(const std::string& name, std::int64_t fallback) const;
  Result<double> Double(const std::string& name, double fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace engram

#endif  // ENGRAM_CLIENT_FLAGS_H_
