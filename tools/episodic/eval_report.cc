#include "tools/episodic/eval_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "client/json.h"

namespace engram::tools {
namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// A finite double as JSON with enough digits to round-trip; non-finite as null.
std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

std::optional<bool> EvalReport::Metric::Pass() const {
  if (min_rate) return value >= *min_rate;
  if (at_most && hits) return *hits <= *at_most;
  return std::nullopt;
}

void EvalReport::Rate(const std::string& phase, const std::string& name, std::size_t hits,
                      std::size_t total, std::optional<double> target) {
  Metric m{phase, name};
  m.value = total == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(total);
  m.hits = hits;
  m.total = total;
  m.min_rate = target;
  metrics_.push_back(std::move(m));
}

void EvalReport::Count(const std::string& phase, const std::string& name, std::size_t count,
                       std::optional<std::size_t> at_most) {
  Metric m{phase, name};
  m.value = static_cast<double>(count);
  m.hits = count;
  m.at_most = at_most;
  metrics_.push_back(std::move(m));
}

void EvalReport::Value(const std::string& phase, const std::string& name, double value,
                       const std::string& unit) {
  Metric m{phase, name};
  m.value = value;
  m.unit = unit;
  metrics_.push_back(std::move(m));
}

void EvalReport::Note(const std::string& phase, const std::string& name, const std::string& text) {
  Metric m{phase, name};
  m.text = text;
  metrics_.push_back(std::move(m));
}

void EvalReport::CurvePoint(const std::string& curve, const std::vector<std::string>& series,
                            double x, const std::vector<double>& y) {
  auto it =
      std::find_if(curves_.begin(), curves_.end(), [&](const Curve& c) { return c.name == curve; });
  if (it == curves_.end()) {
    curves_.push_back({curve, series, {}, {}});
    it = curves_.end() - 1;
  }
  it->x.push_back(x);
  it->y.push_back(y);
}

std::string EvalReport::Table() const {
  std::vector<std::vector<std::string>> cells = {{"phase", "metric", "value", "target", ""}};
  for (const Metric& m : metrics_) {
    std::string value, target;
    if (!m.text.empty()) {
      value = m.text;
    } else if (m.total) {
      value =
          Fixed(m.value, 4) + " (" + std::to_string(*m.hits) + "/" + std::to_string(*m.total) + ")";
      if (m.min_rate) target = ">= " + Fixed(*m.min_rate, 2);
    } else if (m.hits) {
      value = std::to_string(*m.hits);
      if (m.at_most) target = "<= " + std::to_string(*m.at_most);
    } else {
      value = Fixed(m.value, m.value >= 100 ? 1 : 3) + " " + m.unit;
    }
    const std::optional<bool> pass = m.Pass();
    cells.push_back({m.phase, m.name, value, target, pass ? (*pass ? "PASS" : "FAIL") : ""});
  }
  std::vector<std::size_t> width(5, 0);
  for (const auto& row : cells) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (std::size_t r = 0; r < cells.size(); ++r) {
    for (std::size_t c = 0; c < cells[r].size(); ++c) {
      out += cells[r][c];
      if (c + 1 < cells[r].size()) out += std::string(width[c] - cells[r][c].size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
    if (r == 0) {
      std::size_t total = 0;
      for (std::size_t w : width) total += w + 2;
      out += std::string(total - 2, '-') + '\n';
    }
  }
  for (const Curve& curve : curves_) {
    out += "\n" + curve.name + ":\n  x";
    for (const std::string& s : curve.series) out += "  " + s;
    out += '\n';
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      out += "  " + Fixed(curve.x[i], 0);
      for (double y : curve.y[i]) out += "  " + Fixed(y, 4);
      out += '\n';
    }
  }
  return out;
}

std::string EvalReport::Json() const {
  std::string metrics = "[";
  for (const Metric& m : metrics_) {
    JsonObject o;
    o.Add("phase", m.phase).Add("name", m.name);
    if (!m.text.empty()) {
      o.Add("text", m.text);
    } else {
      o.AddRaw("value", JsonNumber(m.value));
    }
    if (!m.unit.empty()) o.Add("unit", m.unit);
    if (m.hits) o.Add(m.total ? "hits" : "count", std::uint64_t{*m.hits});
    if (m.total) o.Add("total", std::uint64_t{*m.total});
    if (m.min_rate) o.AddRaw("target_at_least", JsonNumber(*m.min_rate));
    if (m.at_most) o.Add("target_at_most", std::uint64_t{*m.at_most});
    if (auto pass = m.Pass()) o.Add("pass", *pass);
    if (metrics.size() > 1) metrics += ",";
    metrics += o.str();
  }
  metrics += "]";
  JsonObject curves;
  for (const Curve& curve : curves_) {
    std::string series = "[", points = "[";
    for (const std::string& s : curve.series) {
      if (series.size() > 1) series += ',';
      series += JsonString(s);
    }
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      std::string ys = "[";
      for (double y : curve.y[i]) {
        if (ys.size() > 1) ys += ',';
        ys += JsonNumber(y);
      }
      JsonObject point;
      point.AddRaw("x", JsonNumber(curve.x[i])).AddRaw("y", ys + "]");
      if (points.size() > 1) points += ',';
      points += point.str();
    }
    JsonObject c;
    c.AddRaw("series", series + "]").AddRaw("points", points + "]");
    curves.AddRaw(curve.name, c.str());
  }
  JsonObject root;
  root.AddRaw("metrics", metrics).AddRaw("curves", curves.str()).Add("passed", Passed());
  return root.str() + "\n";
}

bool EvalReport::Passed() const {
  return std::all_of(metrics_.begin(), metrics_.end(),
                     [](const Metric& m) { return m.Pass().value_or(true); });
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return InternalError("cannot write " + path);
  return Status::Ok();
}

}  // namespace engram::tools
