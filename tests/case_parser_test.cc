// The case language: views each op produces, error messages, case files, the embedded default
// suite, and every small case copied by ravel and checked against the independent reference.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "cases/case.h"
#include "cases/run.h"
#include "ravel/ravel.h"

namespace {

using ravel_cases::Case;
using ravel_cases::CaseRun;

constexpr int64_t kSmallCaseBytes = int64_t{1} << 20;

// An expected view. Strides of extent-1 dims are not compared (PyTorch leaves them free), nor
// the strides and offset of an empty view.
struct ExpectedView {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t offset;
  int64_t base_elements;
};

void ExpectView(const ravel_view& view, int64_t base_elements, const ExpectedView& expected,
                const std::string& what) {
  SCOPED_TRACE(what + ": " + ravel_cases::DescribeView(view));
  ASSERT_EQ(view.rank, static_cast<int32_t>(expected.shape.size()));
  ASSERT_EQ(expected.strides.size(), expected.shape.size()) << "test bug";
  const bool empty = ravel_cases::ElementCount(view) == 0;
  for (int32_t d = 0; d < view.rank; ++d) {
    EXPECT_EQ(view.shape[d], expected.shape[d]) << "dim " << d;
    if (expected.shape[d] != 1 && !empty) {
      EXPECT_EQ(view.strides[d], expected.strides[d]) << "dim " << d;
    }
  }
  if (!empty) {
    EXPECT_EQ(view.offset, expected.offset);
  }
  EXPECT_EQ(base_elements, expected.base_elements);
}

Case MustParse(const std::string& text) {
  Case c;
  std::string error;
  EXPECT_TRUE(ravel_cases::ParseCase(text, &c, &error)) << text << ": " << error;
  return c;
}

// ---- Views each op produces -------------------------------------------------------------------

struct ParseRow {
  const char* text;
  ExpectedView src;
  ExpectedView dst;
};

// Single-stage cases: the source view, and the destination (dense of the final shape unless
// ` -> ` names one).
const ParseRow kParseRows[] = {
    {"f32[2,3,4]", {{2, 3, 4}, {12, 4, 1}, 0, 24}, {{2, 3, 4}, {12, 4, 1}, 0, 24}},
    {"f32[]", {{}, {}, 0, 1}, {{}, {}, 0, 1}},
    {"f32[0,16].t()", {{16, 0}, {1, 16}, 0, 0}, {{16, 0}, {0, 1}, 0, 0}},
    {"f32[2,3,4].permute(2,0,1)", {{4, 2, 3}, {1, 12, 4}, 0, 24}, {{4, 2, 3}, {6, 3, 1}, 0, 24}},
    {"f32[2,3,4].permute(-1,0,-2)", {{4, 2, 3}, {1, 12, 4}, 0, 24}, {{4, 2, 3}, {6, 3, 1}, 0, 24}},
    {"f32[2,3,4].permute([2,0,1])", {{4, 2, 3}, {1, 12, 4}, 0, 24}, {{4, 2, 3}, {6, 3, 1}, 0, 24}},
    {"f32[2,3,4].transpose(0,2)", {{4, 3, 2}, {1, 4, 12}, 0, 24}, {{4, 3, 2}, {6, 2, 1}, 0, 24}},
    {"f32[2,3,4].transpose(-1,1)", {{2, 4, 3}, {12, 1, 4}, 0, 24}, {{2, 4, 3}, {12, 3, 1}, 0, 24}},
    {"f32[2,3].t()", {{3, 2}, {1, 3}, 0, 6}, {{3, 2}, {2, 1}, 0, 6}},
    {"f32[5].t()", {{5}, {1}, 0, 5}, {{5}, {1}, 0, 5}},
    {"f32[].t()", {{}, {}, 0, 1}, {{}, {}, 0, 1}},
    {"f32[10][::-1]", {{10}, {-1}, 9, 10}, {{10}, {1}, 0, 10}},
    {"f32[10][8:2:-2]", {{3}, {-2}, 8, 10}, {{3}, {1}, 0, 3}},
    {"f32[10][::-3]", {{4}, {-3}, 9, 10}, {{4}, {1}, 0, 4}},
    {"f32[10][-3:]", {{3}, {1}, 7, 10}, {{3}, {1}, 0, 3}},
    {"f32[10][:100]", {{10}, {1}, 0, 10}, {{10}, {1}, 0, 10}},
    {"f32[10][7:3]", {{0}, {1}, 7, 10}, {{0}, {1}, 0, 0}},
    {"f32[4,6][1:-1, ::2]", {{2, 3}, {6, 2}, 6, 24}, {{2, 3}, {3, 1}, 0, 6}},
    {"f32[4,6][:, ::2]", {{4, 3}, {6, 2}, 0, 24}, {{4, 3}, {3, 1}, 0, 12}},
    {"f32[4,6][::-1, ::3]", {{4, 2}, {-6, 3}, 18, 24}, {{4, 2}, {2, 1}, 0, 8}},
    {"f32[4,6][2]", {{6}, {1}, 12, 24}, {{6}, {1}, 0, 6}},
    {"f32[4,6][-1, 3]", {{}, {}, 21, 24}, {{}, {}, 0, 1}},
    {"f32[4,6][:, -2]", {{4}, {6}, 4, 24}, {{4}, {1}, 0, 4}},
    {"f32[4,6][None, :, None]",
     {{1, 4, 1, 6}, {0, 6, 0, 1}, 0, 24},
     {{1, 4, 1, 6}, {0, 6, 0, 1}, 0, 24}},
    {"f32[2,3,4][..., 1]", {{2, 3}, {12, 4}, 1, 24}, {{2, 3}, {3, 1}, 0, 6}},
    {"f32[2,3,4][1, ...]", {{3, 4}, {4, 1}, 12, 24}, {{3, 4}, {4, 1}, 0, 12}},
    {"f32[2,3,4][:, None, ..., ::-1]",
     {{2, 1, 3, 4}, {12, 0, 4, -1}, 3, 24},
     {{2, 1, 3, 4}, {12, 0, 4, 1}, 0, 24}},
    {"f32[2,3,4][0, ..., None]", {{3, 4, 1}, {4, 1, 0}, 0, 24}, {{3, 4, 1}, {4, 1, 0}, 0, 12}},
    {"f32[2,3,4][...]", {{2, 3, 4}, {12, 4, 1}, 0, 24}, {{2, 3, 4}, {12, 4, 1}, 0, 24}},
    {"f32[2,3,4][1,]", {{3, 4}, {4, 1}, 12, 24}, {{3, 4}, {4, 1}, 0, 12}},
    {"f32[1,3,1,4].expand(2,3,5,4)",
     {{2, 3, 5, 4}, {0, 4, 0, 1}, 0, 12},
     {{2, 3, 5, 4}, {60, 20, 4, 1}, 0, 120}},
    {"f32[3,1].expand(-1, 4)", {{3, 4}, {1, 0}, 0, 3}, {{3, 4}, {4, 1}, 0, 12}},
    {"f32[3].expand(2,3)", {{2, 3}, {0, 1}, 0, 3}, {{2, 3}, {3, 1}, 0, 6}},
    {"f32[3,4].unsqueeze(1)", {{3, 1, 4}, {4, 0, 1}, 0, 12}, {{3, 1, 4}, {4, 0, 1}, 0, 12}},
    {"f32[3,4].unsqueeze(-1)", {{3, 4, 1}, {4, 1, 0}, 0, 12}, {{3, 4, 1}, {4, 1, 0}, 0, 12}},
    {"f32[3,1,4,1].squeeze()", {{3, 4}, {4, 1}, 0, 12}, {{3, 4}, {4, 1}, 0, 12}},
    {"f32[3,1,4,1].squeeze(1)", {{3, 4, 1}, {4, 1, 0}, 0, 12}, {{3, 4, 1}, {4, 1, 0}, 0, 12}},
    {"f32[3,1,4,1].squeeze(0)",
     {{3, 1, 4, 1}, {4, 0, 1, 0}, 0, 12},
     {{3, 1, 4, 1}, {4, 0, 1, 0}, 0, 12}},
    {"f32[3,4].flip(0)", {{3, 4}, {-4, 1}, 8, 12}, {{3, 4}, {4, 1}, 0, 12}},
    {"f32[3,4].flip(0,1)", {{3, 4}, {-4, -1}, 11, 12}, {{3, 4}, {4, 1}, 0, 12}},
    {"f32[3,4].flip([-1])", {{3, 4}, {4, -1}, 3, 12}, {{3, 4}, {4, 1}, 0, 12}},
    {"f32[2,3,4].flatten()", {{24}, {1}, 0, 24}, {{24}, {1}, 0, 24}},
    {"f32[2,3,4].flatten(1)", {{2, 12}, {12, 1}, 0, 24}, {{2, 12}, {12, 1}, 0, 24}},
    {"f32[2,3,4].flatten(0, 1)", {{6, 4}, {4, 1}, 0, 24}, {{6, 4}, {4, 1}, 0, 24}},
    {"f32[2,3,4].reshape(4,-1)", {{4, 6}, {6, 1}, 0, 24}, {{4, 6}, {6, 1}, 0, 24}},
    {"f32[2,3,4].reshape([6,4])", {{6, 4}, {4, 1}, 0, 24}, {{6, 4}, {4, 1}, 0, 24}},
    {"f32[2,3,4].permute(2,0,1).flatten(1)", {{4, 6}, {1, 4}, 0, 24}, {{4, 6}, {6, 1}, 0, 24}},
    {"f32[4,6][:, ::2].reshape(2,2,3)",
     {{2, 2, 3}, {12, 6, 2}, 0, 24},
     {{2, 2, 3}, {6, 3, 1}, 0, 12}},
    {"f32[12].as_strided([3,4],[1,3])", {{3, 4}, {1, 3}, 0, 12}, {{3, 4}, {4, 1}, 0, 12}},
    {"f32[12].as_strided([2,2],[4,1],5)", {{2, 2}, {4, 1}, 5, 12}, {{2, 2}, {2, 1}, 0, 4}},
    {"f32[12][2:].as_strided([2,2],[4,1])", {{2, 2}, {4, 1}, 2, 12}, {{2, 2}, {2, 1}, 0, 4}},
    {"f32[12].as_strided((4,),(0,))", {{4}, {0}, 0, 12}, {{4}, {1}, 0, 4}},
    {"f32[16,12,64] -> f32[16,12,128][:, :, 64:]",
     {{16, 12, 64}, {768, 64, 1}, 0, 12288},
     {{16, 12, 64}, {1536, 128, 1}, 64, 24576}},
    {"f32[4,4] -> f32[4,4].t()", {{4, 4}, {4, 1}, 0, 16}, {{4, 4}, {1, 4}, 0, 16}},
    {"f32[2,3].t() -> f32[3,2]", {{3, 2}, {1, 3}, 0, 6}, {{3, 2}, {2, 1}, 0, 6}},
    {"f32[6] -> f32[2,3].flatten()", {{6}, {1}, 0, 6}, {{6}, {1}, 0, 6}},
    {"f32[4] -> f32[8][::-2]", {{4}, {1}, 0, 4}, {{4}, {-2}, 7, 8}},
    {"  f32 [ 2 , 3 ] . permute ( 1 , 0 )  ->  f32 [ 3 , 2 ]  ",
     {{3, 2}, {1, 3}, 0, 6},
     {{3, 2}, {2, 1}, 0, 6}},
    {"f32[4,6][ 1 : -1 , : : 2 ]", {{2, 3}, {6, 2}, 6, 24}, {{2, 3}, {3, 1}, 0, 6}},
};

void PrintTo(const ParseRow& row, std::ostream* os) { *os << row.text; }

class ParseRowTest : public testing::TestWithParam<ParseRow> {};

TEST_P(ParseRowTest, ViewsMatch) {
  const ParseRow& row = GetParam();
  const Case c = MustParse(row.text);
  ASSERT_EQ(c.stages.size(), 1u);
  EXPECT_EQ(c.dtype, "f32");
  EXPECT_EQ(c.elem_size, 4);
  ExpectView(c.source, c.source_base_elements, row.src, "source");
  ExpectView(c.destination, c.destination_base_elements, row.dst, "destination");
  ExpectView(c.stages[0].src, c.stages[0].src_base_elements, row.src, "stage source");
  ExpectView(c.stages[0].dst, c.stages[0].dst_base_elements, row.dst, "stage destination");
}

INSTANTIATE_TEST_SUITE_P(CaseParser, ParseRowTest, testing::ValuesIn(kParseRows));

TEST(CaseParser, KeepsTrimmedText) {
  EXPECT_EQ(MustParse("  f32[2,3].t()\t ").text, "f32[2,3].t()");
}

TEST(CaseParser, EveryDtypeHasItsSize) {
  const std::vector<std::pair<std::string, int64_t>> sizes = {
      {"bool", 1}, {"u8", 1},   {"i8", 1},  {"u16", 2}, {"i16", 2},
      {"f16", 2},  {"bf16", 2}, {"u32", 4}, {"i32", 4}, {"f32", 4},
      {"u64", 8},  {"i64", 8},  {"f64", 8}, {"c64", 8}, {"c128", 16}};
  ASSERT_EQ(ravel_cases::Dtypes().size(), sizes.size());
  for (const auto& [name, size] : sizes) {
    const Case c = MustParse(name + "[2,3].t()");
    EXPECT_EQ(c.dtype, name);
    EXPECT_EQ(c.elem_size, size) << name;
    EXPECT_EQ(c.source.elem_size, size) << name;
    EXPECT_EQ(c.destination.elem_size, size) << name;
    EXPECT_EQ(ravel_cases::CaseBytes(c), 6 * size) << name;
  }
}

// ---- Reshapes that are no view: materialize, then reshape ------------------------------------

TEST(CaseParser, FlattenThatNeedsACopyEndsInItsOwnBuffer) {
  // permute(0,2,1) leaves dims 1 and 2 out of order, so flatten(1) copies; the copy is the result.
  const Case c = MustParse("f32[2,3,4].permute(0,2,1).flatten(1)");
  ASSERT_EQ(c.stages.size(), 1u);
  ExpectView(c.stages[0].src, c.stages[0].src_base_elements, {{2, 4, 3}, {12, 1, 4}, 0, 24},
             "stage source");
  ExpectView(c.stages[0].dst, c.stages[0].dst_base_elements, {{2, 4, 3}, {12, 3, 1}, 0, 24},
             "stage destination");
  ExpectView(c.destination, c.destination_base_elements, {{2, 12}, {12, 1}, 0, 24}, "destination");
}

TEST(CaseParser, ReshapeThatNeedsACopyMatchesFlatten) {
  const Case flatten = MustParse("f32[2,3,4].permute(0,2,1).flatten(1)");
  const Case reshape = MustParse("f32[2,3,4].permute(0,2,1).reshape(2,12)");
  ASSERT_EQ(reshape.stages.size(), 1u);
  EXPECT_EQ(ravel_cases::DescribeView(reshape.destination),
            ravel_cases::DescribeView(flatten.destination));
}

TEST(CaseParser, OpsAfterAMaterializedReshapeAddAStage) {
  const Case c = MustParse("f32[2,3,4].permute(0,2,1).flatten(1)[:, ::2]");
  ASSERT_EQ(c.stages.size(), 2u);
  ExpectView(c.stages[0].dst, c.stages[0].dst_base_elements, {{2, 4, 3}, {12, 3, 1}, 0, 24},
             "stage 1 destination");
  ExpectView(c.stages[1].src, c.stages[1].src_base_elements, {{2, 6}, {12, 2}, 0, 24},
             "stage 2 source");
  ExpectView(c.stages[1].dst, c.stages[1].dst_base_elements, {{2, 6}, {6, 1}, 0, 12},
             "stage 2 destination");
  ExpectView(c.source, c.source_base_elements, {{2, 4, 3}, {12, 1, 4}, 0, 24}, "source");
  ExpectView(c.destination, c.destination_base_elements, {{2, 6}, {6, 1}, 0, 12}, "destination");
}

TEST(CaseParser, MaterializedReshapeIntoAnArrowDestination) {
  const Case c = MustParse("f32[2,3,4].permute(0,2,1).reshape(24) -> f32[48][::2]");
  ASSERT_EQ(c.stages.size(), 2u);
  ExpectView(c.stages[1].src, c.stages[1].src_base_elements, {{24}, {1}, 0, 24}, "stage 2 source");
  ExpectView(c.destination, c.destination_base_elements, {{24}, {2}, 0, 48}, "destination");
}

TEST(CaseParser, NchwToNhwcFlattenCopiesOnce) {
  const Case c = MustParse("f32[32,64,56,56].permute(0,2,3,1).flatten(1)");
  ASSERT_EQ(c.stages.size(), 1u);
  ExpectView(c.source, c.source_base_elements,
             {{32, 56, 56, 64}, {200704, 56, 1, 3136}, 0, 6422528}, "source");
  ExpectView(c.destination, c.destination_base_elements, {{32, 200704}, {200704, 1}, 0, 6422528},
             "destination");
}

// ---- Errors ----------------------------------------------------------------------------------

struct ErrorRow {
  const char* text;
  const char* error;  // the message starts with this
};

const ErrorRow kErrorRows[] = {
    {"", "col 1: expected a dtype"},
    {"   ", "col 4: expected a dtype"},
    {"f33[2]", "col 1: unknown dtype 'f33'; expected one of bool, u8,"},
    {"f32", "col 4: expected '[', found end of line"},
    {"f32[2,3", "col 8: expected ',' or ']', found end of line"},
    {"f32[2;3]", "col 6: expected ',' or ']', found ';'"},
    {"f32[2,-3]", "col 7: extent -3 is negative"},
    {"f32[x]", "col 5: expected an integer, found 'x'"},
    {"f32[99999999999999999999]", "col 5: integer out of range of int64"},
    {"f32[4294967296,4294967296]", "col 16: the element count overflows int64"},
    {"f32[2,3].permute(1,0", "col 21: expected ',' or ')', found end of line"},
    {"f32[2,3].permute(1 0)", "col 20: expected ',' or ')', found '0'"},
    {"f32[2,3].foo()", "col 10: unknown op '.foo'; expected one of permute,"},
    {"f32[2,3].t", "col 11: expected '(', found end of line"},
    {"f32[2,3].t(1)", "col 12: expected ')', found '1'"},
    {"f32[2,3,4].t()", "col 11: .t() expects a tensor with at most 2 dims, got 3"},
    {"f32[2,3].transpose(0,2)", "col 22: dim 2 is out of range for a tensor of rank 2"},
    {"f32[2,3].transpose(0)", "col 21: expected ',', found ')'"},
    {"f32[2,3].permute(0,1,2)", "col 9: permute: "},
    {"f32[2,3].permute(4294967296,0)", "col 18: dim 4294967296 is out of range"},
    {"f32[2,3].expand(3,3)", "col 9: expand: "},
    {"f32[2,3].flatten(0,1,2)", "col 22: .flatten takes at most 2 arguments"},
    {"f32[2,3].reshape(4,2)", "col 9: reshape: "},
    {"f32[10][::0]", "col 11: slice step cannot be zero"},
    {"f32[10][1:2:3:4]", "col 14: expected ',' or ']', found ':'"},
    {"f32[10][]",
     "col 9: expected an index (start:stop:step, an integer, '...' or None), found ']'"},
    {"f32[10][Nonesuch]", "col 9: expected an index"},
    {"f32[2,3][1,2,3]", "col 9: too many indices: 3 for a tensor of rank 2"},
    {"f32[2,3][..., ...]", "col 15: an index can only have a single ellipsis ('...')"},
    {"f32[2,3][5]", "col 10: index: "},
    {"f32[12].as_strided([4,4],[4,1])",
     "col 8: .as_strided reaches outside its base tensor of 12 elements"},
    {"f32[12].as_strided([4],[-1])", "col 8: .as_strided reaches outside its base tensor"},
    {"f32[12].as_strided([2,2],[1])", "col 20: .as_strided has 2 extents and 1 strides"},
    {"f32[12].as_strided(2,[1])", "col 20: expected '[', found '2'"},
    {"f32[2,3] x",
     "col 10: expected an op ('.name(...)' or '[index]'), '->' or the end, found 'x'"},
    {"f32[2,3] -> f32[3,2]",
     "col 10: the destination's shape [3, 2] differs from the source's [2, 3]"},
    {"f32[2,3] -> f64[2,3]",
     "col 13: the destination's dtype f64 differs from the source's f32; a copy does not convert"},
    {"f32[2,3] ->", "col 12: expected a dtype"},
    {"f32[2,3] -> f32[2,3] -> f32[2,3]",
     "col 22: expected an op ('.name(...)' or '[index]') or the end, found '-'"},
    {"f32[2,3] -> f32[3,2].t().flatten()",
     "col 25: .flatten of the destination needs a copy (its strides allow no view)"},
};

void PrintTo(const ErrorRow& row, std::ostream* os) { *os << '"' << row.text << '"'; }

class ErrorRowTest : public testing::TestWithParam<ErrorRow> {};

TEST_P(ErrorRowTest, NamesColumnAndProblem) {
  const ErrorRow& row = GetParam();
  Case c;
  std::string error;
  ASSERT_FALSE(ravel_cases::ParseCase(row.text, &c, &error)) << row.text;
  EXPECT_EQ(error.substr(0, std::string(row.error).size()), row.error)
      << "case: " << row.text << "\nerror: " << error;
}

INSTANTIATE_TEST_SUITE_P(CaseParser, ErrorRowTest, testing::ValuesIn(kErrorRows));

// ---- Case files and the default suite --------------------------------------------------------

TEST(CaseFile, SkipsCommentsAndBlankLines) {
  const std::string text =
      "# a comment\n"
      "\n"
      "f32[2,3].t()   # trailing comment\r\n"
      "   \t\n"
      "u8[3,5,7].permute(2,1,0)";
  std::vector<Case> cases;
  std::string error;
  ASSERT_TRUE(ravel_cases::LoadCaseText(text, "inline", &cases, &error)) << error;
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].text, "f32[2,3].t()");
  EXPECT_EQ(cases[1].text, "u8[3,5,7].permute(2,1,0)");
}

