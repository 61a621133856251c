// Parses the condition language of `where` and `when` (mappings/README.md, "Expressions"):
//   expr    := and ( ("or" | "||") and )*
//   and     := unary ( ("and" | "&&") unary )*
//   unary   := ("not" | "!") unary | primary
//   primary := "(" expr ")" | "changed" "(" column ")"
//            | operand [ cmp operand | "is" ["not"] "null" | ["not"] "in" "(" literal,... ")" ]
//   cmp     := "==" | "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//   operand := column | literal;  column := name | before.name | after.name | "quoted name"
//   literal := 'text' ('' escapes a quote) | -12.5 | true | false | null
// Keywords are case-insensitive; column names are not.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mapping/expression.h"

namespace cdc::mapping {

struct ExpressionError {
  size_t offset = 0;  // byte offset into the expression text
  std::string message;
};

struct ExpressionRules {
  // `where` reads one image: no before./after. prefixes and no changed().
  bool allow_images = true;
  // Gives the mapping's column slot for a column name (registering it when new).
  std::function<uint32_t(std::string_view name)> slot_of;
};

// nullopt with `error` set when `text` is not a valid condition.
std::optional<Expression> parse_expression(std::string_view text, const ExpressionRules& rules,
                                           ExpressionError& error);

}  // namespace cdc::mapping
