#include "compute/runtime/batch_scheduler.h"

#include <chrono>

namespace engram::compute {

struct BatchScheduler::Job {
  std::uint64_t ticket;
  GenerationCallbacks callbacks;
  DecodeStream stream;
  std::vector<int> generated;
  std::chrono::steady_clock::time_point admitted;
};

BatchScheduler::BatchScheduler(DecodeEngine& engine, const Tokenizer& tokenizer)
    : engine_(engine), tokenizer_(tokenizer), thread_([this] { Loop(); }) {}

BatchScheduler::~BatchScheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t BatchScheduler::Submit(GenerationRequest request, GenerationCallbacks callbacks) {
  std::unique_ptr<Job> job;
  {
    std::lock_guard lock(mutex_);
    const std::uint64_t ticket = next_ticket_++;
    // The slot is assigned at admission (AssignSlot); -1 until then.
    job.reset(new Job{ticket,
                      std::move(callbacks),
                      DecodeStream(std::move(request), -1, engine_.config().seq_len),
                      {},
                      std::chrono::steady_clock::now()});
    live_.insert(ticket);
    waiting_.push_back(std::move(job));
    ++stats_.waiting;
    wake_.notify_one();
    return ticket;
  }
}

bool BatchScheduler::Cancel(std::uint64_t ticket) {
  std::lock_guard lock(mutex_);
  if (live_.count(ticket) == 0) return false;
  cancelled_.insert(ticket);
  wake_.notify_one();
  return true;
}

SchedulerStats BatchScheduler::Stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void BatchScheduler::Finish(Job& job, Status status) {
  GenerationOutcome outcome;
  outcome.stop_reason = status.ok() ? job.stream.stop_reason() : StopReason::kError;
  outcome.status = std::move(status);
  outcome.tokens = std::move(job.generated);
  outcome.prompt_tokens = static_cast<int>(job.stream.request().prompt_tokens.size());
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - job.admitted).count();
  {
    std::lock_guard lock(mutex_);
    live_.erase(job.ticket);
    cancelled_.erase(job.ticket);
    ++stats_.completed;
  }
  if (job.callbacks.on_done) job.callbacks.on_done(std::move(outcome));
}

void BatchScheduler::Admit(std::vector<std::unique_ptr<Job>>& active,
                           std::vector<int>& free_slots) {
  std::vector<std::unique_ptr<Job>> admitted;
  {
    std::lock_guard lock(mutex_);
    while (!waiting_.empty() && admitted.size() < free_slots.size()) {
      admitted.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
      --stats_.waiting;
    }
  }
  for (auto& job : admitted) {
    // Requests that cannot run (empty, nothing to generate, prompt too long) finish at once.
    if (job->stream.finished()) {
      Finish(*job, Status::Ok());
      continue;
    }
    job->stream.AssignSlot(free_slots.back());
    free_slots.pop_back();
    job->admitted = std::chrono::steady_clock::now();
    active.push_back(std::move(job));
  }
}

void BatchScheduler::Loop() {
  std::vector<std::unique_ptr<Job>> active;
  std::vector<int> free_slots;
  for (int s = engine_.max_slots() - 1; s >= 0; --s) free_slots.push_back(s);
  std::vector<int> slots, tokens, positions;
  std::vector<float> logits;
  const auto vocab = static_cast<std::size_t>(engine_.config().vocab_size);

  for (;;) {
    bool stopping = false;
    std::unordered_set<std::uint64_t> cancelled;
    std::vector<std::unique_ptr<Job>> withdrawn;  // cancelled before they got a slot
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !waiting_.empty() || !active.empty(); });
      stopping = stopping_;
      cancelled.swap(cancelled_);
      if (stopping) {
        for (auto& job : waiting_) active.push_back(std::move(job));
        waiting_.clear();
        stats_.waiting = 0;
      } else if (!cancelled.empty()) {
        for (auto it = waiting_.begin(); it != waiting_.end();) {
          if (cancelled.erase((*it)->ticket) > 0) {
            withdrawn.push_back(std::move(*it));
            it = waiting_.erase(it);
            --stats_.waiting;
          } else {
            ++it;
          }
        }
      }
    }
    for (auto& job : withdrawn) {
      job->stream.Cancel();
      Finish(*job, Status::Ok());
    }
    if (stopping) {
      for (auto& job : active) {
        job->stream.Cancel();
        Finish(*job, Status::Ok());
      }
      return;
    }

    Admit(active, free_slots);
    // Retire cancelled streams before spending a step on them.
    for (auto& job : active) {
      if (cancelled.erase(job->ticket) > 0) job->stream.Cancel();
    }

    slots.clear();
    tokens.clear();
    positions.clear();
    for (auto& job : active) {
      if (job->stream.finished()) continue;
      slots.push_back(job->stream.slot());
      tokens.push_back(job->stream.input_token());
      positions.push_back(job->stream.position());
    }
    Status step_status = Status::Ok();
    if (!slots.empty()) {
      logits.resize(slots.size() * vocab);
      step_status = engine_.Step(slots, tokens, positions, logits);
      std::lock_guard lock(mutex_);
      ++stats_.steps;
      stats_.tokens_processed += slots.size();
    }

    std::size_t row = 0;
    for (auto& job : active) {
      if (job->stream.finished()) continue;
      if (!step_status.ok()) continue;
      std::span<float> row_logits(logits.data() + row * vocab, vocab);
      ++row;
      if (auto next = job->stream.Advance(row_logits)) {
        job->generated.push_back(*next);
        if (job->callbacks.on_token) {
          job->callbacks.on_token(*next,
                                  tokenizer_.DecodePiece(job->stream.previous_token(), *next));
        }
      }
    }

    // Retire finished (or failed) streams and free their slots.
    std::vector<std::unique_ptr<Job>> still_active;
    for (auto& job : active) {
      if (!step_status.ok() || job->stream.finished()) {
        free_slots.push_back(job->stream.slot());
        Finish(*job, job->stream.finished() ? Status::Ok() : step_status);
      } else {
        still_active.push_back(std::move(job));
      }
    }
    active.swap(still_active);
    std::lock_guard lock(mutex_);
    stats_.active = static_cast<int>(active.size());
  }
}

}  // namespace engram::compute
