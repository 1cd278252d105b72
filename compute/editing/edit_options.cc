#include "compute/editing/edit_options.h"

#include <cmath>
#include <sstream>

namespace engram::compute::editing {
namespace {

bool Positive(float v) {
  return std::isfinite(v) && v > 0.0f;
}
bool NonNegative(float v) {
  return std::isfinite(v) && v >= 0.0f;
}

}  // namespace

Status EditOptions::Validate(const LlamaConfig& config) const {
  auto bad = [](const std::string& what) { return SyntaxError("edit option " + what); };
  if (layer < 0 || layer >= config.n_layers) {
    return bad("layer=" + std::to_string(layer) + " outside the model's " +
               std::to_string(config.n_layers) + " layers");
  }
  if (!Positive(learning_rate)) return bad("learning_rate must be positive");
  if (max_steps < 1 || max_steps > 10000) return bad("max_steps must be in 1..10000");
  if (!NonNegative(stop_loss)) return bad("stop_loss must be >= 0");
  if (!Positive(clamp)) return bad("clamp must be positive");
  if (!(mask_ratio > 0.0f && mask_ratio <= 1.0f)) return bad("mask_ratio must be in (0, 1]");
  if (prefix_count < 0 || prefix_count > 16) return bad("prefix_count must be in 0..16");
  if (prefix_tokens < 1 || prefix_tokens > 64) return bad("prefix_tokens must be in 1..64");
  if (truncations < 0 || truncations > 16) return bad("truncations must be in 0..16");
  if (!NonNegative(margin_unrelated) || !NonNegative(margin_edit) || !NonNegative(margin_gap)) {
    return bad("margins must be >= 0");
  }
  if (!NonNegative(router_weight)) return bad("router_weight must be >= 0");
  if (!(act_ratio > 0.0f && act_ratio <= 1.0f)) return bad("act_ratio must be in (0, 1]");
  if (!(gate_threshold >= -1.0f && gate_threshold <= 1.0f)) {
    return bad("gate_threshold must be a cosine in [-1, 1]");
  }
  if (gate == RouteGate::kNone && route_rule == RouteRule::kNearestKey) {
    return bad("route_rule nearest_key needs a gate");
  }
  if (save_freq < 1) return bad("save_freq must be at least 1");
  if (merge_freq < 0 || (merge_freq > 0 && merge_freq % save_freq != 0)) {
    return bad("merge_freq must be 0 or a multiple of save_freq");
  }
  if (!(ties_density > 0.0f && ties_density <= 1.0f)) {
    return bad("ties_density must be in (0, 1]");
  }
  return Status::Ok();
}

std::string ToString(const EditOptions& o) {
  std::ostringstream s;
  s << "layer=" << o.layer << " lr=" << o.learning_rate << " steps=" << o.max_steps
    << " stop_loss=" << o.stop_loss << " clamp=" << o.clamp << " mask=" << o.mask_ratio
    << " prefixes=" << o.prefix_count << "x" << o.prefix_tokens << " truncations=" << o.truncations
    << " router_loss=" << (o.router_loss ? 1 : 0) << " alpha=" << o.margin_unrelated
    << " beta=" << o.margin_edit << " gamma=" << o.margin_gap
    << " router_weight=" << o.router_weight << " act_ratio=" << o.act_ratio << " rule="
    << (o.route_rule == RouteRule::kLargestScore   ? "score"
        : o.route_rule == RouteRule::kLargestRatio ? "ratio"
                                                   : "key")
    << " gate=" << (o.gate == RouteGate::kTextCode ? "text" : "none")
    << " gate_threshold=" << o.gate_threshold << " save_freq=" << o.save_freq
    << " merge_freq=" << o.merge_freq << " ties_density=" << o.ties_density << " seed=" << o.seed;
  return s.str();
}

Status ApplyEditSetting(EditOptions& options, std::string_view name, double value) {
  auto integer = [&](int& into) -> Status {
    if (!(value == std::floor(value) && std::abs(value) < 1e9)) {
      return SyntaxError(std::string(name) + " takes an integer");
    }
    into = static_cast<int>(value);
    return Status::Ok();
  };
  if (name == "edit_layer") return integer(options.layer);
  if (name == "edit_steps") return integer(options.max_steps);
  if (name == "edit_save_freq") return integer(options.save_freq);
  if (name == "edit_merge_freq") return integer(options.merge_freq);
  if (name == "edit_lr")
    options.learning_rate = static_cast<float>(value);
  else if (name == "edit_mask_ratio")
    options.mask_ratio = static_cast<float>(value);
  else if (name == "edit_act_ratio")
    options.act_ratio = static_cast<float>(value);
  else if (name == "edit_gate_threshold")
    options.gate_threshold = static_cast<float>(value);
  else
    return SyntaxError("unknown edit setting '" + std::string(name) + "'");
  return Status::Ok();
}

}  // namespace engram::compute::editing
