// A mixed workload in the spirit of CoreMark (written for this suite; none of
// its code): each iteration runs linked-list operations, small integer
// matrix operations and a token-classifying state machine, and folds every
// result into a bitwise CRC-32. No one kind of instruction dominates.
#include <stdint.h>

enum { kIterations = 16000, kListNodes = 200, kMatrixN = 20, kInputBytes = 1024 };

// ---- CRC-32 (reflected, polynomial 0xEDB88320), one bit at a time ----

static uint32_t Crc32Byte(uint32_t crc, uint8_t byte) {
  crc ^= byte;
  for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  return crc;
}

static uint32_t Crc32Word(uint32_t crc, uint32_t word) {
  for (int i = 0; i < 4; i++) crc = Crc32Byte(crc, (uint8_t)(word >> (8 * i)));
  return crc;
}

// ---- Linked list in a static pool; links are indices, -1 ends a list ----

typedef struct {
  int16_t next;
  int16_t key;
  uint16_t payload;
} ListNode;

static ListNode nodes[kListNodes];

static int16_t BuildList(uint32_t seed) {
  for (int i = 0; i < kListNodes; i++) {
    seed = seed * 1103515245u + 12345u;
    nodes[i].key = (int16_t)((seed >> 16) & 0x3ff);
    nodes[i].payload = (uint16_t)(seed >> 3);
    nodes[i].next = (int16_t)(i + 1 < kListNodes ? i + 1 : -1);
  }
  return 0;
}

static int16_t Reverse(int16_t head) {
  int16_t prev = -1;
  while (head >= 0) {
    int16_t next = nodes[head].next;
    nodes[head].next = prev;
    prev = head;
    head = next;
  }
  return prev;
}

// Returns the position of the first node with `key`, or -1.
static int32_t Find(int16_t head, int16_t key) {
  for (int32_t pos = 0; head >= 0; head = nodes[head].next, pos++) {
    if (nodes[head].key == key) return pos;
  }
  return -1;
}

// Bottom-up merge sort of the list by key (stable), in place on the links.
static int16_t SortList(int16_t head) {
  for (int32_t width = 1;; width *= 2) {
    int16_t rest = head, tail = -1;
    int32_t merges = 0;
    head = -1;
    while (rest >= 0) {
      merges++;
      int16_t left = rest, right = rest;
      int32_t left_len = 0, right_len = width;
      while (left_len < width && right >= 0) {
        left_len++;
        right = nodes[right].next;
      }
      while (left_len > 0 || (right_len > 0 && right >= 0)) {
        int16_t take;
        if (left_len == 0) {
          take = right, right = nodes[right].next, right_len--;
        } else if (right_len == 0 || right < 0 || nodes[left].key <= nodes[right].key) {
          take = left, left = nodes[left].next, left_len--;
        } else {
          take = right, right = nodes[right].next, right_len--;
        }
        if (tail >= 0) {
          nodes[tail].next = take;
        } else {
          head = take;
        }
        tail = take;
      }
      rest = right;
    }
    nodes[tail].next = -1;
    if (merges <= 1) return head;
  }
}

static uint32_t ListWork(uint32_t crc, uint32_t iteration) {
  int16_t head = BuildList(iteration);
  for (int i = 0; i < 8; i++) {
    int32_t pos = Find(head, (int16_t)((iteration * 7 + i * 131) & 0x3ff));
    crc = Crc32Word(crc, (uint32_t)pos);
  }
  head = Reverse(head);
  head = SortList(head);
  for (int16_t n = head; n >= 0; n = nodes[n].next) crc = Crc32Byte(crc, (uint8_t)nodes[n].payload);
  return crc;
}

// ---- Integer matrices ----

static int16_t mat_a[kMatrixN][kMatrixN], mat_b[kMatrixN][kMatrixN];
static int32_t mat_c[kMatrixN][kMatrixN];
static int32_t vec[kMatrixN];

