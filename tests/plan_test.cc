// The planner without running a kernel: family choice, task partition, spans, description.
#include "plan/plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "kernels/kernels.h"

namespace ravel {
namespace {

PlanRequest Request(ravel_backend backend, int32_t threads) {
  PlanRequest request;
  request.backend = backend;
  request.max_threads = threads;
  return request;
}

Problem MakeProblem(int64_t elem_size, std::initializer_list<Node> nodes) {
  Problem problem;
  problem.elem_size = elem_size;
  problem.rank = static_cast<int32_t>(nodes.size());
  problem.count = 1;
  int32_t d = 0;
  for (const Node& node : nodes) {
    problem.nodes[d++] = node;
    problem.count *= node.n;
  }
  return problem;
}

TEST(Classify, ByInnermostNode) {
  EXPECT_EQ(Classify(MakeProblem(4, {{8, 4, 4}})), Family::kCopyRuns);
  EXPECT_EQ(Classify(MakeProblem(4, {{8, 4, 32}, {8, 32, 4}})), Family::kTranspose);
  EXPECT_EQ(Classify(MakeProblem(4, {{8, 8, 4}})), Family::kGather);
  EXPECT_EQ(Classify(MakeProblem(4, {{8, 4, 32}, {8, 0, 4}})), Family::kBroadcast);
  EXPECT_EQ(Classify(MakeProblem(2, {{8, -2, 2}})), Family::kReverse);
  // Source rows read backwards (x.t().flip(0)): a transpose whose calls are turned round.
  EXPECT_EQ(Classify(MakeProblem(2, {{8, -2, 16}, {8, 16, 2}})), Family::kTranspose);
  EXPECT_EQ(Classify(MakeProblem(2, {{8, -4, 16}, {8, 16, 2}})), Family::kGather);
  Problem empty;
  empty.count = 0;
  EXPECT_EQ(Classify(empty), Family::kEmpty);
  EXPECT_EQ(Classify(Problem{}), Family::kCopyRuns);  // rank 0: one element
}

TEST(BuildPlan, SmallCopiesStayOnTheCallingThread) {
  Plan plan;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{64, 4, 4}}), Request(RAVEL_BACKEND_AUTO, 8), &plan),
            RAVEL_OK);
  EXPECT_EQ(plan.threads, 1);
  EXPECT_EQ(plan.task_count, 1);
}

TEST(BuildPlan, TasksCoverEveryUnitAndNeverExceedTheThreadsAsked) {
  const int64_t rows = 1001;
  const int64_t row = 4099;  // ~16 MiB of f32 in rows of a prime length
  for (ravel_backend backend : {RAVEL_BACKEND_AUTO, RAVEL_BACKEND_REFERENCE}) {
    for (int32_t asked : {1, 2, 3, 7, 64}) {
      Plan plan;
      ASSERT_EQ(BuildPlan(MakeProblem(4, {{rows, row * 8, row * 4}, {row, 4, 4}}),
                          Request(backend, asked), &plan),
                RAVEL_OK);
      EXPECT_LE(plan.threads, asked);
      EXPECT_GE(plan.threads, 1);
      EXPECT_EQ(plan.task_count, plan.threads);
      EXPECT_GE(plan.task_count * plan.units_per_task, plan.units);
      EXPECT_LT((plan.task_count - 1) * plan.units_per_task, plan.units);
    }
  }
}

TEST(BuildPlan, TransposeTilesCoverBothNodes) {
  // f32 [3000, 200] transposed: rows along the unit-stride source node, tiled both ways.
  Plan plan;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{3000, 4, 800}, {200, 12000, 4}}),
                      Request(RAVEL_BACKEND_AUTO, 1), &plan),
            RAVEL_OK);
  // AUTO: the JIT when it takes the plan, else Highway; both run the same loop nest.
  ASSERT_TRUE(plan.backend == RAVEL_BACKEND_HWY || plan.backend == RAVEL_BACKEND_JIT);
  EXPECT_EQ(plan.family, Family::kTranspose);
  EXPECT_EQ(plan.rows_extent, 3000);
  EXPECT_EQ(plan.cols_extent, 200);
  EXPECT_EQ(plan.block.src_row_stride, 4);
  EXPECT_EQ(plan.block.dst_row_stride, 800);
  EXPECT_GE(plan.row_tile_loop, 0);
  EXPECT_GE(plan.col_tile_loop, 0);
  const Loop& rows = plan.loops[plan.row_tile_loop];
  const Loop& cols = plan.loops[plan.col_tile_loop];
  EXPECT_EQ(rows.count, (3000 + plan.block.rows - 1) / plan.block.rows);
  EXPECT_EQ(cols.count, (200 + plan.block.n - 1) / plan.block.n);
  EXPECT_EQ(plan.units, rows.count * cols.count);
}

