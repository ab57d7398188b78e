/* The public header compiles as C99 (with -Wall -Wextra -Wpedantic -Werror) and the shared
 * library links and works from C: options, version, status names, one copy, one bad input. */
#include <ravel/ravel.h>
#include <stdio.h>
#include <string.h>

#define ROWS 2
#define COLS 3

/* Prints what failed and returns 1, so that main can count failures. */
static int fail(const char* what) {
  fprintf(stderr, "c_header_test: %s\n", what);
  return 1;
}

int main(void) {
  /* The source is a dense COLS x ROWS array; its transpose is a ROWS x COLS view of it. */
  const int32_t src[COLS][ROWS] = {{0, 1}, {2, 3}, {4, 5}};
  const int64_t shape[2] = {ROWS, COLS};
  const int64_t strides[2] = {1, ROWS};
  int32_t dst[ROWS][COLS];
  ravel_layout layout;
  ravel_options options;
  char expected_version[32];
  int failures = 0;
  int i;
  int j;

  ravel_options_init(&options);
  if (options.struct_size != sizeof(ravel_options)) failures += fail("ravel_options_init");

  snprintf(expected_version, sizeof(expected_version), "%d.%d.%d", RAVEL_VERSION_MAJOR,
           RAVEL_VERSION_MINOR, RAVEL_VERSION_PATCH);
  if (ravel_version() == NULL || strcmp(ravel_version(), expected_version) != 0) {
    failures += fail("ravel_version differs from the header's version macros");
  }
  if (ravel_status_string(RAVEL_OK) == NULL ||
      strcmp(ravel_status_string(RAVEL_OK), "RAVEL_OK") != 0) {
    failures += fail("ravel_status_string(RAVEL_OK)");
  }

  layout.rank = 2;
  layout.elem_size = (int64_t)sizeof(int32_t);
  layout.shape = shape;
  layout.strides = strides;
  memset(dst, 0xff, sizeof(dst));
  if (ravel_copy(src, &layout, dst, NULL, &options) != RAVEL_OK) {
    failures += fail(ravel_last_error());
  }
  for (i = 0; i < ROWS; ++i) {
    for (j = 0; j < COLS; ++j) {
      if (dst[i][j] != src[j][i]) failures += fail("ravel_copy wrote a wrong value");
    }
  }

  /* A null source with a non-empty shape is an error that names its argument. */
  if (ravel_copy(NULL, &layout, dst, NULL, NULL) == RAVEL_OK) {
    failures += fail("ravel_copy accepted a null source");
  } else if (ravel_last_error()[0] == '\0') {
    failures += fail("ravel_last_error is empty after a failure");
  }

  if (failures == 0) printf("c_header_test: ravel %s from C: ok\n", ravel_version());
  return failures == 0 ? 0 : 1;
}