TEST(CaseFile, ErrorsCarryTheLineNumber) {
  const std::string text = "# header\nf32[2,3].t()\n\n  f32[2,3].permute(1,0\n";
  std::vector<Case> cases;
  std::string error;
  ASSERT_FALSE(ravel_cases::LoadCaseText(text, "suite.txt", &cases, &error));
  EXPECT_EQ(error, "suite.txt:4: col 23: expected ',' or ')', found end of line");
}

TEST(CaseFile, MissingFileIsAnError) {
  std::vector<Case> cases;
  std::string error;
  ASSERT_FALSE(ravel_cases::LoadCaseFile("/nonexistent/cases.txt", &cases, &error));
  EXPECT_EQ(error.rfind("cannot open '/nonexistent/cases.txt'", 0), 0u) << error;
}

TEST(CaseFile, ReadsAFile) {
  char path[] = "/tmp/ravel_case_file_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  FILE* file = fdopen(fd, "w");
  std::fputs("f32[2,3].t()\n# comment\nf64[4][::-1]\n", file);
  std::fclose(file);
  std::vector<Case> cases;
  std::string error;
  EXPECT_TRUE(ravel_cases::LoadCaseFile(path, &cases, &error)) << error;
  std::remove(path);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[1].text, "f64[4][::-1]");
}