// A transpose's loops go outermost first by the smaller of their two steps; the two tile loops
// count as one and keep their order.
TEST(BuildPlan, TransposeLoopsNearerOnBothSidesGoInside) {
  for (ravel_backend backend : {RAVEL_BACKEND_HWY, RAVEL_BACKEND_AUTO}) {
    const auto plan_of = [&](std::initializer_list<Node> nodes) {
      Plan plan;
      EXPECT_EQ(BuildPlan(MakeProblem(4, nodes), Request(backend, 1), &plan), RAVEL_OK);
      EXPECT_EQ(plan.family, Family::kTranspose);
      return plan;
    };
    // f32 [384,144,384].permute(2,1,0): the batch node (1536 B on both sides) goes outside the
    // tile loops, which in destination order would sit on either side of it.
    const Plan batch = plan_of({{384, 4, 221184}, {144, 1536, 1536}, {384, 221184, 4}});
    ASSERT_EQ(batch.loop_count, 3) << DescribePlan(batch);
    EXPECT_EQ(batch.loops[0].count, 144) << DescribePlan(batch);
    EXPECT_EQ(batch.loops[0].src_step, 1536) << DescribePlan(batch);
    // Its oblong staged tiles (32 x 128) walk along the band: the row tiles go inside.
    EXPECT_EQ(batch.col_tile_loop, 1) << DescribePlan(batch);
    EXPECT_EQ(batch.row_tile_loop, 2) << DescribePlan(batch);
    EXPECT_NE(DescribePlan(batch).find("loops [count:src:dst] 144:1536:1536 3:"), std::string::npos)
        << DescribePlan(batch);
    // f32 [96,48,64,96].permute(2,1,3,0): of two batch nodes, the one 24 KiB / 36 KiB a step goes
    // outside the one 384 B / 1.7 MiB a step.
    const Plan two =
        plan_of({{64, 384, 1769472}, {48, 24576, 36864}, {96, 4, 384}, {96, 1179648, 4}});
    ASSERT_GE(two.loop_count, 2) << DescribePlan(two);
    EXPECT_EQ(two.loops[0].src_step, 24576) << DescribePlan(two);
    EXPECT_EQ(two.loops[1].src_step, 384) << DescribePlan(two);
    // f32 [2048,128].t(): the row tiles (64 B a step at the source) stay outside the column tiles
    // (4 KiB at the destination).
    const Plan tiles = plan_of({{128, 4, 8192}, {2048, 512, 4}});
    ASSERT_GE(tiles.row_tile_loop, 0) << DescribePlan(tiles);
    ASSERT_GE(tiles.col_tile_loop, 0) << DescribePlan(tiles);
    EXPECT_LT(tiles.row_tile_loop, tiles.col_tile_loop) << DescribePlan(tiles);
  }
}

// Transposes whose destination is past the streaming threshold prefetch the next call's source
// rows; smaller ones, and other families, do not.
TEST(BuildPlan, DramSizedTransposesPrefetchTheNextCall) {
  const int64_t side = 4096;  // f32 4096^2: 64 MiB, past any threshold (at most 16 MiB)
  ASSERT_GE(side * side * 4, StreamingThreshold());
  Plan large;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{side, 4, side * 4}, {side, side * 4, 4}}),
                      Request(RAVEL_BACKEND_AUTO, 1), &large),
            RAVEL_OK);
  EXPECT_TRUE(large.prefetch_next_block) << DescribePlan(large);
  Plan small;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{512, 4, 2048}, {512, 2048, 4}}),
                      Request(RAVEL_BACKEND_AUTO, 1), &small),
            RAVEL_OK);
  EXPECT_FALSE(small.prefetch_next_block) << DescribePlan(small);
  Plan runs;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{side, side * 4, side * 4}, {side, 4, 4}}),
                      Request(RAVEL_BACKEND_AUTO, 1), &runs),
            RAVEL_OK);
  EXPECT_FALSE(runs.prefetch_next_block) << DescribePlan(runs);
}

TEST(BuildPlan, SourceRowsReadBackwardsAreWalkedUpTheSource) {
  // f32 [3000, 200].t().flip(0): the unit-stride source node runs down the source. Its row tiles
  // are walked from the far end, the short edge tile first, so that the source is read upwards.
  Plan plan;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{3000, -4, 800}, {200, 12000, 4}}),
                      Request(RAVEL_BACKEND_AUTO, 1), &plan),
            RAVEL_OK);
  EXPECT_EQ(plan.backend, RAVEL_BACKEND_HWY);
  EXPECT_EQ(plan.family, Family::kTranspose);
  EXPECT_EQ(plan.block.src_row_stride, -4);
  ASSERT_GE(plan.row_tile_loop, 0);
  const Loop& rows = plan.loops[plan.row_tile_loop];
  EXPECT_TRUE(plan.row_tiles_backward);
  EXPECT_EQ(rows.src_step, 4 * plan.block.rows);
  EXPECT_EQ(plan.walk_src_offset, -(rows.count - 1) * rows.src_step);
  EXPECT_EQ(plan.walk_dst_offset, -(rows.count - 1) * rows.dst_step);
}

