// The encoder the co-process serves episodic memories with: NgramEncoder (kEncoderVersion) over
// the shipped frozen tables of models/episodic/ (docs/episodic.md §6, models/episodic/README.md).
// Torch-free.
#ifndef ENGRAM_COMPUTE_EPISODIC_SHIPPED_ENCODER_H_
#define ENGRAM_COMPUTE_EPISODIC_SHIPPED_ENCODER_H_

#include <string>

#include "compute/episodic/ngram_encoder.h"
#include "engram/status.h"

namespace engram::compute::episodic {

// File names inside the asset folder; they name encoder version 1's tables.
inline constexpr char kShippedIdfFile[] = "books_idf_v1.idf";
inline constexpr char kShippedWordFactorFile[] = "gpt2_rank_v1.idf";

// The asset folder for a model loaded from `checkpoint_path`: the `episodic` folder beside the
// model's folder (models/stories260K/stories260K.bin -> models/episodic) when it exists, else
// the source tree's models/episodic.
std::string DefaultEpisodicAssetDir(const std::string& checkpoint_path);

// NgramEncoder(dim kDefaultCodeDim, char n-grams on) over DIR/books_idf_v1.idf and
// DIR/gpt2_rank_v1.idf. Errors: COMPUTE naming the file that is missing or unreadable, MODEL
// for tables of another encoder version.
Result<NgramEncoder> LoadShippedEncoder(const std::string& dir);

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_SHIPPED_ENCODER_H_