std::vector<Case> DefaultSuiteCases() {
  std::vector<Case> cases;
  std::string error;
  EXPECT_TRUE(
      ravel_cases::LoadCaseText(ravel_cases::DefaultSuite(), "default suite", &cases, &error))
      << error;
  return cases;
}

TEST(DefaultSuite, EveryLineParses) {
  const std::string_view text = ravel_cases::DefaultSuite();
  size_t case_lines = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end;
    const std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line[0] != '#') {
      ++case_lines;
    }
    start = end + 1;
  }
  const std::vector<Case> cases = DefaultSuiteCases();
  EXPECT_EQ(cases.size(), case_lines);
  EXPECT_GE(cases.size(), 30u);
  EXPECT_EQ(cases.front().text, "f32[64,2048,7,7].permute(0,2,3,1)");
}

// The examples of CASES.md, without their descriptions.
const char* const kCasesMdExamples[] = {
    "f32[64,2048,7,7].permute(0,2,3,1)",
    "f32[8,512,12,64].permute(0,2,1,3)",
    "u8[32,224,224,3].permute(0,3,1,2)",
    "f32[8192,8192][:, ::2]",
    "f32[16777216][::-1]",
    "f32[1,3,1,4096].expand(64,3,128,4096)",
    "f32[32,64,56,56].permute(0,2,3,1).flatten(1)",
    "f32[16,12,64] -> f32[16,12,128][:, :, 64:]",
};

