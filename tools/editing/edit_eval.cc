// engram-edit-eval: WISE side-memory editing measured on real data (docs/editing.md §6).
//
//   engram-edit-eval [--edits T] [--first-fact N] [--books 200] [--stories 200]
//                    [--paraphrases MAX] [--data DIR] [--model DIR] [--json FILE] [--dump FILE]
//                    [--quiet]
//                    [edit options: --layer --lr --steps --stop-loss --clamp --mask
//                     --prefixes --prefix-tokens --truncations --no-router-loss --alpha --beta
//                     --gamma
//                     --router-weight --act-ratio --rule score|ratio|key --gate none|text
//                     --gate-threshold --save-freq --merge-freq
//                     --ties-density --seed]
//
// T edit requests (the first T known_1000 facts whose target starts at a token boundary:
// prompt → " " + attribute) are made one after the other into one side memory; after all T,
// Rel (the greedy continuation of each edit's prompt starts with the target's tokens), Gen (the
// same for the paraphrases: the subject in the relation's other templates) and Loc (token
// agreement of 32 greedy tokens with the unedited model on 200 book sentence starts and 200 of
// the model's story openings), all with the router on. Unset edit options keep the defaults
// of compute/editing/edit_options.h. Exit status: 0 all targets met (Rel >= .95, Gen >= .60,
// Loc >= .99), 1 an error, 2 a usage error, 3 a target missed.
#include <cstdio>
#include <fstream>
#include <string>

#include "client/flags.h"
#include "client/json.h"
#include "compute/editing/edit_options.h"
#include "compute/model/model_bundle.h"
#include "tools/editing/edit_eval_data.h"
#include "tools/editing/edit_eval_run.h"
#include "tools/episodic/book_text.h"

