/* Shared by the multi-process apps: each spawns copies of its own module,
 * read from argv[0] (so run it with --dir on the directory holding it). */
#ifndef SHOAL_APPS_SPAWN_SELF_H_
#define SHOAL_APPS_SPAWN_SELF_H_

#include <shoal/shoal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the whole file at `path`; NULL on failure. */
static unsigned char* read_module(const char* path, uint32_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  unsigned char* buf = malloc(cap);
  for (;;) {
    if (n == cap) buf = realloc(buf, cap *= 2);
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0) break;
    n += got;
  }
  fclose(f);
  *len = (uint32_t)n;
  return buf;
}

/* Spawns this module with argv {self, role, extra} and the given handles,
 * on this node when `node` is NULL, else on the node of that name (through
 * its spawner at /nodes/NAME, which shoald binds); returns the process
 * handle or a negative status. */
static int32_t spawn_self_on(const char* node, const unsigned char* module, uint32_t len,
                             const char* self, const char* role, const char* extra,
                             const shoal_handle_t* handles, uint32_t nhandles) {
  char args[512];
  int n = snprintf(args, sizeof args, "%s%c%s%c%s", self, 0, role, 0, extra ? extra : "");
  if (node == NULL)
    return shoal_process_spawn(module, len, args, (uint32_t)n + 1, handles, nhandles);
  char path[128];
  int path_len = snprintf(path, sizeof path, "/nodes/%s", node);
  shoal_handle_t spawner;
  int32_t r = shoal_namespace_open(path, (uint32_t)path_len, SHOAL_RIGHT_MANAGE, &spawner);
  if (r < 0) return r;
  r = shoal_process_spawn_on(spawner, module, len, args, (uint32_t)n + 1, handles, nhandles);
  shoal_handle_close(spawner);
  return r;
}

static inline int32_t spawn_self(const unsigned char* module, uint32_t len, const char* self,
                                 const char* role, const char* extra, const shoal_handle_t* handles,
                                 uint32_t nhandles) {
  return spawn_self_on(NULL, module, len, self, role, extra, handles, nhandles);
}

#endif /* SHOAL_APPS_SPAWN_SELF_H_ */
