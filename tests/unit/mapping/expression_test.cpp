// The condition language of `where` and `when`: parsed once, evaluated per change.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>

#include "mapping/expression_parser.h"
#include "mapping_fixture.h"

using cdc::Date;
using cdc::Decimal;
using cdc::Null;
using cdc::Row;
using cdc::RowChange;
using cdc::Timestamp;
using cdc::Unchanged;
using cdc::Value;
using namespace cdc::mapping;
using namespace cdc::mapping::testing;

namespace {

const std::vector<std::string> kColumns = {"id", "status", "total", "plan", "created", "flag"};

class Condition {
 public:
  explicit Condition(std::string_view text, bool allow_images = true) {
    ExpressionRules rules;
    rules.allow_images = allow_images;
    rules.slot_of = [this](std::string_view name) {
      auto it = std::find(slots_.begin(), slots_.end(), name);
      if (it != slots_.end()) return static_cast<uint32_t>(it - slots_.begin());
      slots_.emplace_back(name);
      return static_cast<uint32_t>(slots_.size() - 1);
    };
    expression_ = parse_expression(text, rules, error_);
  }

  bool parsed() const { return expression_.has_value(); }
  const ExpressionError& error() const { return error_; }

  Truth on(const RowChange& change, bool current_is_before = false) const {
    std::vector<int> index;
    for (const auto& slot : slots_) {
      index.push_back(
          static_cast<int>(std::find(kColumns.begin(), kColumns.end(), slot) - kColumns.begin()));
    }
    std::string error;
    auto zone = TimeZone::load("UTC", error);
    return expression_->evaluate(RowView(change, index, current_is_before), *zone);
  }