TEST(CasesMd, EveryExampleParses) {
  for (const char* text : kCasesMdExamples) {
    const Case c = MustParse(text);
    EXPECT_EQ(ravel_cases::ElementCount(c.source), ravel_cases::ElementCount(c.destination))
        << text;
  }
  const Case reversed = MustParse("f32[16777216][::-1]");
  ExpectView(reversed.source, reversed.source_base_elements, {{16777216}, {-1}, 16777215, 16777216},
             "reversed");
  const Case broadcast = MustParse("f32[1,3,1,4096].expand(64,3,128,4096)");
  ExpectView(broadcast.source, broadcast.source_base_elements,
             {{64, 3, 128, 4096}, {0, 4096, 0, 1}, 0, 12288}, "broadcast");
}

// ---- Copies through ravel, checked by the independent reference ------------------------------

// Small versions of the default suite's big cases, same ops, odd extents kept odd.
const char* const kSmallVersions[] = {
    "f32[4,20,7,7].permute(0,2,3,1)",
    "f32[4,7,7,20].permute(0,3,1,2)",
    "f32[2,6,11,11].permute(0,2,3,1)",
    "bf16[2,16,9,9].permute(0,2,3,1)",
    "u8[2,22,22,3].permute(0,3,1,2)",
    "u8[2,3,22,22].permute(0,2,3,1)",
    "f32[2,51,12,64].permute(0,2,1,3)",
    "f32[2,12,51,64].permute(0,2,1,3)",
    "bf16[1,64,32,16].permute(0,2,1,3)",
    "f16[1,32,64,16].transpose(2,3)",
    "f32[256,256].t()",
    "f32[255,257].t()",
    "f32[140,385].t()",
    "f32[1000,128].t()",
    "f64[128,128].t()",
    "f16[256,256].t()",
    "u8[512,512].t()",
    "c128[64,64].t()",
    "f32[256,256][:, ::2]",
    "f32[256,256][1:-1, 1:-1]",
    "f32[128,128][::-1, ::3]",
    "f32[65536][::-1]",
    "f32[1,3,1,64].expand(4,3,16,64)",
    "i64[256,1].expand(256,128)",
    "f32[2,64,14,14].permute(0,2,3,1).flatten(1)",
    "f32[4,32,48] -> f32[4,32,96][:, :, 48:]",
};