namespace engram::tools {
namespace {

namespace ce = compute::editing;

constexpr int kExitTargetMissed = 3;

Status ReadOptions(const Flags& flags, ce::EditOptions& o) {
  auto int_flag = [&](const char* name, int& out) -> Status {
    auto v = flags.Int(name, out);
    if (!v.ok()) return v.status();
    out = static_cast<int>(*v);
    return Status::Ok();
  };
  auto float_flag = [&](const char* name, float& out) -> Status {
    auto v = flags.Double(name, out);
    if (!v.ok()) return v.status();
    out = static_cast<float>(*v);
    return Status::Ok();
  };
  ENGRAM_RETURN_IF_ERROR(int_flag("layer", o.layer));
  ENGRAM_RETURN_IF_ERROR(float_flag("lr", o.learning_rate));
  ENGRAM_RETURN_IF_ERROR(int_flag("steps", o.max_steps));
  ENGRAM_RETURN_IF_ERROR(float_flag("stop-loss", o.stop_loss));
  ENGRAM_RETURN_IF_ERROR(float_flag("clamp", o.clamp));
  ENGRAM_RETURN_IF_ERROR(float_flag("mask", o.mask_ratio));
  ENGRAM_RETURN_IF_ERROR(int_flag("prefixes", o.prefix_count));
  ENGRAM_RETURN_IF_ERROR(int_flag("prefix-tokens", o.prefix_tokens));
  ENGRAM_RETURN_IF_ERROR(int_flag("truncations", o.truncations));
  if (flags.Has("no-router-loss")) o.router_loss = false;
  ENGRAM_RETURN_IF_ERROR(float_flag("alpha", o.margin_unrelated));
  ENGRAM_RETURN_IF_ERROR(float_flag("beta", o.margin_edit));
  ENGRAM_RETURN_IF_ERROR(float_flag("gamma", o.margin_gap));
  ENGRAM_RETURN_IF_ERROR(float_flag("router-weight", o.router_weight));
  ENGRAM_RETURN_IF_ERROR(float_flag("act-ratio", o.act_ratio));
  const std::string rule = flags.String("rule", "");
  if (rule == "score") o.route_rule = ce::RouteRule::kLargestScore;
  if (rule == "ratio") o.route_rule = ce::RouteRule::kLargestRatio;
  if (rule == "key") o.route_rule = ce::RouteRule::kNearestKey;
  if (!rule.empty() && rule != "score" && rule != "ratio" && rule != "key") {
    return SyntaxError("--rule must be score, ratio or key");
  }
  const std::string gate = flags.String("gate", "");
  if (gate == "none") {
    o.gate = ce::RouteGate::kNone;
    if (rule.empty()) o.route_rule = ce::RouteRule::kLargestScore;
  }
  if (gate == "text") o.gate = ce::RouteGate::kTextCode;
  if (!gate.empty() && gate != "none" && gate != "text") {
    return SyntaxError("--gate must be none or text");
  }
  ENGRAM_RETURN_IF_ERROR(float_flag("gate-threshold", o.gate_threshold));
  ENGRAM_RETURN_IF_ERROR(int_flag("save-freq", o.save_freq));
  ENGRAM_RETURN_IF_ERROR(int_flag("merge-freq", o.merge_freq));
  ENGRAM_RETURN_IF_ERROR(float_flag("ties-density", o.ties_density));
  auto seed = flags.Int("seed", static_cast<std::int64_t>(o.seed));
  if (!seed.ok()) return seed.status();
  o.seed = static_cast<std::uint64_t>(*seed);
  return Status::Ok();
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string Triple(const std::vector<double>& v) {
  return "[" + Num(v[0]) + "," + Num(v[1]) + "," + Num(v[2]) + "]";
}

std::string ReportJson(const EditEvalReport& r, const ce::EditOptions& o) {
  JsonObject j;
  j.Add("options", ce::ToString(o));
  j.Add("edits", static_cast<std::uint64_t>(r.edits));
  j.Add("failed_edits", static_cast<std::uint64_t>(r.failed_edits));
  j.AddRaw("rel", Num(r.rel.value()));
  j.AddRaw("gen", Num(r.gen.value()));
  j.AddRaw("loc", Num(r.loc));
  j.AddRaw("loc_books", Num(r.loc_books));
  j.AddRaw("loc_stories", Num(r.loc_stories));
  j.AddRaw("rel_before", Num(r.rel_before.value()));
  j.AddRaw("rel_oracle", Num(r.rel_oracle.value()));
  j.AddRaw("gen_oracle", Num(r.gen_oracle.value()));
  j.AddRaw("rel_routed", Num(r.rel_routed.value()));
  j.AddRaw("gen_routed", Num(r.gen_routed.value()));
  j.AddRaw("loc_routed", Num(r.loc_routed.value()));
  j.Add("paraphrases", static_cast<std::uint64_t>(r.gen.total));
  j.Add("memories", static_cast<std::uint64_t>(r.memories));
  j.Add("shards", static_cast<std::uint64_t>(r.shards));
  j.AddRaw("edit_p50_s", Num(r.edit_p50));
  j.AddRaw("edit_p95_s", Num(r.edit_p95));
  j.AddRaw("edit_mean_s", Num(r.edit_mean));
  j.AddRaw("iterations_mean", Num(r.iterations_mean));
  j.AddRaw("final_ce_mean", Num(r.final_ce_mean));
  j.AddRaw("act_edit_mean", Num(r.act_edit_mean));
  j.AddRaw("act_unrelated_mean", Num(r.act_unrelated_mean));
  j.AddRaw("route_s", Num(r.route_seconds));
  j.AddRaw("tokens_per_s_base", Num(r.tokens_per_second_base));
  j.AddRaw("tokens_per_s_routed", Num(r.tokens_per_second_routed));
  j.AddRaw("own_ratio_p5_p50_p95", Triple(r.own_ratio));
  j.AddRaw("paraphrase_ratio_p5_p50_p95", Triple(r.paraphrase_ratio));
  j.AddRaw("unrelated_ratio_p5_p50_p95", Triple(r.unrelated_ratio));
  j.Add("state_hash", r.state_hash);
  j.Add("state_bytes", static_cast<std::uint64_t>(r.state_bytes));
  j.AddRaw("total_s", Num(r.total_seconds));
  return j.str();
}

int Main(int argc, char** argv) {
  auto flags = Flags::Parse({argv + 1, argv + argc},
                            {"edits",
                             "dump",
                             "first-fact",
                             "books",
                             "stories",
                             "paraphrases",
                             "data",
                             "model",
                             "json",
                             "layer",
                             "lr",
                             "steps",
                             "stop-loss",
                             "clamp",
                             "mask",
                             "prefixes",
                             "prefix-tokens",
                             "truncations",
                             "alpha",
                             "beta",
                             "gamma",
                             "router-weight",
                             "act-ratio",
                             "rule",
                             "gate",
                             "gate-threshold",
                             "save-freq",
                             "merge-freq",
                             "ties-density",
                             "seed"},
                            {"no-router-loss", "quiet"});
  if (!flags.ok() || !flags->positional().empty()) {
    if (!flags.ok()) std::fprintf(stderr, "%s\n", flags.status().ToString().c_str());
    std::fprintf(stderr, "usage: see the comment at the top of tools/editing/edit_eval.cc\n");
    return 2;
  }
  ce::EditOptions options;
  if (Status s = ReadOptions(*flags, options); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  EditEvalDataOptions data_options;
  data_options.data_dir = flags->String("data", std::string(ENGRAM_SOURCE_DIR) + "/../shared/data");
  for (auto [name, field] :
       {std::pair{"edits", &data_options.edits}, std::pair{"first-fact", &data_options.first_fact},
        std::pair{"books", &data_options.book_prompts},
        std::pair{"stories", &data_options.story_prompts},
        std::pair{"paraphrases", &data_options.max_paraphrases}}) {
    auto v = flags->Int(name, static_cast<std::int64_t>(*field));
    if (!v.ok() || *v < 0) {
      std::fprintf(stderr, "--%s must be a non-negative integer\n", name);
      return 2;
    }
    *field = static_cast<std::size_t>(*v);
  }
  auto model = compute::LoadModel(flags->String("model"));
  if (!model.ok()) return Fail(model.status());
  if (Status s = options.Validate(model->config()); !s.ok()) return Fail(s);
  auto data = LoadEditEvalData(*model, data_options);
  if (!data.ok()) return Fail(data.status());
  const bool quiet = flags->Has("quiet");
  if (!quiet) {
    std::fprintf(stderr, "%zu edits (%zu facts skipped), %zu paraphrases, %zu unrelated; %s\n",
                 data->cases.size(), data->skipped, data->generality.size(), data->locality.size(),
                 ce::ToString(options).c_str());
  }
  auto report = RunEditEval(*model, options, *data, !quiet);
  if (!report.ok()) return Fail(report.status());
  const EditEvalReport& r = *report;
  std::printf(
      "T=%zu  Rel %.3f (%zu/%zu)  Gen %.3f (%zu/%zu)  Loc %.4f (books %.4f, stories %.4f)\n",
      r.edits, r.rel.value(), r.rel.hits, r.rel.total, r.gen.value(), r.gen.hits, r.gen.total,
      r.loc, r.loc_books, r.loc_stories);
  std::printf(
      "routed: own prompt %.3f, paraphrase %.3f, unrelated %.3f; memories %zu, shards %zu; "
      "perfect router: Rel %.3f Gen %.3f\n",
      r.rel_routed.value(), r.gen_routed.value(), r.loc_routed.value(), r.memories, r.shards,
      r.rel_oracle.value(), r.gen_oracle.value());
  std::printf(
      "edit p50 %.3f s, p95 %.3f s, %.1f iterations, final CE %.3f, act edit %.2f "
      "unrelated %.2f; before: Rel %.3f\n",
      r.edit_p50, r.edit_p95, r.iterations_mean, r.final_ce_mean, r.act_edit_mean,
      r.act_unrelated_mean, r.rel_before.value());
  std::printf("route %.2f ms; tokens/s unedited %.0f, routed %.0f; state %zu bytes %s\n",
              r.route_seconds * 1e3, r.tokens_per_second_base, r.tokens_per_second_routed,
              r.state_bytes, r.state_hash.c_str());
  std::printf("score/threshold p5/p50/p95: own %s, paraphrase %s, unrelated nearest %s; %.0f s\n",
              Triple(r.own_ratio).c_str(), Triple(r.paraphrase_ratio).c_str(),
              Triple(r.unrelated_ratio).c_str(), r.total_seconds);
  const std::string json_path = flags->String("json");
  if (!json_path.empty()) {
    std::ofstream out(json_path, std::ios::app);
    out << ReportJson(r, options) << "\n";
  }
  if (flags->Has("dump")) {
    std::ofstream out(flags->String("dump"));
    for (const std::string& line : r.dump) out << line << "\n";
  }
  const bool met = r.rel.value() >= 0.95 && r.gen.value() >= 0.60 && r.loc >= 0.99;
  return met ? 0 : kExitTargetMissed;
}

}  // namespace
}  // namespace engram::tools

int main(int argc, char** argv) {
  return engram::tools::Main(argc, argv);
}
