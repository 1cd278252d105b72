#include "tools/episodic/book_text.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

namespace engram::tools {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
         (c >= '\x1c' && c <= '\x1f');
}

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  bool pending = false;
  for (char c : s) {
    if (IsSpace(c)) {
      pending = !out.empty();
    } else {
      if (pending) out.push_back(' ');
      pending = false;
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

int Fail(const Status& status) {
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  return 1;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> Paragraphs(std::string_view text) {
  // A separator is '\n', then any whitespace, then '\n' (greedy: the last '\n' of the run).
  std::vector<std::string> out;
  std::size_t start = 0, i = 0;
  auto emit = [&](std::size_t end) {
    std::string p = CollapseSpaces(text.substr(start, end - start));
    if (!p.empty()) out.push_back(std::move(p));
  };
  while (i < text.size()) {
    if (text[i] == '\n') {
      std::size_t j = i + 1, last_newline = std::string_view::npos;
      while (j < text.size() && IsSpace(text[j])) {
        if (text[j] == '\n') last_newline = j;
        ++j;
      }
      if (last_newline != std::string_view::npos) {
        emit(i);
        start = i = last_newline + 1;
        continue;
      }
    }
    ++i;
  }
  emit(text.size());
  return out;
}

std::vector<std::string> Sentences(std::string_view p) {
  std::vector<std::string> out;
  std::size_t start = 0, i = 1;
  auto emit = [&](std::size_t end) {
    std::string s = CollapseSpaces(p.substr(start, end - start));
    if (!s.empty()) out.push_back(std::move(s));
  };
  while (i < p.size()) {
    const char prev = p[i - 1];
    if (prev == '.' || prev == '!' || prev == '?') {
      std::size_t j = i;
      while (j < p.size() && (p[j] == '"' || p[j] == '\'' || p[j] == ')')) ++j;
      std::size_t k = j;
      while (k < p.size() && IsSpace(p[k])) ++k;
      if (k > j) {
        emit(i);
        start = i = k;
        if (i == 0) ++i;
        continue;
      }
    }
    ++i;
  }
  if (start < p.size()) emit(p.size());
  return out;
}

int CountWords(std::string_view s) {
  int n = 0;
  bool in_word = false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool w = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c >= 0x80;
    if (w && !in_word) ++n;
    in_word = w;
  }
  return n;
}

PythonRandom::PythonRandom(std::uint32_t seed) {
  // init_genrand(19650218) then init_by_array({seed}) as CPython's _randommodule.c.
  state_[0] = 19650218U;
  for (int i = 1; i < 624; ++i) {
    state_[i] =
        1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  }
  const std::uint32_t key[1] = {seed};
  const int key_length = 1;
  int i = 1, j = 0;
  for (int k = 624; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525U)) + key[j] +
                static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= 624) {
      state_[0] = state_[623];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (int k = 623; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941U)) -
                static_cast<std::uint32_t>(i);
    ++i;
    if (i >= 624) {
      state_[0] = state_[623];
      i = 1;
    }
  }
  state_[0] = 0x80000000U;
}

std::uint32_t PythonRandom::NextU32() {
  if (index_ >= 624) {
    for (int k = 0; k < 624; ++k) {
      const std::uint32_t y = (state_[k] & 0x80000000U) | (state_[(k + 1) % 624] & 0x7fffffffU);
      state_[k] = state_[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1U) != 0 ? 0x9908b0dfU : 0U);
    }
    index_ = 0;
  }
  std::uint32_t y = state_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= y >> 18;
  return y;
}

std::uint64_t PythonRandom::RandBelow(std::uint64_t n) {
  int bits = 0;
  while ((n >> bits) != 0) ++bits;  // n.bit_length()
  for (;;) {
    const std::uint64_t r = NextU32() >> (32 - bits);
    if (r < n) return r;
  }
}

std::vector<std::uint64_t> PythonRandom::SampleIndices(std::uint64_t n, std::uint64_t k) {
  std::vector<std::uint64_t> result(k);
  std::uint64_t setsize = 21;
  if (k > 5) {
    setsize += static_cast<std::uint64_t>(
        std::pow(4.0, std::ceil(std::log(static_cast<double>(k * 3)) / std::log(4.0))));
  }
  if (n <= setsize) {
    std::vector<std::uint64_t> pool(n);
    for (std::uint64_t i = 0; i < n; ++i) pool[i] = i;
    for (std::uint64_t i = 0; i < k; ++i) {
      const std::uint64_t j = RandBelow(n - i);
      result[i] = pool[j];
      pool[j] = pool[n - i - 1];
    }
    return result;
  }
  std::set<std::uint64_t> selected;
  for (std::uint64_t i = 0; i < k; ++i) {
    std::uint64_t j = RandBelow(n);
    while (selected.count(j) != 0) j = RandBelow(n);
    selected.insert(j);
    result[i] = j;
  }
  return result;
}

}  // namespace engram::tools