// Cases that exercise the ops and the stages beyond the suite.
const char* const kOpCases[] = {
    "f32[]",
    "i8[7]",
    "f32[10][8:2:-2]",
    "u16[9,10][::-2, 1::3]",
    "i32[3,4,5][None, 1:, ..., ::-1, None]",
    "u32[3,4,5][-1, :, 2]",
    "f32[3,1,4,1].squeeze().t()",
    "i16[5,6].flip(0,1)",
    "u64[3,4].unsqueeze(1).expand(3,5,4)",
    "f32[12].as_strided([3,4],[1,3])",
    "f32[12].as_strided([5,3],[2,1],1)",
    "c64[6,7].t() -> c64[14,12][::2, 5:11].t().t()",
    "f32[2,3,4].permute(0,2,1).flatten(1)[:, ::2]",
    "f32[2,3,4].permute(0,2,1).reshape(24) -> f32[48][::2]",
    "bool[3,5,7].permute(2,0,1).reshape(7,-1).t()",
    "f32[0,16].t()",
    "f32[10][7:3]",
};

std::vector<std::string> CopyCases() {
  std::vector<std::string> texts;
  for (const Case& c : DefaultSuiteCases()) {
    int64_t total_bytes = 0;
    for (const ravel_cases::Stage& stage : c.stages) {
      total_bytes += (stage.src_base_elements + stage.dst_base_elements) * c.elem_size;
    }
    if (total_bytes < kSmallCaseBytes) {
      texts.push_back(c.text);
    }
  }
  texts.insert(texts.end(), std::begin(kSmallVersions), std::end(kSmallVersions));
  texts.insert(texts.end(), std::begin(kOpCases), std::end(kOpCases));
  for (const ParseRow& row : kParseRows) {
    texts.push_back(row.text);
  }
  return texts;
}

