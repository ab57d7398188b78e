// ParseCase: a recursive-descent parser over one line of the case language. Ops are applied as
// they are read, through ravel's view algebra, so a case means exactly what ravel's views mean.
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cases/case.h"

namespace ravel_cases {
namespace {

constexpr std::string_view kArrow = "->";
constexpr std::string_view kEllipsisToken = "...";
constexpr std::string_view kNewAxisToken = "None";
constexpr std::string_view kOpNames =
    "permute, transpose, t, expand, unsqueeze, squeeze, flip, flatten, reshape, as_strided";
constexpr int kDecimalBase = 10;
constexpr int32_t kFlattenDefaultStart = 0;
constexpr int32_t kFlattenDefaultEnd = -1;

enum class Side { kSource, kDestination };

// A tensor while its ops are applied: the current view of the current base buffer and, on the
// source side, the stages that materialized earlier results.
struct Tensor {
  const Dtype* dtype = nullptr;
  ravel_view view{};
  int64_t base_elements = 0;
  std::vector<Stage> stages;
};

enum class IndexKind { kSlice, kInteger, kEllipsis, kNewAxis };

// One item of numpy basic indexing, with its position in the line for messages.
struct IndexItem {
  IndexKind kind = IndexKind::kSlice;
  int64_t start = RAVEL_SLICE_NONE;  // also the integer of kInteger
  int64_t stop = RAVEL_SLICE_NONE;
  int64_t step = 1;
  size_t pos = 0;
};

// An integer argument and where it was written.
struct Argument {
  int64_t value = 0;
  size_t pos = 0;
};

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The dense row-major view of a fresh buffer of shape; false (with ravel's message) if ravel
// rejects the shape.
bool DenseView(int64_t elem_size, const int64_t* shape, int32_t rank, ravel_view* view) {
  ravel_layout layout{};
  layout.rank = rank;
  layout.elem_size = elem_size;
  layout.shape = shape;
  layout.strides = nullptr;
  return ravel_view_init(view, &layout) == RAVEL_OK;
}

// True when view covers all of a buffer of base_elements in dense row-major order.
bool IsDenseWhole(const ravel_view& view, int64_t base_elements) {
  const int64_t count = ElementCount(view);
  if (count != base_elements) {
    return false;
  }
  if (count == 0) {
    return true;
  }
  if (view.offset != 0) {
    return false;
  }
  int64_t expected_stride = 1;
  for (int32_t d = view.rank - 1; d >= 0; --d) {
    if (view.shape[d] != 1 && view.strides[d] != expected_stride) {
      return false;
    }
    expected_stride *= view.shape[d];
  }
  return true;
}

// The lowest and highest element offsets a non-empty view reaches; false on int64 overflow.
bool ReachOf(const ravel_view& view, int64_t* lowest, int64_t* highest) {
  int64_t lo = view.offset;
  int64_t hi = view.offset;
  for (int32_t d = 0; d < view.rank; ++d) {
    int64_t reach = 0;
    if (__builtin_mul_overflow(view.shape[d] - 1, view.strides[d], &reach) ||
        __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi)) {
      return false;
    }
  }
  *lowest = lo;
  *highest = hi;
  return true;
}

class CaseParser {
 public:
  explicit CaseParser(std::string_view line) : line_(line) {}

