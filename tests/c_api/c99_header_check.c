/* engram.h must be plain C99: this file is compiled with -std=c99 -Wpedantic (see
 * tests/c_api/tests.cmake) and linked into the C API test, which calls the function. */
#include "engram/engram.h"

int c99_header_check(void);

int c99_header_check(void) {
  engram_options options;
  engram_exec_options exec_options;
  engram_type type = ENGRAM_NULL;
  engram_code code = ENGRAM_INTERNAL;
  engram_text_callback callback = 0;
  engram_options_init(&options);
  engram_exec_options_init(&exec_options);
  (void)type;
  (void)callback;
  return (int)code;
}