// Destination rows a multiple of 2 KiB apart (or up to 16 B off one) alias in the caches. Where
// rows on both sides (with lanes narrower than 4 bytes, the destination rows) are at most one
// element off, such transposes stage through the padded buffer with regular stores, or for 4- and
// 8-byte lanes in tiles a line wide walk along the destination rows in Highway's tiles (Highway
// runs both; the JIT leaves them to it); otherwise the tiles walk along the destination rows, a
// line of them a call. Other strides, and short rows however they divide 2 KiB, keep the register
// tiles walking along the source rows.
TEST(BuildPlan, AliasingDestinationRowsStageOrWalkAlongThemWithoutStreaming) {
  PlanRequest request = Request(RAVEL_BACKEND_AUTO, 1);
  request.streaming = RAVEL_STREAMING_OFF;
  const auto plan_of = [&](int64_t elem, std::initializer_list<Node> nodes) {
    Plan plan;
    EXPECT_EQ(BuildPlan(MakeProblem(elem, nodes), request, &plan), RAVEL_OK);
    return plan;
  };
  const Plan both = plan_of(4, {{1024, 4, 4096}, {1024, 4096, 4}});
  if (StagedTransposeKernel(both.isa, 4) == nullptr) {
    GTEST_SKIP() << "no staged transpose kernel for " << IsaName(both.isa);
  }
  EXPECT_EQ(both.backend, RAVEL_BACKEND_HWY);
  EXPECT_FALSE(both.block.stream);
  // Where Highway's tiles are a line wide (AVX-512), rows on both sides at most one element off
  // a multiple of 2 KiB (f32 1024^2, [1023,1025].t(), f64 511^2) walk along the destination rows
  // in those tiles, unless both sides are longer than the multiple (f32 1025^2, f64 513^2): those,
  // and all of them with narrower tiles, stage.
  const bool line_tiles = both.transpose_lanes * 4 >= 64;
  for (const Plan& tight : {both, plan_of(4, {{1025, 4, 4092}, {1023, 4100, 4}}),
                            plan_of(8, {{511, 8, 4088}, {511, 4088, 8}})}) {
    EXPECT_EQ(tight.transpose_line_tiles, line_tiles) << DescribePlan(tight);
    EXPECT_EQ(tight.transpose_walks_destination, line_tiles) << DescribePlan(tight);
    EXPECT_EQ(tight.transpose_store,
              line_tiles ? TransposeStore::kRegular : TransposeStore::kStaged)
        << DescribePlan(tight);
  }
  for (const Plan& past : {plan_of(4, {{1025, 4, 4100}, {1025, 4100, 4}}),
                           plan_of(8, {{513, 8, 4104}, {513, 4104, 8}})}) {
    EXPECT_EQ(past.transpose_store, TransposeStore::kStaged) << DescribePlan(past);
    EXPECT_FALSE(past.transpose_line_tiles) << DescribePlan(past);
  }
  // Destination rows alone 8 KiB apart (f32 [2048, 128].t()) or 12 B short of 2 KiB (f32
  // [509,521].t()), or both sides two or three elements off (f32 1022^2, f64 510^2), or four
  // elements off past 4 MiB (f32 [1020,2000].t()): a line of destination rows a call, any
  // backend.
  for (const Plan& destination :
       {plan_of(4, {{128, 4, 8192}, {2048, 512, 4}}), plan_of(4, {{521, 4, 2036}, {509, 2084, 4}}),
        plan_of(4, {{1022, 4, 4088}, {1022, 4088, 4}}),
        plan_of(4, {{2000, 4, 4080}, {1020, 8000, 4}}),
        plan_of(8, {{510, 8, 4080}, {510, 4080, 8}})}) {
    EXPECT_EQ(destination.transpose_store, TransposeStore::kRegular);
    EXPECT_TRUE(destination.transpose_walks_destination);
    EXPECT_EQ(destination.block.rows * destination.problem.elem_size, 64);
    EXPECT_GT(destination.block.n, 16);
  }
  // 1- and 2-byte lanes stage on destination rows at most one element off, whatever the source
  // rows (a line of destination rows a call would read each source line two to four times); f16
  // rows 4 B off (1022^2) walk along the destination rows.
  EXPECT_EQ(plan_of(2, {{1000, 2, 4096}, {2048, 2000, 2}}).transpose_store,
            TransposeStore::kStaged);
  EXPECT_EQ(plan_of(2, {{1000, 2, 4094}, {2047, 2000, 2}}).transpose_store,
            TransposeStore::kStaged);
  const Plan narrow = plan_of(2, {{1022, 2, 2044}, {1022, 2044, 2}});
  EXPECT_NE(narrow.transpose_store, TransposeStore::kStaged);
  EXPECT_TRUE(narrow.transpose_walks_destination);
  // Source rows alone aliasing, strides 96 B off, rows of 12 B, and destination rows four
  // elements off up to 4 MiB (f32 1020^2): register tiles along the source rows.
  for (const Plan& regular :
       {plan_of(4, {{2048, 4, 1200}, {300, 8192, 4}}),
        plan_of(4, {{1020, 4, 4080}, {1020, 4080, 4}}),
        plan_of(4, {{1000, 4, 4000}, {1023, 4000, 4}}), plan_of(4, {{49, 4, 12}, {3, 196, 4}})}) {
    EXPECT_EQ(regular.transpose_store, TransposeStore::kRegular);
    EXPECT_FALSE(regular.transpose_walks_destination);
  }
}

// Under RAVEL_STREAMING_AUTO a copy streams once the bytes it touches reach the threshold:
// source span plus destination for copy runs, gathers, broadcasts and transposes that stage in
// cache, the destination alone for other transposes.
TEST(BuildPlan, StreamsFromTheThresholdOfTheBytesTouched) {
  if (std::getenv("RAVEL_STREAMING") != nullptr) {
    GTEST_SKIP() << "RAVEL_STREAMING overrides the threshold";
  }
  PlanRequest request = Request(RAVEL_BACKEND_HWY, 1);
  request.streaming = RAVEL_STREAMING_AUTO;
  constexpr int64_t kRowBytes = 4096;
  // Destination rows of 4 KiB making up just over half the threshold.
  const int64_t rows = StreamingThreshold() / 2 / kRowBytes + 16;
  const auto streams = [&](std::initializer_list<Node> nodes) {
    Plan plan;
    EXPECT_EQ(BuildPlan(MakeProblem(4, nodes), request, &plan), RAVEL_OK);
    return plan.block.stream;
  };
  // Rows of a padded source (head merge): about 1.5x the threshold touched.
  EXPECT_TRUE(streams({{rows, 2 * kRowBytes, kRowBytes}, {kRowBytes / 4, 4, 4}}));
  // The same rows from one broadcast source row: half the threshold.
  EXPECT_FALSE(streams({{rows, 0, kRowBytes}, {kRowBytes / 4, 4, 4}}));
  // A third of the threshold from a source twice as large: the threshold exactly.
  const int64_t third = StreamingThreshold() / 3 / kRowBytes + 16;
  EXPECT_TRUE(streams({{third, 2 * kRowBytes, kRowBytes}, {kRowBytes / 4, 4, 4}}));
  EXPECT_FALSE(streams({{third / 2, 2 * kRowBytes, kRowBytes}, {kRowBytes / 4, 4, 4}}));
  // A transpose of just over half the threshold: regular stores; one that would stage in cache
  // (both rows a multiple of 2 KiB apart) counts its source too and streams.
  EXPECT_FALSE(streams({{1024, 4, rows * 4}, {rows, 4096, 4}}));
  const int64_t aliasing_rows = (rows + 511) / 512 * 512;
  Plan staged;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{1024, 4, aliasing_rows * 4}, {aliasing_rows, 4096, 4}}),
                      request, &staged),
            RAVEL_OK);
  if (StagedTransposeKernel(staged.isa, 4) != nullptr) {
    EXPECT_TRUE(staged.block.stream) << DescribePlan(staged);
  }
}

