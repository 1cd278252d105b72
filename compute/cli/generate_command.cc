// `engram-compute generate`: one-shot generation that prints exactly what llama2.c's `run`
// prints for the same model, prompt, steps, temperature, top-p and seed.

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "compute/cli/commands.h"
#include "compute/runtime/generation.h"

namespace engram::compute {
namespace {

// llama2.c's safe_printf: skip empty pieces and lone bytes that are neither printable nor
// whitespace (raw control bytes from byte-fallback tokens).
void SafePrint(std::string_view piece) {
  if (piece.empty()) return;
  if (piece.size() == 1) {
    const auto byte = static_cast<unsigned char>(piece[0]);
    if (!(std::isprint(byte) || std::isspace(byte))) return;
  }
  std::fwrite(piece.data(), 1, piece.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int RunGenerate(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args,
                            {"model", "tokenizer", "prompt", "steps", "temperature", "top-p",
                             "seed", "engine", "device", "threads", "isa", "max-slots"},
                            {});
  if (!flags.ok()) return ReportFailure(flags.status());
  auto steps = flags->Int("steps", 256);
  auto temperature = flags->Double("temperature", 1.0);
  auto top_p = flags->Double("top-p", 0.9);
  auto seed = flags->Int("seed", 0);
  for (const Status& s : {steps.status(), temperature.status(), top_p.status(), seed.status()}) {
    if (!s.ok()) return ReportFailure(s);
  }
  if (*steps < 0) return ReportFailure(SyntaxError("--steps must not be negative"));
  auto engine_options = EngineOptionsFromFlags(*flags);
  if (!engine_options.ok()) return ReportFailure(engine_options.status());
  engine_options->max_slots = 1;

  auto model = LoadModelFromFlags(*flags);
  if (!model.ok()) return ReportFailure(model.status());
  auto engine = CreateDecodeEngine(model->checkpoint.weights, *engine_options);
  if (!engine.ok()) return ReportFailure(engine.status());

  const LlamaConfig& config = model->config();
  // llama2.c's conventions: 0 or too many steps means the whole window; a negative
  // temperature is greedy; an out-of-range top-p falls back to 0.9; seed 0 means "now".
  const int total_steps = *steps == 0 || *steps > config.seq_len ? config.seq_len
                                                                 : static_cast<int>(*steps);
  GenerationRequest request;
  request.sampling.temperature = static_cast<float>(std::max(0.0, *temperature));
  request.sampling.top_p = static_cast<float>(*top_p < 0.0 || *top_p > 1.0 ? 0.9 : *top_p);
  request.sampling.seed =
      *seed > 0 ? static_cast<std::uint64_t>(*seed)
                : static_cast<std::uint64_t>(static_cast<unsigned>(std::time(nullptr)));
  request.prompt_tokens =
      model->tokenizer.Encode(flags->String("prompt"), /*bos=*/true, /*eos=*/false);
  request.max_new_tokens = total_steps;  // the window below is the binding limit
  request.stop_at_bos = true;

  // Echo the prompt as llama2.c does: every prompt token after the first, while steps last.
  const std::vector<int> prompt = request.prompt_tokens;
  const int echoed = std::min<int>(static_cast<int>(prompt.size()) - 1, total_steps);
  for (int i = 0; i < echoed; ++i) {
    SafePrint(model->tokenizer.DecodePiece(prompt[static_cast<std::size_t>(i)],
                                           prompt[static_cast<std::size_t>(i) + 1]));
  }

  // A window of `total_steps` positions stops generation exactly where llama2.c stops.
  const auto start = std::chrono::steady_clock::now();
  auto result = GenerateSync(
      **engine, std::move(request),
      [&](int prev, int token) { SafePrint(model->tokenizer.DecodePiece(prev, token)); },
      total_steps);
  std::printf("\n");
  std::fflush(stdout);  // before the stderr report, as on a terminal
  if (!result.ok()) return ReportFailure(result.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::size_t positions = std::min<std::size_t>(prompt.size() - 1 + result->tokens.size(),
                                                      static_cast<std::size_t>(total_steps));
  if (positions > 1 && seconds > 0) {
    std::fprintf(stderr, "achieved tok/s: %f\n", static_cast<double>(positions) / seconds);
  }
  return 0;
}

}  // namespace engram::compute