  // Parses the whole line into *out; on failure error() says why.
  bool Parse(Case* out) {
    Tensor src;
    if (!ParseBase(&src) || !ParseOps(Side::kSource, &src)) {
      return false;
    }
    SkipSpace();
    const size_t arrow_pos = pos_;
    std::vector<Stage> stages = std::move(src.stages);
    Case parsed;
    if (LookingAt(kArrow)) {
      pos_ += kArrow.size();
      Tensor dst;
      const size_t dst_pos = SkipSpace();
      if (!ParseBase(&dst) || !ParseOps(Side::kDestination, &dst)) {
        return false;
      }
      if (dst.dtype != src.dtype) {
        return Fail(dst_pos, "the destination's dtype " + std::string(dst.dtype->name) +
                                 " differs from the source's " + std::string(src.dtype->name) +
                                 "; a copy does not convert");
      }
      if (!SameShape(src.view, dst.view)) {
        return Fail(arrow_pos,
                    "the destination's shape " + FormatDims(dst.view.shape, dst.view.rank) +
                        " differs from the source's " + FormatDims(src.view.shape, src.view.rank));
      }
      stages.push_back(Stage{src.view, src.base_elements, dst.view, dst.base_elements});
      parsed.destination = dst.view;
      parsed.destination_base_elements = dst.base_elements;
    } else if (!stages.empty() && IsDenseWhole(src.view, src.base_elements)) {
      // The last materialization already produced the result, as the reshape's copy does in
      // PyTorch.
      parsed.destination = src.view;
      parsed.destination_base_elements = src.base_elements;
    } else {
      Stage stage{src.view, src.base_elements, {}, ElementCount(src.view)};
      if (!DenseView(src.dtype->size, src.view.shape, src.view.rank, &stage.dst)) {
        return FailRavel(arrow_pos, "destination");
      }
      stages.push_back(stage);
      parsed.destination = stage.dst;
      parsed.destination_base_elements = stage.dst_base_elements;
    }
    if (pos_ < line_.size()) {
      return Fail(pos_, "unexpected " + Found() + " after the case");
    }
    parsed.text = std::string(Trimmed());
    parsed.dtype = std::string(src.dtype->name);
    parsed.elem_size = src.dtype->size;
    parsed.source = stages.front().src;
    parsed.source_base_elements = stages.front().src_base_elements;
    parsed.stages = std::move(stages);
    *out = std::move(parsed);
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  // ---- Lexing --------------------------------------------------------------------------------

  // Moves past blanks; returns the new position.
  size_t SkipSpace() {
    while (pos_ < line_.size() && std::isspace(static_cast<unsigned char>(line_[pos_])) != 0) {
      ++pos_;
    }
    return pos_;
  }

  bool LookingAt(std::string_view token) const { return line_.substr(pos_, token.size()) == token; }

  char Peek() {
    SkipSpace();
    return pos_ < line_.size() ? line_[pos_] : '\0';
  }

  bool TryConsume(char c) {
    if (Peek() != c) {
      return false;
    }
    ++pos_;
    return true;
  }

  bool Expect(char c) {
    if (TryConsume(c)) {
      return true;
    }
    return Fail(pos_, std::string("expected '") + c + "', found " + Found());
  }

  // What stands at the cursor, for messages: "'x'" or "end of line".
  std::string Found() const {
    if (pos_ >= line_.size()) {
      return "end of line";
    }
    return std::string("'") + line_[pos_] + "'";
  }

  bool NextIsInteger() {
    const char c = Peek();
    return IsDigit(c) || (c == '-' && pos_ + 1 < line_.size() && IsDigit(line_[pos_ + 1]));
  }

  bool ParseInteger(Argument* argument) {
    argument->pos = SkipSpace();
    if (!NextIsInteger()) {
      return Fail(pos_, "expected an integer, found " + Found());
    }
    const bool negative = line_[pos_] == '-';
    if (negative) {
      ++pos_;
    }
    // Accumulate negatively so that INT64_MIN parses.
    int64_t value = 0;
    while (pos_ < line_.size() && IsDigit(line_[pos_])) {
      const int64_t digit = line_[pos_] - '0';
      if (__builtin_mul_overflow(value, kDecimalBase, &value) ||
          __builtin_sub_overflow(value, digit, &value)) {
        return Fail(argument->pos, "integer out of range of int64");
      }
      ++pos_;
    }
    if (!negative && value == std::numeric_limits<int64_t>::min()) {
      return Fail(argument->pos, "integer out of range of int64");
    }
    argument->value = negative ? value : -value;
    return true;
  }

  // A dim argument: an integer that fits int32.
  bool ParseDim(int32_t* dim, size_t* where) {
    Argument argument;
    if (!ParseInteger(&argument)) {
      return false;
    }
    if (!FitsInt32(argument)) {
      return false;
    }
    *dim = static_cast<int32_t>(argument.value);
    *where = argument.pos;
    return true;
  }

  bool FitsInt32(const Argument& argument) {
    if (argument.value < std::numeric_limits<int32_t>::min() ||
        argument.value > std::numeric_limits<int32_t>::max()) {
      return Fail(argument.pos, "dim " + std::to_string(argument.value) + " is out of range");
    }
    return true;
  }

  // Comma-separated integers up to and including `close` (a trailing comma is allowed).
  bool ParseIntegersUntil(char close, std::vector<Argument>* arguments) {
    arguments->clear();
    if (TryConsume(close)) {
      return true;
    }
    for (;;) {
      Argument argument;
      if (!ParseInteger(&argument)) {
        return false;
      }
      arguments->push_back(argument);
      if (TryConsume(close)) {
        return true;
      }
      if (!TryConsume(',')) {
        return Fail(pos_, std::string("expected ',' or '") + close + "', found " + Found());
      }
      if (TryConsume(close)) {
        return true;
      }
    }
  }

  // "[ints]" or "(ints)", as PyTorch accepts a list or a tuple.
  bool ParseIntegerList(std::vector<Argument>* arguments) {
    if (TryConsume('[')) {
      return ParseIntegersUntil(']', arguments);
    }
    if (TryConsume('(')) {
      return ParseIntegersUntil(')', arguments);
    }
    return Fail(pos_, "expected '[', found " + Found());
  }

  // The integer arguments of a call after its '(' up to and including ')': "1, 2" or one list,
  // "[1, 2]" / "(1, 2)", as PyTorch's permute, expand, flip and reshape take either.
  bool ParseCallIntegers(std::vector<Argument>* arguments) {
    const char c = Peek();
    if (c == '[' || c == '(') {
      return ParseIntegerList(arguments) && Expect(')');
    }
    return ParseIntegersUntil(')', arguments);
  }

  bool ParseName(std::string_view* name) {
    const size_t start = SkipSpace();
    if (pos_ >= line_.size() || !IsNameStart(line_[pos_])) {
      return Fail(pos_, "expected a name, found " + Found());
    }
    while (pos_ < line_.size() && IsNameChar(line_[pos_])) {
      ++pos_;
    }
    *name = line_.substr(start, pos_ - start);
    return true;
  }

  std::string_view Trimmed() const {
    size_t begin = 0;
    size_t end = line_.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(line_[begin])) != 0) {
      ++begin;
    }
    while (end > begin && std::isspace(static_cast<unsigned char>(line_[end - 1])) != 0) {
      --end;
    }
    return line_.substr(begin, end - begin);
  }