// With tiles whose rows are a whole line (16 f32 lanes), a streamed transpose writes tile rows
// directly only where its destination has few rows, a whole number of tiles, or rows 256 B apart;
// elsewhere it stages, as narrower tiles always do.
TEST(BuildPlan, StreamedTransposesStageUnlessDestinationRowsAreFewOrDense) {
  PlanRequest request = Request(RAVEL_BACKEND_HWY, 1);
  request.streaming = RAVEL_STREAMING_ON;
  for (Isa isa : AvailableIsas()) {
    request.isa = isa;
    const auto store = [&](std::initializer_list<Node> nodes) {
      Plan plan;
      EXPECT_EQ(BuildPlan(MakeProblem(4, nodes), request, &plan), RAVEL_OK);
      return plan.transpose_store;
    };
    if (TransposeTileLanes(4, isa) != 16) {
      if (StagedTransposeKernel(isa, 4) != nullptr) {
        EXPECT_EQ(store({{8192, 4, 32768}, {8192, 32768, 4}}), TransposeStore::kStaged)
            << IsaName(isa);
      }
      continue;
    }
    // f32 [8192, 8192].t() and [100000, 128].t(); NCHW -> NHWC with 64 and with 49 (7x7) rows.
    EXPECT_EQ(store({{8192, 4, 32768}, {8192, 32768, 4}}), TransposeStore::kStaged);
    EXPECT_EQ(store({{128, 4, 400000}, {100000, 512, 4}}), TransposeStore::kStreamDirect);
    EXPECT_EQ(store({{32, 3211264, 3211264}, {12544, 4, 256}, {64, 50176, 4}}),
              TransposeStore::kStreamDirect);
    EXPECT_EQ(store({{64, 401408, 401408}, {49, 4, 8192}, {2048, 196, 4}}),
              TransposeStore::kStaged);
    // Few whole tiles of destination rows 512 KiB apart (f32 [128,1024,128].permute(2,1,0)):
    // they alias in the caches, so they stage.
    EXPECT_EQ(store({{128, 4, 524288}, {1024, 512, 512}, {128, 524288, 4}}),
              TransposeStore::kStaged);
  }
}

// Under RAVEL_STREAMING_AUTO, copy runs past the threshold stream unless they are 16 bytes to
// under three lines long; RAVEL_STREAMING_ON streams them all.
TEST(BuildPlan, AutomaticStreamingSkipsCopyRunsOfUnderThreeLines) {
  if (std::getenv("RAVEL_STREAMING") != nullptr) {
    GTEST_SKIP() << "RAVEL_STREAMING overrides the automatic choice";
  }
  PlanRequest request = Request(RAVEL_BACKEND_HWY, 1);
  const auto streams = [&](ravel_streaming streaming, int64_t run_bytes) {
    request.streaming = streaming;
    // f32 runs of run_bytes, 64 MiB of them, from source rows 4 KiB apart (a head split).
    const int64_t runs = (int64_t{64} << 20) / run_bytes;
    Plan plan;
    EXPECT_EQ(
        BuildPlan(MakeProblem(4, {{runs, 4096, run_bytes}, {run_bytes / 4, 4, 4}}), request, &plan),
        RAVEL_OK);
    EXPECT_EQ(plan.family, Family::kCopyRuns);
    return plan.block.stream;
  };
  for (int64_t run_bytes : {12, 32, 64, 128, 188, 192, 256, 1024}) {
    EXPECT_EQ(streams(RAVEL_STREAMING_AUTO, run_bytes), run_bytes < 16 || run_bytes >= 192)
        << run_bytes << " B runs";
    EXPECT_TRUE(streams(RAVEL_STREAMING_ON, run_bytes)) << run_bytes << " B runs";
  }
}