const int32_t kBackends[] = {RAVEL_BACKEND_AUTO, RAVEL_BACKEND_JIT, RAVEL_BACKEND_HWY,
                             RAVEL_BACKEND_REFERENCE};

TEST(CaseCopy, SmallDefaultSuiteCasesExist) {
  const std::vector<Case> suite = DefaultSuiteCases();
  size_t small = 0;
  for (const Case& c : suite) {
    small += ravel_cases::CaseBytes(c) < kSmallCaseBytes ? 1 : 0;
  }
  EXPECT_GE(small, 5u);
}

TEST(CaseCopy, EverySmallCaseMatchesTheReference) {
  for (const std::string& text : CopyCases()) {
    const Case c = MustParse(text);
    for (const int32_t backend : kBackends) {
      SCOPED_TRACE(text + " backend " + std::to_string(backend));
      ravel_options options;
      ravel_options_init(&options);
      options.backend = backend;
      CaseRun run;
      std::string error;
      const ravel_status status = ravel_cases::RunCase(c, &options, &run, &error);
      if (status == RAVEL_E_UNSUPPORTED && backend != RAVEL_BACKEND_AUTO) {
        continue;
      }
      ASSERT_EQ(status, RAVEL_OK) << error;
      EXPECT_TRUE(ravel_cases::VerifyRun(c, run, &error)) << error;
    }
  }
}

