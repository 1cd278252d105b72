#include "client/flags.h"

#include <cerrno>
#include <cstdlib>

namespace engram {

Result<Flags> Flags::Parse(const std::vector<std::string>& args,
                           const std::set<std::string>& valued,
                           const std::set<std::string>& boolean) {
  Flags flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      flags.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (boolean.count(name) > 0) {
      if (value) return SyntaxError("flag --" + name + " takes no value");
      flags.values_[name] = "1";
    } else if (valued.count(name) > 0) {
      if (!value) {
        if (i + 1 >= args.size()) return SyntaxError("flag --" + name + " needs a value");
        value = args[++i];
      }
      flags.values_[name] = *value;
    } else {
      return SyntaxError("unknown flag --" + name);
    }
  }
  return flags;
}

std::string Flags::String(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

Result<std::int64_t> Flags::Int(const std::string& name, std::int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (errno != 0 || end == it->second.c_str() || *end != '\0') {
    return SyntaxError("flag --" + name + " needs an integer, got '" + it->second + "'");
  }
  return static_cast<std::int64_t>(v);
}

Result<double> Flags::Double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (errno != 0 || end == it->second.c_str() || *end != '\0') {
    return SyntaxError("flag --" + name + " needs a number, got '" + it->second + "'");
  }
  return v;
}

}  // namespace engram