  // ---- Errors --------------------------------------------------------------------------------

  bool Fail(size_t pos, const std::string& message) {
    error_ = "col " + std::to_string(pos + 1) + ": " + message;
    return false;
  }

  // A failure ravel reported for `what` (an op name).
  bool FailRavel(size_t pos, std::string_view what) {
    return Fail(pos, std::string(what) + ": " + ravel_last_error());
  }

  // ---- Grammar -------------------------------------------------------------------------------

  // base := dtype '[' extents ']'
  bool ParseBase(Tensor* tensor) {
    const size_t dtype_pos = SkipSpace();
    std::string_view name;
    if (!ParseName(&name)) {
      return Fail(dtype_pos, "expected a dtype (" + DtypeList() + "), found " + Found());
    }
    tensor->dtype = FindDtype(name);
    if (tensor->dtype == nullptr) {
      return Fail(dtype_pos,
                  "unknown dtype '" + std::string(name) + "'; expected one of " + DtypeList());
    }
    std::vector<Argument> extents;
    if (!Expect('[') || !ParseIntegersUntil(']', &extents)) {
      return false;
    }
    if (extents.size() > RAVEL_MAX_RANK) {
      return Fail(dtype_pos, "rank " + std::to_string(extents.size()) + " exceeds " +
                                 std::to_string(RAVEL_MAX_RANK));
    }
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (const Argument& extent : extents) {
      if (extent.value < 0) {
        return Fail(extent.pos, "extent " + std::to_string(extent.value) + " is negative");
      }
      if (__builtin_mul_overflow(count, extent.value, &count)) {
        return Fail(extent.pos, "the element count overflows int64");
      }
      shape.push_back(extent.value);
    }
    if (!DenseView(tensor->dtype->size, shape.data(), static_cast<int32_t>(shape.size()),
                   &tensor->view)) {
      return FailRavel(dtype_pos, "tensor");
    }
    tensor->base_elements = count;
    return true;
  }

  static std::string DtypeList() {
    std::string list;
    for (const Dtype& dtype : Dtypes()) {
      list += (list.empty() ? "" : ", ") + std::string(dtype.name);
    }
    return list;
  }