// A streamed transpose that would stage (not narrow, rows not few and whole tiles, nor dense)
// stages for 1- and 2-byte lanes whatever its rows, and for 4- and 8-byte lanes where rows alias
// (destination rows many, short or aliasing with the source's) or destination rows are short
// and follow one another, under AUTO and ON alike; of those, lanes whose tile rows are whole
// lines stage only where rows alias on both sides or source rows are short, else stream their
// tiles directly. Wider tiles that neither stage nor stream directly (rows not whole lines)
// stage where their tiles are oblong (OblongStagedTile), else keep regular stores and the
// in-cache plan under AUTO, and stage under ON.
TEST(BuildPlan, StreamedTransposesStageWhereRowsAliasOrTilesAreOblong) {
  if (std::getenv("RAVEL_STREAMING") != nullptr) {
    GTEST_SKIP() << "RAVEL_STREAMING overrides the automatic choice";
  }
  PlanRequest request = Request(RAVEL_BACKEND_HWY, 1);
  for (Isa isa : AvailableIsas()) {
    request.isa = isa;
    if (StagedTransposeKernel(isa, 4) == nullptr) {
      continue;
    }
    const auto plan_for = [&](ravel_streaming streaming, int64_t width,
                              std::initializer_list<Node> nodes) {
      request.streaming = streaming;
      Plan plan;
      EXPECT_EQ(BuildPlan(MakeProblem(width, nodes), request, &plan), RAVEL_OK);
      return plan;
    };
    // Whether the transpose stages; checks the stores under AUTO and ON either way.
    const auto stages = [&](int64_t width, std::initializer_list<Node> nodes) {
      const Plan forced = plan_for(RAVEL_STREAMING_ON, width, nodes);
      const Plan automatic = plan_for(RAVEL_STREAMING_AUTO, width, nodes);
      const bool staged = automatic.transpose_store == TransposeStore::kStaged;
      const bool line_tiles = width >= 4 && TransposeTileLanes(width, isa) * width >= 64;
      if (staged || !line_tiles) {
        EXPECT_EQ(forced.transpose_store, TransposeStore::kStaged) << DescribePlan(forced);
        EXPECT_EQ(automatic.block.stream, staged) << DescribePlan(automatic);
      } else {
        EXPECT_EQ(forced.transpose_store, TransposeStore::kStreamDirect) << DescribePlan(forced);
        EXPECT_EQ(automatic.transpose_store, TransposeStore::kStreamDirect)
            << DescribePlan(automatic);
        EXPECT_TRUE(automatic.block.stream) << DescribePlan(automatic);
      }
      return staged;
    };
    // f32 7264^2, 8192^2, [8192,6000].t() and [6000,8192].t().
    EXPECT_FALSE(stages(4, {{7264, 4, 29056}, {7264, 29056, 4}})) << IsaName(isa);
    EXPECT_TRUE(stages(4, {{8192, 4, 32768}, {8192, 32768, 4}})) << IsaName(isa);
    // (destination rows alias, many; on whole-line rows direct tiles where the tile rows are lines)
    EXPECT_EQ(stages(4, {{6000, 4, 32768}, {8192, 24000, 4}}), TransposeTileLanes(4, isa) * 4 < 64)
        << IsaName(isa);
    EXPECT_FALSE(stages(4, {{8192, 4, 24000}, {6000, 32768, 4}})) << IsaName(isa);
    // [16,8192,n].permute(0,2,1): n destination rows 32 KiB apart, source rows of n elements.
    EXPECT_FALSE(stages(4, {{16, 8192 * 144 * 4, 8192 * 144 * 4}, {144, 4, 32768}, {8192, 576, 4}}))
        << IsaName(isa);
    EXPECT_TRUE(stages(4, {{16, 8192 * 49 * 4, 8192 * 49 * 4}, {49, 4, 32768}, {8192, 196, 4}}))
        << IsaName(isa);
    // NHWC -> NCHW with 7x7 images: destination rows of 196 B one after another stage blocks
    // that are runs of the destination.
    EXPECT_TRUE(stages(4, {{64, 401408, 401408}, {2048, 4, 196}, {49, 8192, 4}})) << IsaName(isa);
    // Destination rows not a whole number of lines that do not alias stage where their tiles
    // are oblong (f32 7263^2, f64 4001^2, [72,3236,72].permute(2,1,0)) and keep regular stores
    // where not ([16,8001,49].permute(0,2,1): source rows of 196 B).
    EXPECT_TRUE(stages(4, {{7263, 4, 29052}, {7263, 29052, 4}})) << IsaName(isa);
    if (StagedTransposeKernel(isa, 8) != nullptr) {
      EXPECT_TRUE(stages(8, {{4001, 8, 32008}, {4001, 32008, 8}})) << IsaName(isa);
    }
    EXPECT_TRUE(stages(4, {{72, 4, 931968}, {3236, 288, 288}, {72, 931968, 4}})) << IsaName(isa);
    const Plan short_rows =
        plan_for(RAVEL_STREAMING_AUTO, 4, {{16, 1568196, 1568196}, {49, 4, 32004}, {8001, 196, 4}});
    EXPECT_FALSE(short_rows.block.stream) << DescribePlan(short_rows);
    EXPECT_NE(short_rows.transpose_store, TransposeStore::kStaged) << DescribePlan(short_rows);
    // 1- and 2-byte lanes stage whatever their rows: u8 [12000,12000].t() and [10000,8192].t()
    // (source rows 8 KiB apart), f16 [6000,6000].t().
    for (const int64_t width : {1, 2}) {
      if (StagedTransposeKernel(isa, width) != nullptr) {
        EXPECT_TRUE(stages(width, {{12000, width, 12000 * width}, {12000, 12000 * width, width}}))
            << IsaName(isa);
        EXPECT_TRUE(stages(width, {{8192, width, 10000 * width}, {10000, 8192 * width, width}}))
            << IsaName(isa);
      }
    }
  }
}

