#include <charconv>

#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs::sql {

const std::string& Row::text(size_t i) const {
  static const std::string empty;
  const auto& c = columns_.at(i);
  return c ? *c : empty;
}

int64_t Row::integer(size_t i) const { return optional_integer(i).value_or(0); }

std::optional<int64_t> Row::optional_integer(size_t i) const {
  const auto& c = columns_.at(i);
  if (!c) return std::nullopt;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(c->data(), c->data() + c->size(), v);
  if (ec != std::errc{} || end != c->data() + c->size())
    throw StoreError("database returned '" + *c + "' where an integer was expected");
  return v;
}

std::optional<TimePoint> Row::optional_time(size_t i) const {
  const auto v = optional_integer(i);
  if (!v) return std::nullopt;
  return TimePoint(std::chrono::milliseconds(*v));
}

}  // namespace agentry::jobs::sql
