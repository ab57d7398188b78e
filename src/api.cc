// The C ABI: a thin shell that validates arguments, keeps exceptions inside, and hands the work
// to the planner, the plan cache and the runtime.
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "error.h"
#include "kernels/isa.h"
#include "layout.h"
#include "plan/overlap.h"
#include "plan/plan.h"
#include "plan/problem.h"
#include "ravel/ravel.h"
#include "recent_copy.h"
#include "runtime/execute.h"
#include "runtime/plan_cache.h"
#include "runtime/threads.h"

struct ravel_plan_s {
  std::shared_ptr<const ravel::Plan> plan;
  ravel::TaskRunner runner;
};

namespace ravel {
namespace {

constexpr uint32_t kOptionsSizeV1 = static_cast<uint32_t>(RAVEL_OPTIONS_SIZE_V1);

// What the options ask for, resolved: cheap to build on the one-shot fast path.
struct CopyRequest {
  PlanRequest plan;
  TaskRunner runner;
};

// True when a caller's struct of struct_size bytes includes the field at `offset`.
bool HasField(const ravel_options& options, size_t offset, size_t size) {
  return options.struct_size >= offset + size;
}

ravel_status ReadOptions(const ravel_options* options, CopyRequest* request) {
  ravel_options defaults;
  ravel_options_init(&defaults);
  if (options == nullptr) {
    options = &defaults;
  }
  if (options->struct_size < kOptionsSizeV1 || options->struct_size > sizeof(ravel_options)) {
    return Fail(RAVEL_E_INVALID_ARGUMENT,
                "options->struct_size is %u; set it with ravel_options_init (expected %u)",
                options->struct_size, static_cast<unsigned>(sizeof(ravel_options)));
  }
  if (options->num_threads < 0) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "options->num_threads is %d; it must be >= 0",
                options->num_threads);
  }
  if (options->backend < RAVEL_BACKEND_AUTO || options->backend > RAVEL_BACKEND_REFERENCE) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "options->backend is %d; it must be a ravel_backend",
                options->backend);
  }
  if (options->parallel_for == nullptr && options->pool != nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "options->pool is set but options->parallel_for is NULL");
  }
  int32_t isa = RAVEL_ISA_AUTO;
  if (HasField(*options, offsetof(ravel_options, isa), sizeof(options->isa))) {
    isa = options->isa;
    if (isa < RAVEL_ISA_AUTO || isa > RAVEL_ISA_SVE) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "options->isa is %d; it must be a ravel_isa", isa);
    }
  }
  int32_t streaming = RAVEL_STREAMING_AUTO;
  if (HasField(*options, offsetof(ravel_options, streaming), sizeof(options->streaming))) {
    streaming = options->streaming;
    if (streaming < RAVEL_STREAMING_AUTO || streaming > RAVEL_STREAMING_ON) {
      return Fail(RAVEL_E_INVALID_ARGUMENT,
                  "options->streaming is %d; it must be a ravel_streaming", streaming);
    }
  }
  request->plan.backend = static_cast<ravel_backend>(options->backend);
  request->plan.isa = static_cast<Isa>(isa);
  request->plan.streaming = static_cast<ravel_streaming>(streaming);
  request->plan.max_threads =
      options->num_threads == 0 ? DefaultThreadCount() : options->num_threads;
  request->runner = TaskRunner{options->parallel_for, options->pool};
  return RAVEL_OK;
}

ravel_status CheckSameShape(const Layout& src, const Layout& dst) {
  if (dst.rank != src.rank) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "dst_layout->rank is %d but src_layout->rank is %d",
                dst.rank, src.rank);
  }
  for (int32_t d = 0; d < src.rank; ++d) {
    if (dst.shape[d] != src.shape[d]) {
      return Fail(RAVEL_E_INVALID_ARGUMENT,
                  "dst_layout->shape[%d] is %lld but src_layout->shape[%d] is %lld", d,
                  static_cast<long long>(dst.shape[d]), d, static_cast<long long>(src.shape[d]));
    }
  }
  if (dst.elem_size != src.elem_size) {
    return Fail(RAVEL_E_INVALID_ARGUMENT,
                "dst_layout->elem_size is %lld but src_layout->elem_size is %lld",
                static_cast<long long>(dst.elem_size), static_cast<long long>(src.elem_size));
  }
  return RAVEL_OK;
}

// Validates the layouts and reduces the copy to its canonical problem.
ravel_status PrepareLayouts(const ravel_layout* src_layout, const ravel_layout* dst_layout,
                            Problem* problem) {
  Layout src;
  RAVEL_RETURN_IF_ERROR(ReadLayout(src_layout, "src_layout", &src));
  Layout dst;
  if (dst_layout == nullptr) {
    const ravel_layout dense{src.rank, src.elem_size, src.shape, nullptr};
    RAVEL_RETURN_IF_ERROR(ReadLayout(&dense, "dst_layout (dense)", &dst));
  } else {
    RAVEL_RETURN_IF_ERROR(ReadLayout(dst_layout, "dst_layout", &dst));
    RAVEL_RETURN_IF_ERROR(CheckSameShape(src, dst));
    switch (FindSelfOverlap(dst)) {
      case SelfOverlap::kNone:
        break;
      case SelfOverlap::kOverlaps:
        return Fail(RAVEL_E_OVERLAP, "dst_layout: two indices share an address (strides alias)");
      case SelfOverlap::kUnknown:
        return Fail(RAVEL_E_OVERLAP,
                    "dst_layout: the strides could not be proven free of aliased indices");
    }
  }
  *problem = Canonicalize(src, dst);
  return RAVEL_OK;
}

}  // namespace
}  // namespace ravel