// A staged transpose takes a side of at most 1024 bytes whole (at most 128 destination rows) and
// cuts longer ones into tiles: of 256 bytes in cache, oblong from DRAM
// (StagedTransposesFromDramHaveOblongTiles). The kernel prefetches from where the innermost loop
// goes next.
TEST(BuildPlan, StagedTransposeTilesTakeSidesOfUpTo1024BytesWhole) {
  PlanRequest request = Request(RAVEL_BACKEND_HWY, 1);
  request.streaming = RAVEL_STREAMING_ON;
  for (Isa isa : AvailableIsas()) {
    if (StagedTransposeKernel(isa, 4) == nullptr) {
      continue;
    }
    request.isa = isa;
    const auto plan_of = [&](std::initializer_list<Node> nodes) {
      Plan plan;
      EXPECT_EQ(BuildPlan(MakeProblem(4, nodes), request, &plan), RAVEL_OK);
      EXPECT_EQ(plan.transpose_store, TransposeStore::kStaged) << DescribePlan(plan);
      return plan;
    };
    // f32 [72,3236,72].permute(2,1,0) (67 MB): the 72 rows whole, by two entries of the batch
    // node that continues the destination rows of 288 B
    // (StagedTransposesFromDramGroupShortRowsWithTheNodeThatContinuesThem); each call's next is
    // the two entries after.
    const Plan batch = plan_of({{72, 4, 931968}, {3236, 288, 288}, {72, 931968, 4}});
    EXPECT_EQ(batch.block.rows, 72) << DescribePlan(batch);
    EXPECT_EQ(batch.block.n, 144) << DescribePlan(batch);
    EXPECT_EQ(batch.block.col_group, 72) << DescribePlan(batch);
    EXPECT_EQ(batch.block.next_src_offset, 576) << DescribePlan(batch);
    // f32 [1000,1000].t() (4 MB, in cache): 64 x 64 tiles; each call's next is the block 64
    // source rows down
    // (StagedTransposesWalkAlongTheDestinationRowsUnlessTheirSourceRowsAreShorter).
    const Plan square = plan_of({{1000, 4, 4000}, {1000, 4000, 4}});
    EXPECT_EQ(square.block.rows, 64) << DescribePlan(square);
    EXPECT_EQ(square.block.n, 64) << DescribePlan(square);
    EXPECT_EQ(square.block.next_src_offset, 64 * 4000) << DescribePlan(square);
    // f32 [136,907,136].permute(2,1,0) (67 MB): 136 destination rows (more than 128) in oblong
    // tiles of 32, the destination rows' 136 elements whole; [300,1000].t() (in cache): 300 in
    // tiles of 64.
    const Plan cut = plan_of({{136, 4, 493408}, {907, 544, 544}, {136, 493408, 4}});
    EXPECT_EQ(cut.block.rows, 32) << DescribePlan(cut);
    EXPECT_EQ(cut.block.n, 136) << DescribePlan(cut);
    const Plan long_rows = plan_of({{1000, 4, 1200}, {300, 4000, 4}});
    EXPECT_EQ(long_rows.block.rows, 64) << DescribePlan(long_rows);
    EXPECT_EQ(long_rows.block.n, 64) << DescribePlan(long_rows);
    const Plan whole = plan_of({{1000, 4, 2048}, {256, 4096, 4}});  // padded rows that alias
    EXPECT_EQ(whole.block.n, 256) << DescribePlan(whole);
  }
}

// From DRAM, staged tiles of 2-byte or wider lanes whose sides both span 256 bytes or more are
// 128 bytes of each source row by 512 bytes of each destination row, and walk along their band
// of source rows (each call's next is the same rows' next 128 bytes). 1-byte lanes, a whole side
// shorter than 256 bytes, and the same shapes in cache keep 256 x 256 bytes.
TEST(BuildPlan, StagedTransposesFromDramHaveOblongTiles) {
  PlanRequest request = Request(RAVEL_BACKEND_HWY, 1);
  request.streaming = RAVEL_STREAMING_ON;
  for (Isa isa : AvailableIsas()) {
    request.isa = isa;
    for (const int64_t width : {1, 2, 4, 8}) {
      if (StagedTransposeKernel(isa, width) == nullptr) {
        continue;
      }
      const auto plan_of = [&](std::initializer_list<Node> nodes) {
        Plan plan;
        EXPECT_EQ(BuildPlan(MakeProblem(width, nodes), request, &plan), RAVEL_OK);
        EXPECT_EQ(plan.transpose_store, TransposeStore::kStaged) << DescribePlan(plan);
        return plan;
      };
      const int64_t extent = (int64_t{256} << 20) / width / 8192;  // 256 MiB, 8192 columns
      const Plan dram = plan_of({{8192, width, extent * width}, {extent, 8192 * width, width}});
      const int64_t near = width == 1 ? 1999 : 701;  // in cache; rows not whole lines
      const Plan cached = plan_of({{near, width, near * width}, {near, near * width, width}});
      const int64_t lanes = std::max<int64_t>(dram.transpose_lanes, 1);
      const int64_t square_rows = std::min<int64_t>(std::max<int64_t>(lanes, 256 / width), 128);
      EXPECT_EQ(cached.block.rows, square_rows) << DescribePlan(cached);
      EXPECT_EQ(cached.block.n, 256 / width) << DescribePlan(cached);
      if (width == 1) {
        EXPECT_EQ(dram.block.rows, square_rows) << DescribePlan(dram);
        EXPECT_EQ(dram.block.n, 256) << DescribePlan(dram);
        continue;
      }
      EXPECT_EQ(dram.block.rows, std::max<int64_t>(lanes, 128 / width)) << DescribePlan(dram);
      EXPECT_EQ(dram.block.n, 512 / width) << DescribePlan(dram);
      EXPECT_FALSE(dram.transpose_walks_destination) << DescribePlan(dram);
      EXPECT_EQ(dram.block.next_src_offset, dram.block.rows * width) << DescribePlan(dram);
      // NCHW -> NHWC with 7 x 7 images (64 MB of f32): the 49 source columns are taken whole and
      // stay with 256-byte tiles of the other side.
      if (width == 4) {
        const Plan small_images = plan_of({{64, 401408, 401408}, {49, 4, 8192}, {2048, 196, 4}});
        EXPECT_EQ(small_images.block.rows, 49) << DescribePlan(small_images);
        EXPECT_EQ(small_images.block.n, 64) << DescribePlan(small_images);
      }
    }
  }
}

