// wc: counts lines, words and bytes of files (read through a preopened
// directory) or of stdin when no file is named, like wc(1).
//
//   shoal run --dir data:/data wc.wasm /data/a.txt /data/b.txt
//         2       5      24 /data/a.txt
//   ...
// Exit code 1 if some file could not be opened.
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  unsigned long lines, words, bytes;
} Counts;

static void Count(FILE* f, Counts* c) {
  char buf[4096];
  int in_word = 0;
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    c->bytes += n;
    for (size_t i = 0; i < n; ++i) {
      unsigned char ch = (unsigned char)buf[i];
      if (ch == '\n') c->lines++;
      if (isspace(ch)) {
        in_word = 0;
      } else if (!in_word) {
        in_word = 1;
        c->words++;
      }
    }
  }
}

static void Print(const Counts* c, const char* name) {
  printf("%8lu%8lu%8lu%s%s\n", c->lines, c->words, c->bytes, name ? " " : "", name ? name : "");
}

int main(int argc, char** argv) {
  if (argc < 2) {
    Counts c = {0, 0, 0};
    Count(stdin, &c);
    Print(&c, NULL);
    return 0;
  }
  Counts total = {0, 0, 0};
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    FILE* f = fopen(argv[i], "r");
    if (f == NULL) {
      fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    Counts c = {0, 0, 0};
    Count(f, &c);
    if (ferror(f)) {
      /* E.g. EHOSTUNREACH: the file is on another node, which went away. */
      fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
      fclose(f);
      status = 1;
      continue;
    }
    fclose(f);
    Print(&c, argv[i]);
    total.lines += c.lines;
    total.words += c.words;
    total.bytes += c.bytes;
  }
  if (argc > 2) Print(&total, "total");
  return status;
}
