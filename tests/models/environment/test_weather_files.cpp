#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "models/environment/calendar.hpp"
#include "models/environment/epw.hpp"
#include "models/environment/hourly_series.hpp"
#include "models/environment/text_table.hpp"
#include "sim/error.hpp"

using namespace joule::models::environment;
using joule::sim::InputError;

namespace {

const std::string data_dir = std::string(JOULE_SOURCE_DIR) + "/scenarios/data/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// 1-based column where field `index` (0-based) of a CSV line starts.
int column_of_field(const std::string& line, int index) {
  int col = 1;
  for (int i = 0; i < index; ++i) col = static_cast<int>(line.find(',', col - 1)) + 2;
  return col;
}

const char* const epw_files[] = {"USA_AZ_Phoenix-Sky.Harbor.epw", "USA_CA_San.Jose-Mineta.epw",
                                 "USA_IL_Chicago.OHare.epw",      "USA_TX_Dallas-Fort.Worth.epw",
                                 "USA_VA_Leesburg.Exec.epw",      "USA_WA_Seattle-Tacoma.epw"};

}  // namespace

TEST_CASE("every shipped EPW file parses into 8760 sane hours") {
  for (const char* f : epw_files) {
    CAPTURE(f);
    const EpwData d = read_epw(data_dir + "weather/" + f);
    REQUIRE(d.hours() == 8760);
    CHECK(d.location.utc_offset_h <= -5.0);  // all shipped sites are in US time zones
    CHECK(d.location.utc_offset_h >= -8.0);
    CHECK(d.location.latitude_deg > 30.0);
    CHECK(d.location.latitude_deg < 50.0);
    for (std::size_t h = 0; h < d.hours(); ++h) {
      CHECK(d.dry_bulb_c[h] > -40.0);
      CHECK(d.dry_bulb_c[h] < 50.0);
      CHECK(d.dew_point_c[h] <= d.dry_bulb_c[h] + 0.5);  // rounding in the file
      CHECK(d.relative_humidity[h] >= 0.0);
      CHECK(d.relative_humidity[h] <= 1.0);
      CHECK(d.pressure_pa[h] > 90000.0);
      CHECK(d.pressure_pa[h] < 105000.0);
      CHECK(d.ghi_wh_per_m2[h] >= 0.0);
      CHECK(d.ghi_wh_per_m2[h] < 1200.0);
    }
  }
}

TEST_CASE("climates differ as expected: Phoenix is warmer and sunnier than Seattle") {
  const EpwData phx = read_epw(data_dir + "weather/USA_AZ_Phoenix-Sky.Harbor.epw");
  const EpwData sea = read_epw(data_dir + "weather/USA_WA_Seattle-Tacoma.epw");
  CHECK(mean(phx.dry_bulb_c) > mean(sea.dry_bulb_c) + 5.0);
  CHECK(mean(phx.ghi_wh_per_m2) > mean(sea.ghi_wh_per_m2));
  CHECK(phx.location.utc_offset_h == -7.0);
  CHECK(sea.location.utc_offset_h == -8.0);
  CHECK(phx.location.elevation_m == doctest::Approx(337.4));
  // The first row is Jan 1, hour 1, read from the file text directly.
  const auto lines = lines_of(slurp(data_dir + "weather/USA_AZ_Phoenix-Sky.Harbor.epw"));
  std::istringstream row(lines[8]);
  std::string field;
  for (int i = 0; i <= 6; ++i) std::getline(row, field, ',');
  CHECK(phx.dry_bulb_c[0] == doctest::Approx(std::stod(field)));
}

