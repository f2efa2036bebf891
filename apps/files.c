// files: exercises the WASI file system, clock, random and sleep calls in a
// preopened directory and reports each step as "ok <step>" or "FAIL <step>".
//
//   shoal run --dir /tmp/x:/work files.wasm /work
// Exit code: the number of failed steps (0 = all passed).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;

static void Check(int ok, const char* step) {
  printf("%s %s\n", ok ? "ok" : "FAIL", step);
  if (!ok) {
    printf("  errno=%d (%s)\n", errno, strerror(errno));
    failures++;
  }
}

static char* Join(const char* dir, const char* name) {
  static char buf[4][512];
  static int which = 0;
  char* out = buf[which++ % 4];
  snprintf(out, 512, "%s/%s", dir, name);
  return out;
}

static int WriteFile(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (f == NULL) return 0;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

static long long NowNs(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -1;
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : ".";
  char* sub = Join(root, "sub");
  Check(mkdir(sub, 0755) == 0, "mkdir sub");
  struct stat st;
  Check(stat(sub, &st) == 0 && S_ISDIR(st.st_mode), "stat sub is a directory");

  char* a = Join(sub, "a.txt");
  Check(WriteFile(a, "hello files\n"), "write sub/a.txt");
  Check(stat(a, &st) == 0 && st.st_size == 12, "stat sub/a.txt size 12");

  char* b = Join(sub, "b.txt");
  Check(rename(a, b) == 0, "rename a.txt to b.txt");
  Check(access(a, F_OK) != 0 && errno == ENOENT, "a.txt is gone");

  int fd = open(b, O_RDWR);
  Check(fd >= 0, "open b.txt read-write");
  Check(lseek(fd, 6, SEEK_SET) == 6, "lseek to 6");
  char word[6] = {0};
  Check(read(fd, word, 5) == 5 && memcmp(word, "files", 5) == 0, "read 'files' at 6");
  Check(pwrite(fd, "HELLO", 5, 0) == 5, "pwrite at 0");
  Check(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "ftruncate to 5");
  close(fd);

  DIR* dir = opendir(sub);
  int seen_b = 0, entries = 0;
  if (dir != NULL) {
    struct dirent* e;
    while ((e = readdir(dir)) != NULL) {
      entries++;
      if (strcmp(e->d_name, "b.txt") == 0) seen_b = 1;
    }
    closedir(dir);
  }
  Check(dir != NULL && seen_b, "readdir lists b.txt");

  Check(rmdir(sub) != 0 && errno == ENOTEMPTY, "rmdir non-empty fails");
  Check(unlink(b) == 0, "unlink b.txt");
  Check(rmdir(sub) == 0, "rmdir sub");
  Check(stat(sub, &st) != 0 && errno == ENOENT, "sub is gone");

  // Escapes must fail without touching anything outside.
  Check(open(Join(root, "../escape.txt"), O_WRONLY | O_CREAT, 0644) < 0, "open ../ refused");
  Check(mkdir(Join(root, "../escape_dir"), 0755) != 0, "mkdir ../ refused");

  long long t0 = NowNs(CLOCK_MONOTONIC);
  struct timespec nap = {0, 20 * 1000 * 1000};
  Check(nanosleep(&nap, NULL) == 0, "nanosleep 20ms");
  long long slept = NowNs(CLOCK_MONOTONIC) - t0;
  Check(slept >= 20 * 1000 * 1000, "monotonic clock advanced by >= 20ms");
  Check(NowNs(CLOCK_REALTIME) > 1600000000LL * 1000000000LL, "realtime clock after 2020");
  Check(NowNs(CLOCK_PROCESS_CPUTIME_ID) >= 0, "process cputime clock");

  unsigned char r1[16] = {0}, r2[16] = {0};
  Check(getentropy(r1, sizeof r1) == 0 && getentropy(r2, sizeof r2) == 0 &&
            memcmp(r1, r2, sizeof r1) != 0,
        "getentropy gives different bytes");

  printf("slept_ms=%lld failures=%d\n", slept / 1000000, failures);
  return failures;
}
