// Canonical text of a statement: keywords upper-case, one space between tokens, names quoted
// only when they collide with a keyword, clauses in grammar order, no final ';'.
//
// Parsing the canonical text gives the same statement again (positions aside): the parser
// tests and the fuzz target check exactly that, and the CLI can echo a statement in one
// normal form (e.g. `engram demo` prints what it runs).
//
// Thread-safety: pure functions.
#ifndef ENGRAM_QUERY_LANGUAGE_PRINTER_H_
#define ENGRAM_QUERY_LANGUAGE_PRINTER_H_

#include <string>
#include <string_view>

#include "query/language/ast.h"

namespace engram::query {

std::string FormatStatement(const StatementBody& body);

// 'text' with every ' doubled.
std::string QuoteString(std::string_view text);

// A name as the parser reads it back: bare, or "name" when it is a keyword.
std::string FormatName(std::string_view name);

// A decimal that lexes back to the same double (shortest round-trip form, always with a '.'
// or an exponent so that it stays a decimal).
std::string FormatDecimal(double value);

}  // namespace engram::query

#endif  // ENGRAM_QUERY_LANGUAGE_PRINTER_H_