// From DRAM, a staged transpose whose destination rows are under 256 bytes (or under 512 and not
// whole lines) takes several entries of the node that continues them (its destination stride is
// their bytes) in each block, 512 bytes of each destination row or two entries
// (RowsArgs::col_group); likewise source rows of a line or less, or under 128 bytes and not
// whole lines, 256 bytes of each (RowsArgs::row_group). The column tiles step over whole groups.
// In cache, and where no node continues the rows, nothing is grouped.
TEST(BuildPlan, StagedTransposesFromDramGroupShortRowsWithTheNodeThatContinuesThem) {
  PlanRequest request = Request(RAVEL_BACKEND_HWY, 1);
  request.streaming = RAVEL_STREAMING_ON;
  for (Isa isa : AvailableIsas()) {
    request.isa = isa;
    if (StagedTransposeKernel(isa, 4) == nullptr || TransposeTileLanes(4, isa) > 16) {
      continue;
    }
    const auto plan_of = [&](std::initializer_list<Node> nodes) {
      Plan plan;
      EXPECT_EQ(BuildPlan(MakeProblem(4, nodes), request, &plan), RAVEL_OK);
      return plan;
    };
    // f32 32^5 .permute(4,3,2,1,0): rows of 128 B (whole lines) stay one group.
    const Plan reversal = plan_of({{32, 4, 4194304},
                                   {32, 128, 131072},
                                   {32, 4096, 4096},
                                   {32, 131072, 128},
                                   {32, 4194304, 4}});
    EXPECT_EQ(reversal.transpose_store, TransposeStore::kStaged) << DescribePlan(reversal);
    EXPECT_EQ(reversal.block.col_group, 32) << DescribePlan(reversal);
    EXPECT_EQ(reversal.block.src_group_stride, 131072) << DescribePlan(reversal);
    EXPECT_EQ(reversal.block.n, 128) << DescribePlan(reversal);
    EXPECT_EQ(reversal.block.cols_total, 32 * 32) << DescribePlan(reversal);
    EXPECT_EQ(reversal.block.row_group, 0) << DescribePlan(reversal);
    EXPECT_EQ(reversal.block.rows, 32) << DescribePlan(reversal);
    ASSERT_GE(reversal.col_tile_loop, 0) << DescribePlan(reversal);
    EXPECT_EQ(reversal.loops[reversal.col_tile_loop].count, 8) << DescribePlan(reversal);
    EXPECT_EQ(reversal.loops[reversal.col_tile_loop].src_step, 4 * 131072)
        << DescribePlan(reversal);
    EXPECT_EQ(reversal.loops[reversal.col_tile_loop].dst_step, 512) << DescribePlan(reversal);
    // f32 16^6 .permute(5,4,3,2,1,0): rows of 64 B on both sides, four groups of each a block.
    const Plan six = plan_of({{16, 4, 4194304},
                              {16, 64, 262144},
                              {16, 1024, 16384},
                              {16, 16384, 1024},
                              {16, 262144, 64},
                              {16, 4194304, 4}});
    EXPECT_EQ(six.transpose_store, TransposeStore::kStaged) << DescribePlan(six);
    EXPECT_EQ(six.block.col_group, 16) << DescribePlan(six);
    EXPECT_EQ(six.block.n, 128) << DescribePlan(six);
    EXPECT_EQ(six.block.row_group, 16) << DescribePlan(six);
    EXPECT_EQ(six.block.dst_group_stride, 262144) << DescribePlan(six);
    EXPECT_EQ(six.block.rows, 64) << DescribePlan(six);
    EXPECT_EQ(six.rows_extent, 256) << DescribePlan(six);
    ASSERT_GE(six.row_tile_loop, 0) << DescribePlan(six);
    EXPECT_EQ(six.loops[six.row_tile_loop].src_step, 256) << DescribePlan(six);
    EXPECT_EQ(six.loops[six.row_tile_loop].dst_step, 4 * 262144) << DescribePlan(six);
    // Source rows of 96 B (not whole lines) are grouped two a block.
    const Plan odd_rows = plan_of({{16, 1152, 4423680},
                                   {24, 4, 184320},
                                   {12, 5898240, 15360},
                                   {12, 96, 1280},
                                   {20, 18432, 64},
                                   {16, 368640, 4}});
    EXPECT_EQ(odd_rows.block.row_group, 24) << DescribePlan(odd_rows);
    EXPECT_EQ(odd_rows.block.rows, 48) << DescribePlan(odd_rows);
    EXPECT_EQ(odd_rows.block.col_group, 16) << DescribePlan(odd_rows);
    // Destination rows of 288 B (not whole lines): two groups a block.
    const Plan wide =
        plan_of({{72, 4, 1492992}, {72, 288, 20736}, {72, 20736, 288}, {72, 1492992, 4}});
    EXPECT_EQ(wide.block.col_group, 72) << DescribePlan(wide);
    EXPECT_EQ(wide.block.n, 144) << DescribePlan(wide);
    // Of 256 B (whole lines): one.
    const Plan lines =
        plan_of({{64, 1048576, 1048576}, {64, 4, 16384}, {64, 256, 256}, {64, 16384, 4}});
    EXPECT_EQ(lines.block.col_group, 0) << DescribePlan(lines);
    // In cache (f32 16^5, 4 MiB): no groups.
    const Plan cached = plan_of(
        {{16, 4, 262144}, {16, 64, 16384}, {16, 1024, 1024}, {16, 16384, 64}, {16, 262144, 4}});
    EXPECT_EQ(cached.block.col_group, 0) << DescribePlan(cached);
    EXPECT_EQ(cached.block.row_group, 0) << DescribePlan(cached);
    // No node continues the destination rows (a 2-D transpose with short rows): no groups.
    const Plan flat = plan_of({{48, 4, 4 * 400000}, {400000, 48 * 4, 4}});
    EXPECT_EQ(flat.block.col_group, 0) << DescribePlan(flat);
  }
}