TEST_CASE("malformed EPW rows are InputErrors at file:line:column") {
  const auto lines = lines_of(slurp(data_dir + "weather/USA_VA_Leesburg.Exec.epw"));

  SUBCASE("a non-numeric dry-bulb") {
    auto bad = lines;
    const int row = 100;  // 0-based line index; file line 101
    const int col = column_of_field(bad[row], 6);
    const std::size_t start = static_cast<std::size_t>(col - 1);
    bad[row].replace(start, bad[row].find(',', start) - start, "1O.5");
    CHECK_THROWS_WITH_AS(parse_epw(join(bad), "bad.epw"),
                         doctest::Contains((std::string("bad.epw:101:") + std::to_string(col) +
                                            ": EPW dry-bulb temperature (field 7) '1O.5' is not "
                                            "a number")
                                               .c_str()),
                         InputError);
  }
  SUBCASE("a missing-value marker is not silently used") {
    auto bad = lines;
    const int col = column_of_field(bad[50], 8);
    const std::size_t start = static_cast<std::size_t>(col - 1);
    bad[50].replace(start, bad[50].find(',', start) - start, "999");
    CHECK_THROWS_WITH_AS(parse_epw(join(bad), "bad.epw"),
                         doctest::Contains((std::string("bad.epw:51:") + std::to_string(col) +
                                            ": EPW relative humidity is missing")
                                               .c_str()),
                         InputError);
  }
  SUBCASE("a truncated row") {
    auto bad = lines;
    bad[2000] = bad[2000].substr(0, 30);
    CHECK_THROWS_WITH_AS(parse_epw(join(bad), "bad.epw"), doctest::Contains("bad.epw:2001"),
                         InputError);
  }
  SUBCASE("rows out of calendar order") {
    auto bad = lines;
    std::swap(bad[300], bad[301]);
    CHECK_THROWS_WITH_AS(parse_epw(join(bad), "bad.epw"),
                         doctest::Contains("bad.epw:301:6: EPW row out of order"), InputError);
  }
  SUBCASE("a short year") {
    auto bad = lines;
    bad.pop_back();
    CHECK_THROWS_WITH_AS(parse_epw(join(bad), "bad.epw"),
                         doctest::Contains("8759 hourly rows, expected 8760"), InputError);
  }
  SUBCASE("not an EPW file") {
    CHECK_THROWS_WITH_AS(parse_epw("hello\n", "x.epw"), doctest::Contains("x.epw"), InputError);
  }
  SUBCASE("an unreadable file names the key that referenced it") {
    joule::sim::Location where;
    where.file = "scenario.yaml";
    where.line = 3;
    where.column = 12;
    CHECK_THROWS_WITH_AS(read_epw("/nonexistent/x.epw", where),
                         doctest::Contains("scenario.yaml:3:12: cannot read file"), InputError);
  }
}

TEST_CASE("carbon CSV: 8760 contiguous UTC hours, both intensity columns") {
  const std::string path = data_dir + "carbon/US-MIDA-PJM_2023_hourly.csv";
  const HourlySeries direct = read_hourly_csv(path, std::string(carbon_time_column),
                                              std::string(carbon_direct_column), true);
  const HourlySeries lca =
      read_hourly_csv(path, std::string(carbon_time_column), std::string(carbon_lca_column), true);
  REQUIRE(direct.values.size() == 8760);
  CHECK(direct.first_utc_s == epoch_seconds(CivilTime{2023, 1, 1, 0, 0, 0}));
  CHECK(direct.end_utc_s() == epoch_seconds(CivilTime{2024, 1, 1, 0, 0, 0}));
  // Row 2 of the file: "2023-01-01 01:00:00,...,290.74,353.97,..."
  const auto lines = lines_of(slurp(path));
  REQUIRE(lines[2].rfind("2023-01-01 01:00:00,", 0) == 0);
  CHECK(direct.values[1] == doctest::Approx(290.74));
  CHECK(lca.values[1] == doctest::Approx(353.97));
  for (std::size_t h = 0; h < 8760; ++h) CHECK(lca.values[h] >= direct.values[h]);
}

TEST_CASE("price CSV: UTC column with +00:00 offsets; other offsets are converted") {
  const HourlySeries p =
      read_hourly_csv(data_dir + "prices/US-TEX-ERCO_2023.csv", std::string(price_time_column),
                      std::string(price_column), false);
  REQUIRE(p.values.size() == 8760);
  CHECK(p.first_utc_s == epoch_seconds(CivilTime{2023, 1, 1, 0, 0, 0}));
  CHECK(p.values[0] == doctest::Approx(10.42));

  // The local column of the same file reads as the same instants.
  const HourlySeries local = read_hourly_csv(data_dir + "prices/US-TEX-ERCO_2023.csv",
                                             "Datetime (Local)", std::string(price_column), false);
  CHECK(local.first_utc_s == p.first_utc_s);
  CHECK(local.values == p.values);
}