  // op* up to the end of the line or, on the source side, ' -> '.
  bool ParseOps(Side side, Tensor* tensor) {
    for (;;) {
      const char c = Peek();
      if (c == '\0' || (side == Side::kSource && LookingAt(kArrow))) {
        return true;
      }
      if (c == '.') {
        if (!ParseMethod(side, tensor)) {
          return false;
        }
      } else if (c == '[') {
        if (!ParseIndexing(tensor)) {
          return false;
        }
      } else {
        const std::string arrow = side == Side::kSource ? ", '->'" : "";
        return Fail(pos_, "expected an op ('.name(...)' or '[index]')" + arrow +
                              " or the end, found " + Found());
      }
    }
  }

  // '.' name '(' arguments ')'
  bool ParseMethod(Side side, Tensor* tensor) {
    const size_t op_pos = pos_;
    ++pos_;
    std::string_view name;
    const size_t name_pos = SkipSpace();
    if (!ParseName(&name) || !Expect('(')) {
      return false;
    }
    if (name == "permute") {
      return ParsePermute(op_pos, tensor);
    }
    if (name == "transpose") {
      return ParseTranspose(op_pos, tensor);
    }
    if (name == "t") {
      return ParseT(op_pos, tensor);
    }
    if (name == "expand") {
      return ParseExpand(op_pos, tensor);
    }
    if (name == "unsqueeze") {
      return ParseUnsqueeze(op_pos, tensor);
    }
    if (name == "squeeze") {
      return ParseSqueeze(op_pos, tensor);
    }
    if (name == "flip") {
      return ParseFlip(op_pos, tensor);
    }
    if (name == "flatten") {
      return ParseFlatten(op_pos, side, tensor);
    }
    if (name == "reshape") {
      return ParseReshape(op_pos, side, tensor);
    }
    if (name == "as_strided") {
      return ParseAsStrided(op_pos, tensor);
    }
    return Fail(name_pos, "unknown op '." + std::string(name) + "'; expected one of " +
                              std::string(kOpNames));
  }

  // Dims from integer arguments, each checked to fit int32.
  bool ToDims(const std::vector<Argument>& arguments, std::vector<int32_t>* dims) {
    dims->clear();
    for (const Argument& argument : arguments) {
      if (!FitsInt32(argument)) {
        return false;
      }
      dims->push_back(static_cast<int32_t>(argument.value));
    }
    return true;
  }

  static std::vector<int64_t> Values(const std::vector<Argument>& arguments) {
    std::vector<int64_t> values;
    for (const Argument& argument : arguments) {
      values.push_back(argument.value);
    }
    return values;
  }

  bool ParsePermute(size_t op_pos, Tensor* tensor) {
    std::vector<Argument> arguments;
    std::vector<int32_t> dims;
    if (!ParseCallIntegers(&arguments) || !ToDims(arguments, &dims)) {
      return false;
    }
    return Permute(op_pos, "permute", dims, tensor);
  }

  bool Permute(size_t op_pos, std::string_view op, const std::vector<int32_t>& dims,
               Tensor* tensor) {
    if (ravel_view_permute(&tensor->view, dims.data(), static_cast<int32_t>(dims.size())) !=
        RAVEL_OK) {
      return FailRavel(op_pos, op);
    }
    return true;
  }

  // A dim in [-rank, rank) made non-negative.
  bool NormalizeDim(int32_t dim, size_t where, int32_t rank, int32_t* normalized) {
    const int32_t wrapped = dim < 0 ? dim + rank : dim;
    if (wrapped < 0 || wrapped >= rank) {
      return Fail(where, "dim " + std::to_string(dim) + " is out of range for a tensor of rank " +
                             std::to_string(rank));
    }
    *normalized = wrapped;
    return true;
  }

  bool ParseTranspose(size_t op_pos, Tensor* tensor) {
    int32_t first = 0;
    int32_t second = 0;
    size_t first_pos = 0;
    size_t second_pos = 0;
    if (!ParseDim(&first, &first_pos) || !Expect(',') || !ParseDim(&second, &second_pos) ||
        !Expect(')')) {
      return false;
    }
    const int32_t rank = tensor->view.rank;
    if (!NormalizeDim(first, first_pos, rank, &first) ||
        !NormalizeDim(second, second_pos, rank, &second)) {
      return false;
    }
    std::vector<int32_t> dims(static_cast<size_t>(rank));
    for (int32_t d = 0; d < rank; ++d) {
      dims[d] = d;
    }
    std::swap(dims[first], dims[second]);
    return Permute(op_pos, "transpose", dims, tensor);
  }

