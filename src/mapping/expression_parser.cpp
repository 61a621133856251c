#include "mapping/expression_parser.h"

#include <charconv>

#include "mapping/decimal_text.h"

namespace cdc::mapping {
namespace {

struct Token {
  enum class Kind { kEnd, kName, kQuotedName, kString, kNumber, kSymbol };
  Kind kind = Kind::kEnd;
  std::string text;  // name, unescaped string, number text or symbol
  size_t offset = 0;
};

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '$'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

bool keyword(const Token& t, std::string_view word) {
  if (t.kind != Token::Kind::kName || t.text.size() != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = t.text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

bool reserved(const Token& t) {
  for (std::string_view word :
       {"and", "or", "not", "is", "null", "in", "true", "false", "changed"}) {
    if (keyword(t, word)) return true;
  }
  return false;
}

class Failure {
 public:
  Failure(size_t offset, std::string message) : error{offset, std::move(message)} {}
  ExpressionError error;
};

class Parser {
 public:
  Parser(std::string_view text, const ExpressionRules& rules) : text_(text), rules_(rules) {
    advance();
  }

  Expression parse() {
    if (current_.kind == Token::Kind::kEnd) fail("expected a condition");
    const uint32_t root = parse_or();
    if (current_.kind != Token::Kind::kEnd) {
      fail("unexpected " + describe(current_) + "; expected and, or, or the end");
    }
    return Expression(std::string(text_), std::move(nodes_), std::move(literals_), root);
  }

 private:
  [[noreturn]] void fail(std::string message) const {
    throw Failure(current_.offset, std::move(message));
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::Kind::kEnd:
        return "end of condition";
      case Token::Kind::kString:
        return "'" + t.text + "'";
      case Token::Kind::kQuotedName:
        return "\"" + t.text + "\"";
      default:
        return "'" + t.text + "'";
    }
  }

  bool symbol(std::string_view s) const {
    return current_.kind == Token::Kind::kSymbol && current_.text == s;
  }

  void expect_symbol(std::string_view s, std::string_view what) {
    if (!symbol(s)) fail("expected " + std::string(what) + ", found " + describe(current_));
    advance();
  }

  void advance() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
    current_ = Token{};
    current_.offset = pos_;
    if (pos_ >= text_.size()) return;
    const char c = text_[pos_];
    if (name_start(c)) {
      const size_t start = pos_;
      while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
      current_.kind = Token::Kind::kName;
      current_.text = std::string(text_.substr(start, pos_ - start));
    } else if (c == '\'' || c == '"') {
      current_.kind = c == '\'' ? Token::Kind::kString : Token::Kind::kQuotedName;
      ++pos_;
      for (;;) {
        if (pos_ >= text_.size()) {
          fail(c == '\'' ? "unterminated string; close it with '" : "unterminated quoted name");
        }
        if (text_[pos_] == c) {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == c) {
            current_.text += c;
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        current_.text += text_[pos_++];
      }
      if (current_.kind == Token::Kind::kQuotedName && current_.text.empty()) {
        fail("empty quoted name");
      }
    } else if (digit(c) || ((c == '-' || c == '.') && pos_ + 1 < text_.size() &&
                            (digit(text_[pos_ + 1]) || text_[pos_ + 1] == '.'))) {
      const size_t start = pos_;
      ++pos_;
      while (pos_ < text_.size() && (digit(text_[pos_]) || text_[pos_] == '.')) ++pos_;
      if (pos_ < text_.size() && (name_char(text_[pos_]))) {
        fail("numbers are written as digits with an optional fraction, like 12.5");
      }
      current_.kind = Token::Kind::kNumber;
      current_.text = std::string(text_.substr(start, pos_ - start));
    } else {
      static constexpr std::string_view kTwo[] = {"==", "!=", "<>", "<=", ">=", "&&", "||"};
      current_.kind = Token::Kind::kSymbol;
      for (std::string_view two : kTwo) {
        if (text_.substr(pos_, 2) == two) {
          current_.text = std::string(two);
          pos_ += 2;
          return;
        }
      }
      if (std::string_view("=<>()!,.").find(c) == std::string_view::npos) {
        fail(std::string("unexpected character '") + c + "'");
      }
      current_.text = std::string(1, c);
      ++pos_;
    }
  }

  uint32_t add(ExprNode node) {
    nodes_.push_back(std::move(node));
    return static_cast<uint32_t>(nodes_.size() - 1);
  }

  uint32_t parse_or() {
    uint32_t first = parse_and();
    if (!(keyword(current_, "or") || symbol("||"))) return first;
    ExprNode node;
    node.kind = ExprNode::Kind::kOr;
    node.args.push_back(first);
    while (keyword(current_, "or") || symbol("||")) {
      advance();
      node.args.push_back(parse_and());
    }
    return add(std::move(node));
  }

  uint32_t parse_and() {
    uint32_t first = parse_unary();
    if (!(keyword(current_, "and") || symbol("&&"))) return first;
    ExprNode node;
    node.kind = ExprNode::Kind::kAnd;
    node.args.push_back(first);
    while (keyword(current_, "and") || symbol("&&")) {
      advance();
      node.args.push_back(parse_unary());
    }
    return add(std::move(node));
  }

  uint32_t parse_unary() {
    if (keyword(current_, "not") || symbol("!")) {
      advance();
      ExprNode node;
      node.kind = ExprNode::Kind::kNot;
      node.args.push_back(parse_unary());
      return add(std::move(node));
    }
    return parse_primary();
  }

  uint32_t parse_primary() {
    if (symbol("(")) {
      advance();
      const uint32_t inner = parse_or();
      expect_symbol(")", "')'");
      return inner;
    }
    if (keyword(current_, "changed")) {
      if (!rules_.allow_images) fail("changed() compares old and new images; where reads one");
      advance();
      expect_symbol("(", "'(' after changed");
      ExprNode node;
      node.kind = ExprNode::Kind::kChanged;
      const size_t at = current_.offset;
      node.lhs = parse_operand();
      if (!node.lhs.is_column || node.lhs.column.image != Image::kCurrent) {
        throw Failure(at, "changed() takes a bare column name");
      }
      expect_symbol(")", "')'");
      return add(std::move(node));
    }
    ExprNode node;
    node.lhs = parse_operand();
    if (keyword(current_, "is")) {
      require_column(node.lhs, "IS NULL");
      advance();
      node.kind = ExprNode::Kind::kIsNull;
      if (keyword(current_, "not")) {
        node.kind = ExprNode::Kind::kIsNotNull;
        advance();
      }
      if (!keyword(current_, "null")) fail("expected null after is, found " + describe(current_));
      advance();
      return add(std::move(node));
    }
    if (keyword(current_, "in") || keyword(current_, "not")) {
      node.kind = keyword(current_, "in") ? ExprNode::Kind::kIn : ExprNode::Kind::kNotIn;
      require_column(node.lhs, "IN");
      advance();
      if (node.kind == ExprNode::Kind::kNotIn) {
        if (!keyword(current_, "in")) fail("expected in after not, found " + describe(current_));
        advance();
      }
      expect_symbol("(", "'(' to start the list");
      for (;;) {
        const size_t at = current_.offset;
        Operand item = parse_operand();
        if (item.is_column) throw Failure(at, "in (...) lists literals only");
        node.args.push_back(item.literal);
        if (symbol(")")) break;
        expect_symbol(",", "',' or ')'");
      }
      advance();
      return add(std::move(node));
    }
    static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
        {"==", CompareOp::kEq}, {"=", CompareOp::kEq}, {"!=", CompareOp::kNe},
        {"<>", CompareOp::kNe}, {"<", CompareOp::kLt}, {"<=", CompareOp::kLe},
        {">", CompareOp::kGt},  {">=", CompareOp::kGe}};
    for (const auto& [text, op] : kOps) {
      if (!symbol(text)) continue;
      advance();
      node.kind = ExprNode::Kind::kCompare;
      node.op = op;
      const size_t at = current_.offset;
      if (current_.kind == Token::Kind::kEnd) fail("expected a value after " + std::string(text));
      node.rhs = parse_operand();
      if (!node.lhs.is_column && !node.rhs.is_column) {
        throw Failure(at, "a comparison needs a column on one side");
      }
      return add(std::move(node));
    }
    node.kind = ExprNode::Kind::kTruthy;
    return add(std::move(node));
  }

  void require_column(const Operand& operand, std::string_view what) const {
    if (!operand.is_column) fail(std::string(what) + " applies to a column");
  }

  uint32_t add_literal(Value value) {
    literals_.push_back(Literal::make(std::move(value)));
    return static_cast<uint32_t>(literals_.size() - 1);
  }

  Operand parse_operand() {
    Operand operand;
    const Token token = current_;
    switch (token.kind) {
      case Token::Kind::kEnd:
        fail("expected a column or a value, found the end of the condition");
      case Token::Kind::kSymbol:
        fail("expected a column or a value, found " + describe(token));
      case Token::Kind::kString:
        advance();
        operand.literal = add_literal(Value(token.text));
        return operand;
      case Token::Kind::kNumber: {
        auto parts = parse_decimal(token.text);
        if (!parts) fail("'" + token.text + "' is not a number");
        int64_t integer = 0;
        auto [end, ec] =
            std::from_chars(token.text.data(), token.text.data() + token.text.size(), integer);
        advance();
        if (ec == std::errc() && end == token.text.data() + token.text.size()) {
          operand.literal = add_literal(Value(integer));
        } else {
          std::string canonical;
          append_decimal_number(canonical, *parts);
          operand.literal = add_literal(Value(Decimal{std::move(canonical)}));
        }
        return operand;
      }
      case Token::Kind::kQuotedName:
        advance();
        return column(Image::kCurrent, token.text);
      case Token::Kind::kName:
        break;
    }
    if (keyword(token, "true") || keyword(token, "false")) {
      advance();
      operand.literal = add_literal(Value(keyword(token, "true")));
      return operand;
    }
    if (keyword(token, "null")) {
      advance();
      operand.literal = add_literal(Value(Null{}));
      return operand;
    }
    if (reserved(token)) fail("expected a column or a value, found the keyword " + token.text);
    advance();
    if (!symbol(".")) return column(Image::kCurrent, token.text);
    if (token.text != "before" && token.text != "after") {
      fail("only before. and after. may prefix a column; quote names with dots (\"a.b\")");
    }
    if (!rules_.allow_images) {
      throw Failure(token.offset, "where reads one row image; before./after. are not allowed");
    }
    advance();
    if (current_.kind != Token::Kind::kName && current_.kind != Token::Kind::kQuotedName) {
      fail("expected a column name after " + token.text + ".");
    }
    const std::string name = current_.text;
    advance();
    return column(token.text == "before" ? Image::kBefore : Image::kAfter, name);
  }

  Operand column(Image image, const std::string& name) {
    Operand operand;
    operand.is_column = true;
    operand.column = ColumnRef{image, rules_.slot_of(name)};
    return operand;
  }

  std::string_view text_;
  const ExpressionRules& rules_;
  size_t pos_ = 0;
  Token current_;
  std::vector<ExprNode> nodes_;
  std::vector<Literal> literals_;
};

}  // namespace

std::optional<Expression> parse_expression(std::string_view text, const ExpressionRules& rules,
                                           ExpressionError& error) {
  try {
    Parser parser(text, rules);
    return parser.parse();
  } catch (const Failure& failure) {
    error = failure.error;
    return std::nullopt;
  }
}

}  // namespace cdc::mapping