// Streamed staged transposes walk along their destination rows where a tile's source rows are
// at least as long as its destination rows (f32 and f64 in cache: 256 bytes each), along their
// band of source rows where shorter (u8: 128 of 256; oblong tiles from DRAM: 128 of 512): the
// innermost loop is the column tiles, else the row tiles.
TEST(BuildPlan, StagedTransposesWalkAlongTheDestinationRowsUnlessTheirSourceRowsAreShorter) {
  PlanRequest request = Request(RAVEL_BACKEND_HWY, 1);
  request.streaming = RAVEL_STREAMING_ON;
  for (Isa isa : AvailableIsas()) {
    request.isa = isa;
    for (const int64_t width : {1, 4, 8}) {
      if (StagedTransposeKernel(isa, width) == nullptr) {
        continue;
      }
      for (const int64_t extent : {int64_t{8193}, width == 1 ? int64_t{1999} : int64_t{701}}) {
        const int64_t row_bytes = extent * width;
        Plan plan;
        ASSERT_EQ(
            BuildPlan(MakeProblem(width, {{extent, width, row_bytes}, {extent, row_bytes, width}}),
                      request, &plan),
            RAVEL_OK);
        ASSERT_EQ(plan.transpose_store, TransposeStore::kStaged) << DescribePlan(plan);
        ASSERT_GE(plan.loop_count, 2) << DescribePlan(plan);
        const Loop& inner = plan.loops[plan.loop_count - 1];
        if (width == 1 || extent == 8193) {
          EXPECT_FALSE(plan.transpose_walks_destination) << DescribePlan(plan);
          EXPECT_EQ(inner.src_step, plan.block.rows * width) << DescribePlan(plan);
        } else {
          EXPECT_TRUE(plan.transpose_walks_destination) << DescribePlan(plan);
          EXPECT_EQ(inner.src_step, plan.block.n * row_bytes) << DescribePlan(plan);
          EXPECT_EQ(inner.dst_step, plan.block.n * width) << DescribePlan(plan);
        }
      }
    }
  }
}

// Copy runs whose source rows are far apart walk the source: in order when few destination
// streams open (32 heads), in tiles of rows when many would (2048 x 1024 runs of 128 bytes).
TEST(BuildPlan, CopyRunsWithFarSourceRowsWalkTheSource) {
  const PlanRequest request = Request(RAVEL_BACKEND_AUTO, 1);
  Plan heads;
  ASSERT_EQ(
      BuildPlan(
          MakeProblem(2,
                      {{4, 16777216, 16777216}, {32, 256, 524288}, {2048, 8192, 256}, {128, 2, 2}}),
          request, &heads),
      RAVEL_OK);
  EXPECT_EQ(heads.family, Family::kCopyRuns);
  EXPECT_EQ(heads.block.src_row_stride, 256);
  EXPECT_EQ(heads.block.dst_row_stride, 524288);
  EXPECT_EQ(heads.block.rows, 32);

  Plan tiled;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{1024, 128, 262144}, {2048, 131072, 128}, {32, 4, 4}}),
                      request, &tiled),
            RAVEL_OK);
  EXPECT_EQ(tiled.block.src_row_stride, 131072);
  EXPECT_EQ(tiled.block.rows, 8);
  ASSERT_EQ(tiled.row_tile_loop, 0);
  EXPECT_EQ(tiled.loops[0].count, 2048 / 8);
  EXPECT_EQ(tiled.loops[0].src_step, 8 * 131072);
  EXPECT_EQ(tiled.loops[1].count, 1024);
  EXPECT_EQ(tiled.loops[1].src_step, 128);
  EXPECT_EQ(tiled.units, 2048 / 8 * 1024);

  Plan near;
  ASSERT_EQ(
      BuildPlan(MakeProblem(4, {{1024, 128, 65536}, {512, 512, 128}, {32, 4, 4}}), request, &near),
      RAVEL_OK);
  EXPECT_EQ(near.block.src_row_stride, 512);
  EXPECT_EQ(near.block.dst_row_stride, 128);
}

TEST(BuildPlan, OddElementSizesAreLoweredToAKernelWidth) {
  // 12-byte elements, transposed: 4-byte lanes with an innermost run of three.
  Plan plan;
  ASSERT_EQ(
      BuildPlan(MakeProblem(12, {{5, 12, 84}, {7, 60, 12}}), Request(RAVEL_BACKEND_AUTO, 1), &plan),
      RAVEL_OK);
  EXPECT_EQ(plan.problem.elem_size, 4);
  EXPECT_EQ(plan.problem.count, 5 * 7 * 3);
  EXPECT_TRUE(plan.backend == RAVEL_BACKEND_HWY || plan.backend == RAVEL_BACKEND_JIT);
}

TEST(BuildPlan, ForcedReferenceIsReported) {
  Plan plan;
  ASSERT_EQ(BuildPlan(MakeProblem(1, {{3, 1, 1}}), Request(RAVEL_BACKEND_REFERENCE, 1), &plan),
            RAVEL_OK);
  EXPECT_EQ(plan.backend, RAVEL_BACKEND_REFERENCE);
  EXPECT_EQ(plan.isa, Isa::kScalar);
  EXPECT_NE(plan.copy_range, nullptr);
}

TEST(BuildPlan, SpansIncludeOffsetsAndNegativeStrides) {
  Problem problem = MakeProblem(4, {{3, -40, 16}, {4, 8, 4}});
  problem.src_offset = 80;
  Plan plan;
  ASSERT_EQ(BuildPlan(problem, Request(RAVEL_BACKEND_AUTO, 1), &plan), RAVEL_OK);
  EXPECT_EQ(plan.src_span.lo, 0);
  EXPECT_EQ(plan.src_span.hi, 80 + 24 + 4);
  EXPECT_EQ(plan.dst_span.lo, 0);
  EXPECT_EQ(plan.dst_span.hi, 48);
}

TEST(DescribePlan, NamesProblemFamilyBackendIsaAndThreads) {
  Plan plan;
  ASSERT_EQ(
      BuildPlan(MakeProblem(4, {{3, 4, 20}, {5, 12, 4}}), Request(RAVEL_BACKEND_AUTO, 1), &plan),
      RAVEL_OK);
  const std::string text = DescribePlan(plan);
  ASSERT_TRUE(plan.backend == RAVEL_BACKEND_HWY || plan.backend == RAVEL_BACKEND_JIT);
  const std::string backend = std::string("backend: ") + BackendName(plan.backend);
  for (const char* part :
       {"3:4:20 5:12:4", "family: transpose", backend.c_str(), "x32-transpose", "threads: 1"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " missing in: " << text;
  }
}

}  // namespace
}  // namespace ravel