  // PyTorch's t(): transposes a 2-D tensor, returns 0-D and 1-D tensors as they are.
  bool ParseT(size_t op_pos, Tensor* tensor) {
    constexpr int32_t kMatrixRank = 2;
    if (!Expect(')')) {
      return false;
    }
    const int32_t rank = tensor->view.rank;
    if (rank > kMatrixRank) {
      return Fail(op_pos, ".t() expects a tensor with at most 2 dims, got " + std::to_string(rank) +
                              "; use .transpose(i, j) or .permute(...)");
    }
    if (rank < kMatrixRank) {
      return true;
    }
    return Permute(op_pos, "t", {1, 0}, tensor);
  }

  bool ParseExpand(size_t op_pos, Tensor* tensor) {
    std::vector<Argument> arguments;
    if (!ParseCallIntegers(&arguments)) {
      return false;
    }
    const std::vector<int64_t> shape = Values(arguments);
    if (ravel_view_expand(&tensor->view, shape.data(), static_cast<int32_t>(shape.size())) !=
        RAVEL_OK) {
      return FailRavel(op_pos, "expand");
    }
    return true;
  }

  bool ParseUnsqueeze(size_t op_pos, Tensor* tensor) {
    int32_t dim = 0;
    size_t where = 0;
    if (!ParseDim(&dim, &where) || !Expect(')')) {
      return false;
    }
    if (ravel_view_unsqueeze(&tensor->view, dim) != RAVEL_OK) {
      return FailRavel(op_pos, "unsqueeze");
    }
    return true;
  }

  bool ParseSqueeze(size_t op_pos, Tensor* tensor) {
    if (TryConsume(')')) {
      if (ravel_view_squeeze_all(&tensor->view) != RAVEL_OK) {
        return FailRavel(op_pos, "squeeze");
      }
      return true;
    }
    int32_t dim = 0;
    size_t where = 0;
    if (!ParseDim(&dim, &where) || !Expect(')')) {
      return false;
    }
    if (ravel_view_squeeze(&tensor->view, dim) != RAVEL_OK) {
      return FailRavel(op_pos, "squeeze");
    }
    return true;
  }

  bool ParseFlip(size_t op_pos, Tensor* tensor) {
    std::vector<Argument> arguments;
    std::vector<int32_t> dims;
    if (!ParseCallIntegers(&arguments) || !ToDims(arguments, &dims)) {
      return false;
    }
    if (ravel_view_flip(&tensor->view, dims.data(), static_cast<int32_t>(dims.size())) !=
        RAVEL_OK) {
      return FailRavel(op_pos, "flip");
    }
    return true;
  }

  bool ParseFlatten(size_t op_pos, Side side, Tensor* tensor) {
    constexpr size_t kMaxFlattenArguments = 2;
    std::vector<Argument> arguments;
    std::vector<int32_t> dims;
    if (!ParseIntegersUntil(')', &arguments) || !ToDims(arguments, &dims)) {
      return false;
    }
    if (dims.size() > kMaxFlattenArguments) {
      return Fail(
          arguments[kMaxFlattenArguments].pos,
          ".flatten takes at most 2 arguments (start, end), got " + std::to_string(dims.size()));
    }
    const int32_t start = dims.empty() ? kFlattenDefaultStart : dims[0];
    const int32_t end = dims.size() < kMaxFlattenArguments ? kFlattenDefaultEnd : dims[1];
    const ravel_layout layout = ravel_view_layout(&tensor->view);
    int64_t shape[RAVEL_MAX_RANK];
    int64_t strides[RAVEL_MAX_RANK];
    int32_t rank = 0;
    int is_view = 0;
    if (ravel_flatten(&layout, start, end, shape, strides, &rank, &is_view) != RAVEL_OK) {
      return FailRavel(op_pos, "flatten");
    }
    return Reshaped(op_pos, "flatten", side, shape, strides, rank, is_view != 0, tensor);
  }

