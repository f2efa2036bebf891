// hello: greets its first argument, lists all arguments and shows $GREETING.
//
//   shoal run --env GREETING=hi hello.wasm world -x
//   hello, world
//   argc=3
//   argv[0]=hello.wasm
//   ...
//   GREETING=hi
// Exit code: the number given with --exit=N (for tests), else 0.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  printf("hello, %s\n", argc > 1 ? argv[1] : "world");
  printf("argc=%d\n", argc);
  int exit_code = 0;
  for (int i = 0; i < argc; ++i) {
    printf("argv[%d]=%s\n", i, argv[i]);
    if (strncmp(argv[i], "--exit=", 7) == 0) exit_code = atoi(argv[i] + 7);
  }
  const char* greeting = getenv("GREETING");
  printf("GREETING=%s\n", greeting ? greeting : "(unset)");
  fprintf(stderr, "hello: done\n");
  return exit_code;
}