TEST_CASE("malformed CSV rows are InputErrors at file:line:column") {
  const std::string head = "Datetime (UTC),Datetime (Local),Price (USD/MWh)\n";
  const std::string r0 = "2023-01-01 00:00:00+00:00,2022-12-31 19:00:00-05:00,21.5\n";
  const std::string r1 = "2023-01-01 01:00:00+00:00,2022-12-31 20:00:00-05:00,22.5\n";
  const std::string r2 = "2023-01-01 02:00:00+00:00,2022-12-31 21:00:00-05:00,23.5\n";
  auto parse = [](const std::string& text) {
    return parse_hourly_csv(text, "p.csv", "Datetime (UTC)", "Price (USD/MWh)", false);
  };
  CHECK(parse(head + r0 + r1 + r2).values == std::vector<double>{21.5, 22.5, 23.5});
  CHECK_THROWS_WITH_AS(
      parse(head + r0 + "2023-01-01 01:00:00+00:00,2022-12-31 20:00:00-05:00,2x.5\n"),
      doctest::Contains("p.csv:3:53: 'Price (USD/MWh)' value '2x.5' is not a number"), InputError);
  CHECK_THROWS_WITH_AS(parse(head + r0 + "2023-01-01 01:00:00+00:00,2022-12-31 20:00:00-05:00,\n"),
                       doctest::Contains("p.csv:3:53"), InputError);
  CHECK_THROWS_WITH_AS(parse(head + r0 + "2023-13-01 01:00:00+00:00,x,1\n"),
                       doctest::Contains("p.csv:3:1: '2023-13-01 01:00:00+00:00' is not a "
                                         "timestamp"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(head + r0 + r0), doctest::Contains("p.csv:3:1: duplicate hour"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(head + r0 + r2),
                       doctest::Contains("p.csv:3:1: gap in hourly data: expected "
                                         "2023-01-01T01:00 UTC"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(head + r1 + r0), doctest::Contains("p.csv:3:1: hour"), InputError);
  CHECK_THROWS_WITH_AS(parse(head + r0 + "2023-01-01 01:00:00+00:00\n"),
                       doctest::Contains("p.csv:3: row has 1 fields"), InputError);
  CHECK_THROWS_WITH_AS(parse("Time,Price\n2023-01-01 00:00:00,1\n"),
                       doctest::Contains("p.csv:1:1: missing column 'Datetime (UTC)'"), InputError);
  CHECK_THROWS_WITH_AS(parse_hourly_csv("Datetime (UTC),CI\n2023-01-01 00:00:00,-4\n", "c.csv",
                                        "Datetime (UTC)", "CI", true),
                       doctest::Contains("c.csv:2:21: 'CI' must be >= 0"), InputError);
}

namespace {

// The splitter's rules as a state machine over characters, every field copied: a field that
// opens with a quote runs to the closing quote ("" inside is one quote) and then, unquoted,
// to the comma; an unclosed quote runs to the end of the line.
std::vector<std::pair<std::string, int>> split_by_copy(std::string_view line) {
  std::vector<std::pair<std::string, int>> out{{"", 1}};
  enum class State { start, plain, quoted, after_quote } state = State::start;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    std::string& text = out.back().first;
    if (state == State::quoted) {
      if (c != '"') {
        text += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        text += '"';
        ++i;
      } else {
        state = State::after_quote;
      }
    } else if (c == ',') {
      out.emplace_back("", static_cast<int>(i) + 2);
      state = State::start;
    } else if (state == State::start && c == '"') {
      state = State::quoted;
    } else {
      text += c;
      if (state == State::start) state = State::plain;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a row split into views is the row split by copying, field for field") {
  // Every line of up to 7 characters over {a, comma, quote} (3,280 lines: escapes, text after
  // a closing quote, unclosed quotes, empty and trailing fields), split into one reused row
  // with no limit and with the first 1 to 4 fields taken.
  std::vector<std::string> lines = {""};
  for (std::size_t from = 0; lines.back().size() < 7;) {
    const std::size_t to = lines.size();
    for (std::size_t k = from; k < to; ++k)
      for (const char c : {'a', ',', '"'}) lines.push_back(lines[k] + c);
    from = to;
  }
  REQUIRE(lines.size() == 3280);
  detail::CsvRow row;
  int compared = 0;
  for (const std::string& line : lines) {
    const auto want = split_by_copy(line);
    for (const std::size_t limit : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4},
                                    std::numeric_limits<std::size_t>::max()}) {
      row.split(line, limit);
      CHECK(row.size() == std::min(limit, want.size()));
      if (row.size() != std::min(limit, want.size())) continue;
      for (std::size_t i = 0; i < row.size(); ++i) {
        CHECK(row[i].text == want[i].first);
        CHECK(row[i].column == want[i].second);
        ++compared;
      }
    }
  }
  CHECK(compared > 30000);
  // By hand: a row's fields and their columns.
  const std::string first = R"(a,"b,""c""",dd,,e)";
  row.split(first);
  REQUIRE(row.size() == 5);
  CHECK(row[1].text == "b,\"c\"");
  CHECK(row[2].column == 13);
  CHECK(row[3].text.empty());
  CHECK(row[4].column == 17);
  row.split("x,");
  REQUIRE(row.size() == 2);  // the trailing comma's empty field
  CHECK(row[1].text.empty());
  CHECK(row[1].column == 3);
  const std::string tail = R"("q"tail,"r""s"x,"plain",u)";
  row.split(tail);
  REQUIRE(row.size() == 4);
  CHECK(row[0].text == "qtail");
  CHECK(row[1].text == "r\"sx");
  CHECK(row[2].text == "plain");
  CHECK(row[2].text.data() == tail.data() + 17);  // a slice of the line, not a copy
  CHECK(row[3].column == 25);
  // Long fields with escapes, unquoted back to back into the row's storage: it must not move
  // while the line is split, or the first fields' views would be left on the old storage.
  std::string escaped;
  for (int k = 0; k < 8; ++k)
    escaped += (k ? ",\"f" : "\"f") + std::to_string(k) + "\"\"" + std::string(20, 'x') + "\"";
  row.split(escaped);
  REQUIRE(row.size() == 8);
  for (std::size_t k = 0; k < 8; ++k) {
    CHECK(row[k].text == "f" + std::to_string(k) + "\"" + std::string(20, 'x'));
    if (k > 0) CHECK(row[k].text.data() == row[k - 1].text.data() + row[k - 1].text.size());
  }
  row.split(tail, 2);  // the first two fields only
  REQUIRE(row.size() == 2);
  CHECK(row[1].text == "r\"sx");
}

TEST_CASE("a number field parses to the bits from_chars gives") {
  // Plain decimals (the shortcut: up to 15 digits, signs, leading zeros, -0, a point), what is
  // not one, and what is too long for the shortcut, beside from_chars on the same text.
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "00",
                                    "7",
                                    "-7",
                                    "100",
                                    "99846",
                                    "-70",
                                    "0012",
                                    "+5",
                                    " 42\t",
                                    "1.10",
                                    "-0.0",
                                    "21.957204",
                                    ".5",
                                    "5.",
                                    "-.5",
                                    "1.2.3",
                                    "1e3",
                                    "-",
                                    "",
                                    "+",
                                    "5-",
                                    "0x10",
                                    "inf",
                                    "999999999999999",
                                    "-99999999999999.9",
                                    "1000000000000000",
                                    "0.1000000000000001",
                                    "9007199254740993",
                                    "12345678901234567"};
  std::uint64_t x = 12345;
  const auto next = [&x] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (int k = 0; k < 6000; ++k) {  // random decimals of 1 to 22 digits, a point or none
    std::string t = (next() >> 63) ? "-" : "";
    const int digits = 1 + static_cast<int>((next() >> 20) % 22);
    const int point = static_cast<int>((next() >> 20) % (digits + 2)) - 1;  // -1: none
    for (int d = 0; d < digits; ++d) {
      if (d == point) t += '.';
      t += static_cast<char>('0' + (next() >> 60) % 10);
    }
    texts.push_back(t);
  }
  int plain = 0;
  for (const std::string& text : texts) {
    std::string_view s = text;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double want = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), want);
    const bool ok =
        !s.empty() && ec == std::errc() && end == s.data() + s.size() && std::isfinite(want);
    const std::optional<double> got = detail::parse_number(text);
    INFO(text);
    REQUIRE(got.has_value() == ok);
    if (!ok) continue;
    CHECK(std::bit_cast<std::uint64_t>(*got) == std::bit_cast<std::uint64_t>(want));
    plain += s.find_first_not_of("-.0123456789") == std::string_view::npos;
  }
  CHECK(plain > 5000);
  CHECK(std::signbit(*detail::parse_number("-0")));
  CHECK(*detail::parse_number("99846") == 99846.0);
  CHECK(*detail::parse_number("-1.10") == -1.1);
}

TEST_CASE("CSV blank lines: only at the end of the data") {
  const std::string head = "Datetime (UTC),Price (USD/MWh)\n";
  const std::string r0 = "2023-01-01 00:00:00+00:00,21.5\n";
  const std::string r1 = "2023-01-01 01:00:00+00:00,22.5\n";
  auto parse = [](const std::string& text) {
    return parse_hourly_csv(text, "p.csv", "Datetime (UTC)", "Price (USD/MWh)", false);
  };
  CHECK(parse(head + r0 + r1 + " \t\n\n").values == std::vector<double>{21.5, 22.5});
  CHECK_THROWS_WITH_AS(parse(head + r0 + "\t \n" + r1),
                       doctest::Contains("p.csv:3:1: blank line inside the data"), InputError);
}

TEST_CASE("calendar arithmetic") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2023, 1, 1) == 19358);  // 53 years, 13 leap days: 53*365 + 13
  CHECK(53 * 365 + 13 == 19358);
  const CivilTime t{2024, 2, 29, 13, 45, 7};
  const CivilTime back = civil_from_epoch_seconds(epoch_seconds(t));
  CHECK(to_string(back) == "2024-02-29T13:45:07");
  CHECK(typical_day_of_year(12, 31) == 364);
  CHECK(typical_day_of_year(2, 29) == -1);
  CHECK_FALSE(parse_civil_time("2023-02-29T00:00").has_value());
  CHECK(parse_civil_time("2024-02-29 10:00").has_value());
  std::int64_t off = 0;
  const auto z = parse_civil_time("2022-12-31 19:00:00-05:00", &off);
  REQUIRE(z.has_value());
  CHECK(off == -5 * 3600);
  CHECK(epoch_seconds(*z) - off == epoch_seconds(CivilTime{2023, 1, 1, 0, 0, 0}));
}