  bool ParseReshape(size_t op_pos, Side side, Tensor* tensor) {
    std::vector<Argument> arguments;
    if (!ParseCallIntegers(&arguments)) {
      return false;
    }
    if (arguments.size() > RAVEL_MAX_RANK) {
      return Fail(op_pos, ".reshape to rank " + std::to_string(arguments.size()) + " exceeds " +
                              std::to_string(RAVEL_MAX_RANK));
    }
    const std::vector<int64_t> new_shape = Values(arguments);
    const int32_t rank = static_cast<int32_t>(new_shape.size());
    const ravel_layout layout = ravel_view_layout(&tensor->view);
    int64_t shape[RAVEL_MAX_RANK];
    int64_t strides[RAVEL_MAX_RANK];
    int is_view = 0;
    if (ravel_reshape(&layout, new_shape.data(), rank, shape, strides, &is_view) != RAVEL_OK) {
      return FailRavel(op_pos, "reshape");
    }
    return Reshaped(op_pos, "reshape", side, shape, strides, rank, is_view != 0, tensor);
  }

  // Applies a flatten/reshape result: a view in place, or else (source side only) a stage that
  // materializes the view so far into a dense buffer that the result then views.
  bool Reshaped(size_t op_pos, std::string_view op, Side side, const int64_t* shape,
                const int64_t* strides, int32_t rank, bool is_view, Tensor* tensor) {
    if (is_view) {
      tensor->view.rank = rank;
      for (int32_t d = 0; d < rank; ++d) {
        tensor->view.shape[d] = shape[d];
        tensor->view.strides[d] = strides[d];
      }
      return true;
    }
    if (side == Side::kDestination) {
      return Fail(op_pos, "." + std::string(op) +
                              " of the destination needs a copy (its strides allow no view); a "
                              "destination must be a view");
    }
    Stage stage{tensor->view, tensor->base_elements, {}, ElementCount(tensor->view)};
    if (!DenseView(tensor->dtype->size, tensor->view.shape, tensor->view.rank, &stage.dst) ||
        !DenseView(tensor->dtype->size, shape, rank, &tensor->view)) {
      return FailRavel(op_pos, op);
    }
    tensor->stages.push_back(stage);
    tensor->base_elements = stage.dst_base_elements;
    return true;
  }

  // .as_strided([shape], [strides][, offset]); offset defaults to the view's, as in PyTorch.
  bool ParseAsStrided(size_t op_pos, Tensor* tensor) {
    std::vector<Argument> shape;
    std::vector<Argument> strides;
    const size_t shape_pos = SkipSpace();
    if (!ParseIntegerList(&shape) || !Expect(',') || !ParseIntegerList(&strides)) {
      return false;
    }
    int64_t offset = tensor->view.offset;
    if (TryConsume(',')) {
      Argument argument;
      if (!ParseInteger(&argument)) {
        return false;
      }
      offset = argument.value;
    }
    if (!Expect(')')) {
      return false;
    }
    if (shape.size() != strides.size()) {
      return Fail(shape_pos, ".as_strided has " + std::to_string(shape.size()) + " extents and " +
                                 std::to_string(strides.size()) + " strides");
    }
    if (shape.size() > RAVEL_MAX_RANK) {
      return Fail(shape_pos, "rank " + std::to_string(shape.size()) + " exceeds " +
                                 std::to_string(RAVEL_MAX_RANK));
    }
    const std::vector<int64_t> shape_values = Values(shape);
    const std::vector<int64_t> stride_values = Values(strides);
    ravel_view strided = tensor->view;
    if (ravel_view_as_strided(&strided, shape_values.data(), stride_values.data(),
                              static_cast<int32_t>(shape.size()), offset) != RAVEL_OK) {
      return FailRavel(op_pos, "as_strided");
    }
    if (ElementCount(strided) > 0) {
      int64_t lowest = 0;
      int64_t highest = 0;
      if (!ReachOf(strided, &lowest, &highest) || lowest < 0 || highest >= tensor->base_elements) {
        return Fail(op_pos, ".as_strided reaches outside its base tensor of " +
                                std::to_string(tensor->base_elements) + " elements");
      }
    }
    tensor->view = strided;
    return true;
  }