 private:
  std::vector<std::string> slots_;
  std::optional<Expression> expression_;
  ExpressionError error_;
};

const auto kSchema = make_schema("public.orders", kColumns);

RowChange row(Value status, Value total = Decimal{"10.00"}, Value plan = "free",
              Value created = Timestamp{1'714'564'800'000'000}, Value flag = true) {
  return insert_of(kSchema, Row{1, status, total, plan, created, flag});
}

}  // namespace

TEST_CASE("expressions: comparisons with string, number, boolean and null literals") {
  CHECK(Condition("status == 'shipped'").on(row("shipped")) == Truth::kTrue);
  CHECK(Condition("status = 'shipped'").on(row("placed")) == Truth::kFalse);
  CHECK(Condition("status != 'draft'").on(row("placed")) == Truth::kTrue);
  CHECK(Condition("status <> 'draft'").on(row("draft")) == Truth::kFalse);
  CHECK(Condition("total > 9.99").on(row("x")) == Truth::kTrue);
  CHECK(Condition("total >= 10").on(row("x")) == Truth::kTrue);
  CHECK(Condition("total < 10").on(row("x")) == Truth::kFalse);
  CHECK(Condition("total <= -1").on(row("x", Decimal{"-1.000"})) == Truth::kTrue);
  CHECK(Condition("10 < total").on(row("x", int64_t{11})) == Truth::kTrue);
  CHECK(Condition("total == 10").on(row("x", uint64_t{10})) == Truth::kTrue);
  CHECK(Condition("total == 0.5").on(row("x", 0.5)) == Truth::kTrue);
  CHECK(Condition("flag == true").on(row("x")) == Truth::kTrue);
  CHECK(Condition("flag == true").on(row("x", 1, "p", Null{}, int64_t{1})) == Truth::kTrue);
  CHECK(Condition("status == 'it''s'").on(row("it's")) == Truth::kTrue);
  CHECK(Condition("status == '42'").on(row(int64_t{42})) == Truth::kTrue);
  CHECK(Condition("status == 42").on(row("42")) == Truth::kTrue);
}

TEST_CASE("expressions: NULL equals only NULL and is not ordered") {
  CHECK(Condition("status != 'draft'").on(row(Null{})) == Truth::kTrue);
  CHECK(Condition("status == 'draft'").on(row(Null{})) == Truth::kFalse);
  CHECK(Condition("status == null").on(row(Null{})) == Truth::kTrue);
  CHECK(Condition("total > 1").on(row("x", Null{})) == Truth::kFalse);
  CHECK(Condition("total < 1").on(row("x", Null{})) == Truth::kFalse);
  CHECK(Condition("status IS NULL").on(row(Null{})) == Truth::kTrue);
  CHECK(Condition("status is not null").on(row(Null{})) == Truth::kFalse);
}

TEST_CASE("expressions: and, or, not, parentheses and in lists") {
  CHECK(Condition("status == 'a' or status == 'b'").on(row("b")) == Truth::kTrue);
  CHECK(Condition("status == 'a' and total > 1").on(row("a")) == Truth::kTrue);
  CHECK(Condition("not (status == 'a' || total > 100)").on(row("b")) == Truth::kTrue);
  CHECK(Condition("!flag && status in ('a', 'b')").on(row("a")) == Truth::kFalse);
  CHECK(Condition("status IN ('placed', 'shipped')").on(row("shipped")) == Truth::kTrue);
  CHECK(Condition("status not in ('placed', 'shipped')").on(row("draft")) == Truth::kTrue);
  CHECK(Condition("status in ('a', null)").on(row(Null{})) == Truth::kTrue);
  CHECK(Condition("flag").on(row("a")) == Truth::kTrue);
}

TEST_CASE("expressions: dates and timestamps compare with ISO text literals") {
  CHECK(Condition("created >= '2024-05-01'").on(row("x")) == Truth::kTrue);
  CHECK(Condition("created > '2024-05-01T12:00:00Z'").on(row("x")) == Truth::kFalse);
  CHECK(Condition("created == '2024-05-01 14:00:00+02:00'").on(row("x")) == Truth::kTrue);
  CHECK(Condition("created < '2024-05-02'").on(row("x", 1, "p", Date{19844})) == Truth::kTrue);
}

TEST_CASE("expressions: changed() and before./after. read the old and new images") {
  const auto plan_change =
      update_of(kSchema, Row{1, "a", 1, "free", Null{}, true}, Row{1, "a", 1, "pro", Null{}, true});
  CHECK(Condition("changed(plan)").on(plan_change) == Truth::kTrue);
  CHECK(Condition("changed(status)").on(plan_change) == Truth::kFalse);
  CHECK(Condition("before.plan == 'free' and after.plan == 'pro'").on(plan_change) == Truth::kTrue);
  CHECK(Condition("before.plan != after.plan").on(plan_change) == Truth::kTrue);
  CHECK(Condition("plan == 'free'").on(plan_change, /*current_is_before=*/true) == Truth::kTrue);
  // An insert has no old image: changed() is true, before.x reads NULL.
  CHECK(Condition("changed(plan)").on(row("x")) == Truth::kTrue);
  CHECK(Condition("before.plan IS NULL").on(row("x")) == Truth::kTrue);
}

TEST_CASE("expressions: values the source did not send are unknown, not NULL") {
  // An update without REPLICA IDENTITY FULL: no old image at all.
  const auto no_old = update_of(kSchema, Row{}, Row{1, "a", 1, "pro", Null{}, true});
  CHECK(Condition("changed(plan)").on(no_old) == Truth::kUnknown);
  CHECK(Condition("before.plan == 'free'").on(no_old) == Truth::kUnknown);
  // Kleene logic decides what it can without the unknown part.
  CHECK(Condition("status == 'b' and changed(plan)").on(no_old) == Truth::kFalse);
  CHECK(Condition("status == 'a' or changed(plan)").on(no_old) == Truth::kTrue);
  CHECK(Condition("not changed(plan)").on(no_old) == Truth::kUnknown);
  // An unchanged TOAST value: changed() is false; the value reads from the old image.
  const auto toast = update_of(kSchema, Row{1, "a", 1, "big text", Null{}, true},
                               Row{1, "b", 1, Unchanged{}, Null{}, true});
  CHECK(Condition("changed(plan)").on(toast) == Truth::kFalse);
  CHECK(Condition("plan == 'big text'").on(toast) == Truth::kTrue);
  const auto toast_no_old = update_of(kSchema, Row{}, Row{1, "b", 1, Unchanged{}, Null{}, true});
  CHECK(Condition("plan == 'x'").on(toast_no_old) == Truth::kUnknown);
}

TEST_CASE("expressions: syntax errors say what was expected and where") {
  Condition missing_value("status != ");
  REQUIRE_FALSE(missing_value.parsed());
  CHECK(missing_value.error().message == "expected a value after !=");
  CHECK(missing_value.error().offset == 10);

  Condition unclosed("(status == 'a'");
  REQUIRE_FALSE(unclosed.parsed());
  CHECK(unclosed.error().message == "expected ')', found end of condition");

  Condition open_string("status == 'a");
  REQUIRE_FALSE(open_string.parsed());
  CHECK(open_string.error().message == "unterminated string; close it with '");
  CHECK(open_string.error().offset == 10);

  Condition garbage("status == 'a' status");
  REQUIRE_FALSE(garbage.parsed());
  CHECK(garbage.error().offset == 14);

  CHECK_FALSE(Condition("status ~ 'a'").parsed());
  CHECK_FALSE(Condition("'a' == 'b'").parsed());
  CHECK_FALSE(Condition("changed('a')").parsed());
  CHECK_FALSE(Condition("status in (total)").parsed());
  CHECK_FALSE(Condition("x.y == 1").parsed());
  CHECK_FALSE(Condition("").parsed());
}

TEST_CASE("expressions: where reads one image, so before./after./changed() are refused") {
  Condition old_image("before.status == 'a'", /*allow_images=*/false);
  REQUIRE_FALSE(old_image.parsed());
  CHECK(old_image.error().message == "where reads one row image; before./after. are not allowed");
  CHECK_FALSE(Condition("changed(status)", false).parsed());
  CHECK(Condition("status == 'a'", false).parsed());
}

TEST_CASE("expressions: a bare number is true when non-zero, decimals and floats too") {
  // mappings/README.md: "non-zero numbers are true".
  CHECK(Condition("total").on(row("x", Decimal{"0.50"})) == Truth::kTrue);
  CHECK(Condition("total").on(row("x", Decimal{"0.00"})) == Truth::kFalse);
  CHECK(Condition("total").on(row("x", Decimal{"-3"})) == Truth::kTrue);
  CHECK(Condition("total").on(row("x", 0.25)) == Truth::kTrue);
  CHECK(Condition("total").on(row("x", 0.0)) == Truth::kFalse);
  CHECK(Condition("total").on(row("x", -0.0)) == Truth::kFalse);
  CHECK(Condition("total").on(row("x", Null{})) == Truth::kFalse);
}

TEST_CASE("expressions: NaN equals NaN, as PostgreSQL has it, so changed() stays quiet") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto same_nan = update_of(kSchema, Row{1, "a", nan, "free", Null{}, true},
                                  Row{1, "b", nan, "free", Null{}, true});
  CHECK(Condition("changed(total)").on(same_nan) == Truth::kFalse);
  CHECK(Condition("before.total == after.total").on(same_nan) == Truth::kTrue);
  const auto from_nan = update_of(kSchema, Row{1, "a", nan, "free", Null{}, true},
                                  Row{1, "a", 1.0, "free", Null{}, true});
  CHECK(Condition("changed(total)").on(from_nan) == Truth::kTrue);
  const auto decimal_nan = update_of(kSchema, Row{1, "a", Decimal{"NaN"}, "free", Null{}, true},
                                     Row{1, "b", Decimal{"NaN"}, "free", Null{}, true});
  CHECK(Condition("changed(total)").on(decimal_nan) == Truth::kFalse);
}