extern "C" {

void ravel_options_init(ravel_options* options) {
  if (options == nullptr) {
    return;
  }
  std::memset(options, 0, sizeof(*options));
  options->struct_size = static_cast<uint32_t>(sizeof(*options));
  options->num_threads = 0;
  options->backend = RAVEL_BACKEND_AUTO;
}

ravel_status ravel_copy(const void* src, const ravel_layout* src_layout, void* dst,
                        const ravel_layout* dst_layout, const ravel_options* options) {
  return ravel::Guarded([&] {
    ravel::CopyRequest request;
    RAVEL_RETURN_IF_ERROR(ravel::ReadOptions(options, &request));
    ravel::RecentCopy& recent = ravel::RecentCopy::ForThisThread();
    if (const ravel::Plan* plan = recent.Find(src_layout, dst_layout, request.plan)) {
      return ravel::ExecutePlan(*plan, src, dst, request.runner);
    }
    ravel::Problem problem;
    RAVEL_RETURN_IF_ERROR(ravel::PrepareLayouts(src_layout, dst_layout, &problem));
    if (problem.count == 0) {
      return RAVEL_OK;
    }
    std::shared_ptr<const ravel::Plan> plan;
    RAVEL_RETURN_IF_ERROR(
        ravel::PlanCache::Global().GetOrBuild(ravel::PlanKey{problem, request.plan}, &plan));
    recent.Remember(src_layout, dst_layout, request.plan, plan);
    return ravel::ExecutePlan(*plan, src, dst, request.runner);
  });
}

ravel_status ravel_plan_create(const ravel_layout* src_layout, const ravel_layout* dst_layout,
                               const ravel_options* options, ravel_plan* plan) {
  if (plan != nullptr) {
    *plan = nullptr;
  }
  return ravel::Guarded([&] {
    if (plan == nullptr) {
      return ravel::Fail(RAVEL_E_INVALID_ARGUMENT, "plan is NULL");
    }
    ravel::CopyRequest request;
    RAVEL_RETURN_IF_ERROR(ravel::ReadOptions(options, &request));
    ravel::Problem problem;
    RAVEL_RETURN_IF_ERROR(ravel::PrepareLayouts(src_layout, dst_layout, &problem));
    auto built = std::make_shared<ravel::Plan>();
    RAVEL_RETURN_IF_ERROR(ravel::BuildPlan(problem, request.plan, built.get()));
    *plan = new ravel_plan_s{std::move(built), request.runner};
    return RAVEL_OK;
  });
}

ravel_status ravel_plan_execute(ravel_plan plan, const void* src, void* dst) {
  return ravel::Guarded([&] {
    if (plan == nullptr) {
      return ravel::Fail(RAVEL_E_INVALID_ARGUMENT, "plan is NULL");
    }
    return ravel::ExecutePlan(*plan->plan, src, dst, plan->runner);
  });
}

void ravel_plan_destroy(ravel_plan plan) { delete plan; }

size_t ravel_plan_describe(ravel_plan plan, char* buf, size_t size) {
  std::string text;
  try {
    text = plan == nullptr ? "(null plan)" : ravel::DescribePlan(*plan->plan);
  } catch (...) {
    text = "(out of memory)";
  }
  if (buf != nullptr && size > 0) {
    const size_t written = text.size() < size - 1 ? text.size() : size - 1;
    std::memcpy(buf, text.data(), written);
    buf[written] = '\0';
  }
  return text.size();
}

int32_t ravel_plan_backend(ravel_plan plan) {
  return plan == nullptr ? -1 : static_cast<int32_t>(plan->plan->backend);
}

int32_t ravel_plan_isa(ravel_plan plan) {
  return plan == nullptr ? -1 : static_cast<int32_t>(plan->plan->isa);
}

const char* ravel_isa_name(int32_t isa) {
  if (isa < 0 || isa >= ravel::kIsaCount) {
    return "unknown";
  }
  return ravel::IsaName(static_cast<ravel::Isa>(isa));
}

int ravel_isa_available(int32_t isa) {
  if (isa <= 0 || isa >= ravel::kIsaCount) {
    return 0;
  }
  return ravel::IsaAvailable(static_cast<ravel::Isa>(isa)) ? 1 : 0;
}

const char* ravel_status_string(ravel_status status) {
  switch (status) {
    case RAVEL_OK:
      return "RAVEL_OK";
    case RAVEL_E_INVALID_ARGUMENT:
      return "RAVEL_E_INVALID_ARGUMENT";
    case RAVEL_E_UNSUPPORTED:
      return "RAVEL_E_UNSUPPORTED";
    case RAVEL_E_OVERFLOW:
      return "RAVEL_E_OVERFLOW";
    case RAVEL_E_OVERLAP:
      return "RAVEL_E_OVERLAP";
    case RAVEL_E_OUT_OF_MEMORY:
      return "RAVEL_E_OUT_OF_MEMORY";
    case RAVEL_E_INTERNAL:
      return "RAVEL_E_INTERNAL";
  }
  return "RAVEL_E_UNKNOWN_STATUS";
}

const char* ravel_last_error(void) { return ravel::LastError(); }

const char* ravel_version(void) {
#define RAVEL_STRINGIFY_(x) #x
#define RAVEL_STRINGIFY(x) RAVEL_STRINGIFY_(x)
  return RAVEL_STRINGIFY(RAVEL_VERSION_MAJOR) "." RAVEL_STRINGIFY(
      RAVEL_VERSION_MINOR) "." RAVEL_STRINGIFY(RAVEL_VERSION_PATCH);
#undef RAVEL_STRINGIFY
#undef RAVEL_STRINGIFY_
}

}  // extern "C"
