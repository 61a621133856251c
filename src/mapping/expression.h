// A compiled `where` / `when` condition: parsed once at load into a flat tree, evaluated
// per change without re-parsing and without looking columns up by name.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mapping/column_ref.h"
#include "mapping/row_view.h"
#include "mapping/time_zone.h"
#include "mapping/value_compare.h"

namespace cdc::mapping {

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct Operand {
  bool is_column = false;
  ColumnRef column;      // when is_column
  uint32_t literal = 0;  // index into the expression's literals otherwise
};

struct ExprNode {
  enum class Kind {
    kAnd,        // args: child nodes
    kOr,         // args: child nodes
    kNot,        // args[0]: child node
    kCompare,    // lhs op rhs
    kIsNull,     // lhs IS NULL
    kIsNotNull,  // lhs IS NOT NULL
    kIn,         // lhs IN (args: literal indexes)
    kNotIn,      // lhs NOT IN (args: literal indexes)
    kChanged,    // changed(lhs.column)
    kTruthy,     // a bare operand: true when boolean true or a non-zero number
  };
  Kind kind = Kind::kTruthy;
  CompareOp op = CompareOp::kEq;
  Operand lhs;
  Operand rhs;
  std::vector<uint32_t> args;
};

class Expression {
 public:
  Expression() = default;
  Expression(std::string text, std::vector<ExprNode> nodes, std::vector<Literal> literals,
             uint32_t root)
      : text_(std::move(text)),
        nodes_(std::move(nodes)),
        literals_(std::move(literals)),
        root_(root) {}

  // Kleene logic: `false and unknown` is false, `true or unknown` is true; anything else
  // that needs an unknown value is unknown. Comparisons: `==`/`!=` treat NULL as a value
  // (NULL == NULL, NULL != 'x'); ordering with NULL or with values of kinds that do not
  // compare is false.
  Truth evaluate(const RowView& row, const TimeZone& zone) const;

  // The condition as written in the mapping file.
  const std::string& text() const { return text_; }
  // Every column reference, and every changed() argument as an old-image read.
  void for_each_column(const std::function<void(ColumnRef, bool in_changed)>& visit) const;

 private:
  Truth eval(uint32_t node, const RowView& row, const TimeZone& zone) const;
  Truth compare(const ExprNode& node, const RowView& row, const TimeZone& zone) const;

  std::string text_;
  std::vector<ExprNode> nodes_;
  std::vector<Literal> literals_;
  uint32_t root_ = 0;
};

}  // namespace cdc::mapping