// ---- The reference and the verifier themselves -----------------------------------------------

TEST(Reference, TransposesByHand) {
  const Case c = MustParse("u8[2,3].t()");
  const uint8_t src[] = {0, 1, 2, 3, 4, 5};
  uint8_t dst[6] = {};
  ravel_cases::ReferenceCopy(c.source, src, c.destination, dst);
  const uint8_t expected[] = {0, 3, 1, 4, 2, 5};
  EXPECT_EQ(std::vector<uint8_t>(dst, dst + 6), std::vector<uint8_t>(expected, expected + 6));
}

TEST(Reference, ReversesWideElementsByHand) {
  const Case c = MustParse("c128[3][::-1]");
  std::vector<uint8_t> src(48);
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = static_cast<uint8_t>(i);
  }
  std::vector<uint8_t> dst(48);
  ravel_cases::ReferenceCopy(c.source, src.data(), c.destination, dst.data());
  for (size_t i = 0; i < dst.size(); ++i) {
    EXPECT_EQ(dst[i], src[(2 - i / 16) * 16 + i % 16]) << i;
  }
}

TEST(Verify, CatchesAWrongElement) {
  const Case c = MustParse("f32[3,4].t()");
  CaseRun run;
  std::string error;
  ASSERT_EQ(ravel_cases::RunCase(c, nullptr, &run, &error), RAVEL_OK) << error;
  ASSERT_TRUE(ravel_cases::VerifyRun(c, run, &error)) << error;
  run.buffers[1].data()[2 * 3 * 4 + 1] ^= 1;  // element [2, 0], second byte
  ASSERT_FALSE(ravel_cases::VerifyRun(c, run, &error));
  EXPECT_EQ(error.rfind("destination index [2, 0] (element 6 of its buffer) holds 0x", 0), 0u)
      << error;
}

