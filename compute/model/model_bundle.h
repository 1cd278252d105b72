// A model ready to run: checkpoint weights, tokenizer, where they came from, and the model
// fingerprint that binds stored memories to exactly this model.
#ifndef ENGRAM_COMPUTE_MODEL_MODEL_BUNDLE_H_
#define ENGRAM_COMPUTE_MODEL_MODEL_BUNDLE_H_

#include <string>

#include "compute/model/checkpoint.h"
#include "compute/model/tokenizer.h"
#include "compute/protocol/content_hash.h"
#include "engram/status.h"

namespace engram::compute {

struct ModelBundle {
  Checkpoint checkpoint;
  Tokenizer tokenizer;
  std::string checkpoint_path;
  std::string tokenizer_path;
  Hash128 fingerprint;

  const LlamaConfig& config() const { return checkpoint.weights.config(); }
};

// Resolves `dir_or_file` and loads the model.
//  - A directory holds one checkpoint and its tokenizer: the tokenizer is `tokenizer.bin` or
//    else the single `tok*.bin`; the checkpoint is `model.bin` or else the single other `.bin`.
//  - A file is the checkpoint; its tokenizer is found in the same directory by the same rule.
//  - `tokenizer_path`, when not empty, overrides the tokenizer search.
//  - An empty `dir_or_file` means DefaultModelPath().
// Errors: NOTFOUND (no such path, no checkpoint or tokenizer), MODEL (ambiguous directory,
// invalid files), LIMIT (no memory).
Result<ModelBundle> LoadModel(const std::string& dir_or_file,
                              const std::string& tokenizer_path = "");

// The shipped default model (stories260K): $ENGRAM_MODEL if set, else `models/stories260K`
// next to the binary's build or install tree, else the source tree's copy. Empty when none
// exists.
std::string DefaultModelPath();

// XXH3-128 over a versioned canonical encoding of the configuration, every weight tensor in
// canonical order (independent of the checkpoint format) and the tokenizer's pieces and
// scores. Two files holding the same model in different formats share a fingerprint.
Hash128 ModelFingerprint(const LlamaWeights& weights, const Tokenizer& tokenizer);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_MODEL_MODEL_BUNDLE_H_
