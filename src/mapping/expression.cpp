#include "mapping/expression.h"

#include "mapping/decimal_text.h"

namespace cdc::mapping {
namespace {

Truth truth(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

Truth apply(CompareOp op, std::optional<int> order) {
  switch (op) {
    case CompareOp::kEq:
      return truth(order && *order == 0);
    case CompareOp::kNe:
      return truth(!order || *order != 0);
    case CompareOp::kLt:
      return truth(order && *order < 0);
    case CompareOp::kLe:
      return truth(order && *order <= 0);
    case CompareOp::kGt:
      return truth(order && *order > 0);
    case CompareOp::kGe:
      return truth(order && *order >= 0);
  }
  return Truth::kUnknown;
}

CompareOp mirrored(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLe:
      return CompareOp::kGe;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGe:
      return CompareOp::kLe;
    default:
      return op;
  }
}

}  // namespace

Truth Expression::evaluate(const RowView& row, const TimeZone& zone) const {
  return eval(root_, row, zone);
}

Truth Expression::compare(const ExprNode& node, const RowView& row, const TimeZone& zone) const {
  const Value* left = nullptr;
  const Value* right = nullptr;
  if (node.lhs.is_column) {
    left = row.read(node.lhs.column);
    if (left == nullptr) return Truth::kUnknown;
  }
  if (node.rhs.is_column) {
    right = row.read(node.rhs.column);
    if (right == nullptr) return Truth::kUnknown;
  }
  if (left != nullptr && right != nullptr) {
    if (node.op == CompareOp::kEq || node.op == CompareOp::kNe) {
      const bool equal = values_equal(*left, *right);
      return truth(node.op == CompareOp::kEq ? equal : !equal);
    }
    if (left->is_null() || right->is_null()) return Truth::kFalse;
    return apply(node.op, compare_values(*left, *right));
  }
  // The parser puts a column on at least one side; a literal on the left is mirrored.
  CompareOp op = node.op;
  const Value* column = left;
  const Literal* literal = &literals_[node.rhs.literal];
  if (column == nullptr) {
    column = right;
    literal = &literals_[node.lhs.literal];
    op = mirrored(op);
  }
  if (column->is_null() || literal->value.is_null()) {
    const bool both_null = column->is_null() && literal->value.is_null();
    if (op == CompareOp::kEq) return truth(both_null);
    if (op == CompareOp::kNe) return truth(!both_null);
    return Truth::kFalse;
  }
  return apply(op, compare_with_literal(*column, *literal, zone));
}

Truth Expression::eval(uint32_t index, const RowView& row, const TimeZone& zone) const {
  const ExprNode& node = nodes_[index];
  switch (node.kind) {
    case ExprNode::Kind::kAnd:
    case ExprNode::Kind::kOr: {
      const Truth decisive = node.kind == ExprNode::Kind::kAnd ? Truth::kFalse : Truth::kTrue;
      bool unknown = false;
      for (uint32_t child : node.args) {
        const Truth t = eval(child, row, zone);
        if (t == decisive) return decisive;
        if (t == Truth::kUnknown) unknown = true;
      }
      if (unknown) return Truth::kUnknown;
      return decisive == Truth::kFalse ? Truth::kTrue : Truth::kFalse;
    }
    case ExprNode::Kind::kNot: {
      const Truth t = eval(node.args[0], row, zone);
      if (t == Truth::kUnknown) return t;
      return truth(t == Truth::kFalse);
    }
    case ExprNode::Kind::kCompare:
      return compare(node, row, zone);
    case ExprNode::Kind::kIsNull:
    case ExprNode::Kind::kIsNotNull: {
      const Value* v = row.read(node.lhs.column);
      if (v == nullptr) return Truth::kUnknown;
      return truth(v->is_null() == (node.kind == ExprNode::Kind::kIsNull));
    }
    case ExprNode::Kind::kIn:
    case ExprNode::Kind::kNotIn: {
      const Value* v = row.read(node.lhs.column);
      if (v == nullptr) return Truth::kUnknown;
      bool found = false;
      for (uint32_t lit : node.args) {
        const Literal& literal = literals_[lit];
        if (v->is_null() || literal.value.is_null()) {
          found = v->is_null() && literal.value.is_null();
        } else {
          auto order = compare_with_literal(*v, literal, zone);
          found = order && *order == 0;
        }
        if (found) break;
      }
      return truth(found == (node.kind == ExprNode::Kind::kIn));
    }
    case ExprNode::Kind::kChanged:
      return row.changed(node.lhs.column.slot);
    case ExprNode::Kind::kTruthy: {
      if (!node.lhs.is_column) {
        const Value& v = literals_[node.lhs.literal].value;
        return truth(v.is<bool>() && v.as<bool>());
      }
      const Value* v = row.read(node.lhs.column);
      if (v == nullptr) return Truth::kUnknown;
      if (const auto* b = v->get_if<bool>()) return truth(*b);
      if (const auto* i = v->get_if<int64_t>()) return truth(*i != 0);
      if (const auto* u = v->get_if<uint64_t>()) return truth(*u != 0);
      // Non-zero numbers are true (NaN is not zero).
      if (const auto* d = v->get_if<double>()) return truth(*d != 0.0);
      if (const auto* d = v->get_if<Decimal>()) {
        const auto parts = parse_decimal(d->text);
        return truth(!parts || !parts->is_zero());
      }
      return Truth::kFalse;
    }
  }
  return Truth::kUnknown;
}

void Expression::for_each_column(
    const std::function<void(ColumnRef, bool in_changed)>& visit) const {
  for (const ExprNode& node : nodes_) {
    if (node.lhs.is_column) visit(node.lhs.column, node.kind == ExprNode::Kind::kChanged);
    if (node.kind == ExprNode::Kind::kCompare && node.rhs.is_column) visit(node.rhs.column, false);
  }
}

}  // namespace cdc::mapping