TEST(Verify, CatchesAStrayWriteOutsideTheView) {
  const Case c = MustParse("u8[4] -> u8[8][::2]");
  CaseRun run;
  std::string error;
  ASSERT_EQ(ravel_cases::RunCase(c, nullptr, &run, &error), RAVEL_OK) << error;
  run.buffers[1].data()[3] ^= 1;
  ASSERT_FALSE(ravel_cases::VerifyRun(c, run, &error));
  EXPECT_EQ(error, "byte 3 of the destination buffer, outside the view, changed");
}

TEST(Verify, CatchesAChangedSource) {
  const Case c = MustParse("u8[4].flip(0)");
  CaseRun run;
  std::string error;
  ASSERT_EQ(ravel_cases::RunCase(c, nullptr, &run, &error), RAVEL_OK) << error;
  run.buffers[0].data()[1] ^= 1;
  ASSERT_FALSE(ravel_cases::VerifyRun(c, run, &error));
  EXPECT_EQ(error, "byte 1 of the source changed");
}

TEST(Verify, NamesTheStage) {
  const Case c = MustParse("f32[2,3,4].permute(0,2,1).flatten(1)[:, ::2]");
  CaseRun run;
  std::string error;
  ASSERT_EQ(ravel_cases::RunCase(c, nullptr, &run, &error), RAVEL_OK) << error;
  run.buffers[2].data()[0] ^= 1;
  ASSERT_FALSE(ravel_cases::VerifyRun(c, run, &error));
  EXPECT_EQ(error.rfind("stage 2: destination index [0, 0]", 0), 0u) << error;
}

TEST(Pattern, DiffersPerElementAndPerBuffer) {
  constexpr size_t kBytes = 4096;
  std::vector<uint8_t> first(kBytes);
  std::vector<uint8_t> second(kBytes);
  ravel_cases::FillPattern(first.data(), kBytes, ravel_cases::BufferSeed(0));
  ravel_cases::FillPattern(second.data(), kBytes, ravel_cases::BufferSeed(1));
  EXPECT_NE(first, second);
  size_t equal_neighbours = 0;
  for (size_t i = 4; i < kBytes; i += 4) {
    equal_neighbours += std::equal(first.begin() + i - 4, first.begin() + i, first.begin() + i);
  }
  EXPECT_EQ(equal_neighbours, 0u);
  EXPECT_EQ(ravel_cases::FindPatternMismatch(first.data(), kBytes, ravel_cases::BufferSeed(0)),
            kBytes);
  first[100] ^= 1;
  EXPECT_EQ(ravel_cases::FindPatternMismatch(first.data(), kBytes, ravel_cases::BufferSeed(0)),
            100u);
}

TEST(Pattern, OddLengthsAndOffsets) {
  std::vector<uint8_t> bytes(37);
  ravel_cases::FillPattern(bytes.data() + 3, 29, 7);
  EXPECT_EQ(ravel_cases::FindPatternMismatch(bytes.data() + 3, 29, 7), 29u);
  bytes[3 + 28] ^= 1;
  EXPECT_EQ(ravel_cases::FindPatternMismatch(bytes.data() + 3, 29, 7), 28u);
}

}  // namespace
