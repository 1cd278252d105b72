// The measurements of engram-episodic-eval, printed as a table and written as JSON: rates
// (hits of a total, with an optional target "at least"), plain values (times, latencies) and
// curves (series of points).
//
// Thread-safety: a plain value; one writer.
#ifndef ENGRAM_TOOLS_EPISODIC_EVAL_REPORT_H_
#define ENGRAM_TOOLS_EPISODIC_EVAL_REPORT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram::tools {

class EvalReport {
 public:
  // `hits` of `total`; a target is a minimum rate (0..1).
  void Rate(const std::string& phase, const std::string& name, std::size_t hits, std::size_t total,
            std::optional<double> target = std::nullopt);
  // A count that must not exceed `at_most` (e.g. forgotten facts still recalled: 0).
  void Count(const std::string& phase, const std::string& name, std::size_t count,
             std::optional<std::size_t> at_most = std::nullopt);
  void Value(const std::string& phase, const std::string& name, double value,
             const std::string& unit);
  void Note(const std::string& phase, const std::string& name, const std::string& text);
  // A curve point: at x, one y per series (series named once per curve by the first call).
  void CurvePoint(const std::string& curve, const std::vector<std::string>& series, double x,
                  const std::vector<double>& y);

  // The table: phase, metric, value, target, PASS/FAIL/"".
  std::string Table() const;
  // {"metrics": [{"phase", "name", "value", ...}], "curves": {name: {"series": [...],
  //  "points": [{"x", "y": [...]}]}}, "passed": bool}
  std::string Json() const;
  // Every target met.
  bool Passed() const;

  struct Curve {
    std::string name;
    std::vector<std::string> series;
    std::vector<double> x;
    std::vector<std::vector<double>> y;  // per point, one per series
  };
  const std::vector<Curve>& curves() const { return curves_; }

 private:
  struct Metric {
    std::string phase, name;
    double value = 0.0;
    std::string unit;  // "" for rates and counts
    std::optional<std::size_t> hits, total;
    std::optional<double> min_rate;      // rates
    std::optional<std::size_t> at_most;  // counts
    std::string text;                    // notes
    std::optional<bool> Pass() const;
  };
  std::vector<Metric> metrics_;
  std::vector<Curve> curves_;
};

// Writes `text` to `path`. INTERNAL when it cannot.
Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EPISODIC_EVAL_REPORT_H_