static uint32_t MatrixWork(uint32_t crc, uint32_t iteration) {
  for (int i = 0; i < kMatrixN; i++) {
    for (int j = 0; j < kMatrixN; j++) {
      mat_a[i][j] = (int16_t)((i * 31 + j * 17 + iteration) & 0xff) - 128;
      mat_b[i][j] = (int16_t)((i * 13 ^ j * 7 ^ iteration) & 0x7f);
    }
  }
  int16_t add = (int16_t)(iteration & 0xf);
  for (int i = 0; i < kMatrixN; i++) {
    for (int j = 0; j < kMatrixN; j++) mat_a[i][j] += add;
  }
  for (int i = 0; i < kMatrixN; i++) {
    int32_t sum = 0;
    for (int j = 0; j < kMatrixN; j++) sum += mat_a[i][j] * mat_b[j][i];
    vec[i] = sum;
  }
  uint32_t acc = 0;
  for (int i = 0; i < kMatrixN; i++) {
    for (int j = 0; j < kMatrixN; j++) {
      int32_t sum = 0;
      for (int k = 0; k < kMatrixN; k++) sum += mat_a[i][k] * mat_b[k][j];
      mat_c[i][j] = sum;
      // Pick a few middle bits, as a cheap data-dependent reduction.
      acc += (uint32_t)(sum >> 2) & 0x7f;
    }
  }
  crc = Crc32Word(crc, acc);
  for (int i = 0; i < kMatrixN; i++) crc = Crc32Word(crc, (uint32_t)(vec[i] + mat_c[i][i]));
  return crc;
}

// ---- State machine: classifies comma-separated tokens ----

typedef enum { kStart, kInteger, kDecimal, kExponentStart, kExponent, kHex, kInvalid } TokenState;

static uint8_t input[kInputBytes];

static void BuildInput(uint32_t seed) {
  static const char kAlphabet[16] = "0123456789.e-x,a";
  for (int i = 0; i < kInputBytes; i++) {
    seed = seed * 1664525u + 1013904223u;
    input[i] = (uint8_t)kAlphabet[(seed >> 24) & 15];
  }
}

static TokenState NextState(TokenState s, uint8_t c) {
  int digit = c >= '0' && c <= '9';
  switch (s) {
    case kStart:
      if (digit) return kInteger;
      if (c == '-' || c == '.') return c == '.' ? kDecimal : kInteger;
      return kInvalid;
    case kInteger:
      if (digit) return kInteger;
      if (c == '.') return kDecimal;
      if (c == 'e') return kExponentStart;
      if (c == 'x') return kHex;
      return kInvalid;
    case kDecimal:
      if (digit) return kDecimal;
      if (c == 'e') return kExponentStart;
      return kInvalid;
    case kExponentStart:
      if (digit || c == '-') return kExponent;
      return kInvalid;
    case kExponent:
      return digit ? kExponent : kInvalid;
    case kHex:
      return digit || c == 'a' || c == 'e' ? kHex : kInvalid;
    case kInvalid:
      return kInvalid;
  }
  return kInvalid;
}

static uint32_t StateMachineWork(uint32_t crc, uint32_t iteration) {
  BuildInput(iteration * 2654435761u);
  uint32_t final_counts[7] = {0, 0, 0, 0, 0, 0, 0};
  uint32_t transitions = 0;
  TokenState s = kStart;
  for (int i = 0; i < kInputBytes; i++) {
    if (input[i] == ',') {
      final_counts[s]++;
      s = kStart;
      continue;
    }
    TokenState next = NextState(s, input[i]);
    transitions += next != s;
    s = next;
  }
  final_counts[s]++;
  for (int i = 0; i < 7; i++) crc = Crc32Word(crc, final_counts[i]);
  return Crc32Word(crc, transitions);
}

uint64_t bench_run(void) {
  uint32_t crc_list = 0xffffffffu, crc_matrix = 0xffffffffu, crc_state = 0xffffffffu;
  for (uint32_t it = 0; it < kIterations; it++) {
    crc_list = ListWork(crc_list, it);
    crc_matrix = MatrixWork(crc_matrix, it);
    crc_state = StateMachineWork(crc_state, it);
  }
  return ((uint64_t)(crc_list ^ crc_state) << 32) | crc_matrix;
}