  // '[' index (',' index)* ']'
  bool ParseIndexing(Tensor* tensor) {
    const size_t bracket_pos = pos_;
    ++pos_;
    std::vector<IndexItem> items;
    for (;;) {
      IndexItem item;
      if (!ParseIndexItem(&item)) {
        return false;
      }
      items.push_back(item);
      if (TryConsume(']')) {
        break;
      }
      if (!TryConsume(',')) {
        return Fail(pos_, "expected ',' or ']', found " + Found());
      }
      if (TryConsume(']')) {
        break;
      }
    }
    return ApplyIndexing(bracket_pos, items, tensor);
  }

  // start:stop:step (each part optional), an integer, '...' or None.
  bool ParseIndexItem(IndexItem* item) {
    item->pos = SkipSpace();
    if (LookingAt(kEllipsisToken)) {
      pos_ += kEllipsisToken.size();
      item->kind = IndexKind::kEllipsis;
      return true;
    }
    if (LookingAt(kNewAxisToken) && (pos_ + kNewAxisToken.size() >= line_.size() ||
                                     !IsNameChar(line_[pos_ + kNewAxisToken.size()]))) {
      pos_ += kNewAxisToken.size();
      item->kind = IndexKind::kNewAxis;
      return true;
    }
    Argument bound;
    const bool has_start = NextIsInteger();
    if (has_start && !ParseInteger(&bound)) {
      return false;
    }
    if (!TryConsume(':')) {
      if (!has_start) {
        return Fail(pos_, "expected an index (start:stop:step, an integer, '...' or None), found " +
                              Found());
      }
      item->kind = IndexKind::kInteger;
      item->start = bound.value;
      return true;
    }
    item->kind = IndexKind::kSlice;
    if (has_start) {
      item->start = bound.value;
    }
    if (NextIsInteger()) {
      if (!ParseInteger(&bound)) {
        return false;
      }
      item->stop = bound.value;
    }
    if (TryConsume(':') && NextIsInteger()) {
      if (!ParseInteger(&bound)) {
        return false;
      }
      if (bound.value == 0) {
        return Fail(bound.pos, "slice step cannot be zero");
      }
      item->step = bound.value;
    }
    return true;
  }

  // numpy basic indexing: '...' stands for as many full slices as the other items leave dims,
  // and dims no item reaches are kept whole.
  bool ApplyIndexing(size_t bracket_pos, const std::vector<IndexItem>& items, Tensor* tensor) {
    int32_t consumed = 0;
    bool seen_ellipsis = false;
    for (const IndexItem& item : items) {
      if (item.kind == IndexKind::kEllipsis) {
        if (seen_ellipsis) {
          return Fail(item.pos, "an index can only have a single ellipsis ('...')");
        }
        seen_ellipsis = true;
      } else if (item.kind != IndexKind::kNewAxis) {
        ++consumed;
      }
    }
    const int32_t rank = tensor->view.rank;
    if (consumed > rank) {
      return Fail(bracket_pos, "too many indices: " + std::to_string(consumed) +
                                   " for a tensor of rank " + std::to_string(rank));
    }
    int32_t dim = 0;
    for (const IndexItem& item : items) {
      switch (item.kind) {
        case IndexKind::kSlice:
          if (ravel_view_slice(&tensor->view, dim, item.start, item.stop, item.step) != RAVEL_OK) {
            return FailRavel(item.pos, "slice");
          }
          ++dim;
          break;
        case IndexKind::kInteger:
          if (ravel_view_select(&tensor->view, dim, item.start) != RAVEL_OK) {
            return FailRavel(item.pos, "index");
          }
          break;
        case IndexKind::kNewAxis:
          if (ravel_view_unsqueeze(&tensor->view, dim) != RAVEL_OK) {
            return FailRavel(item.pos, "None");
          }
          ++dim;
          break;
        case IndexKind::kEllipsis:
          dim += rank - consumed;
          break;
      }
    }
    return true;
  }

  static bool SameShape(const ravel_view& a, const ravel_view& b) {
    if (a.rank != b.rank) {
      return false;
    }
    for (int32_t d = 0; d < a.rank; ++d) {
      if (a.shape[d] != b.shape[d]) {
        return false;
      }
    }
    return true;
  }

  std::string_view line_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

bool ParseCase(std::string_view line, Case* out, std::string* error) {
  CaseParser parser(line);
  if (parser.Parse(out)) {
    return true;
  }
  if (error != nullptr) {
    *error = parser.error();
  }
  return false;
}

}  // namespace ravel_cases
