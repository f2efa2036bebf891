// Sorting: quicksort and heapsort of pseudo-random 32-bit keys. Measures
// data-dependent branches, indexed loads and stores, and (in quicksort) calls.
#include <stdint.h>

enum { kKeys = 200000, kRounds = 12 };

static uint32_t keys[kKeys];

static uint32_t rng_state;
static uint32_t NextRandom(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static void Fill(uint32_t seed) {
  rng_state = seed;
  for (uint32_t i = 0; i < kKeys; i++) keys[i] = NextRandom();
}

static void Swap(uint32_t* a, uint32_t* b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

// Sorts a[lo, hi] (inclusive). Median-of-three pivot, Hoare partition;
// recursion on the smaller half keeps the depth logarithmic, and short ranges
// finish with insertion sort.
static void QuickSort(uint32_t* a, int32_t lo, int32_t hi) {
  while (hi - lo > 16) {
    int32_t mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo]) Swap(&a[mid], &a[lo]);
    if (a[hi] < a[lo]) Swap(&a[hi], &a[lo]);
    if (a[hi] < a[mid]) Swap(&a[hi], &a[mid]);
    uint32_t pivot = a[mid];
    int32_t i = lo - 1, j = hi + 1;
    for (;;) {
      do i++;
      while (a[i] < pivot);
      do j--;
      while (a[j] > pivot);
      if (i >= j) break;
      Swap(&a[i], &a[j]);
    }
    if (j - lo < hi - j) {
      QuickSort(a, lo, j);
      lo = j + 1;
    } else {
      QuickSort(a, j + 1, hi);
      hi = j;
    }
  }
  for (int32_t i = lo + 1; i <= hi; i++) {
    uint32_t v = a[i];
    int32_t k = i - 1;
    while (k >= lo && a[k] > v) {
      a[k + 1] = a[k];
      k--;
    }
    a[k + 1] = v;
  }
}

// Restores the max-heap property below `root` in a[0, n).
static void SiftDown(uint32_t* a, uint32_t root, uint32_t n) {
  uint32_t v = a[root];
  for (;;) {
    uint32_t child = 2 * root + 1;
    if (child >= n) break;
    if (child + 1 < n && a[child + 1] > a[child]) child++;
    if (a[child] <= v) break;
    a[root] = a[child];
    root = child;
  }
  a[root] = v;
}

static void HeapSort(uint32_t* a, uint32_t n) {
  for (uint32_t i = n / 2; i-- > 0;) SiftDown(a, i, n);
  for (uint32_t end = n - 1; end > 0; end--) {
    Swap(&a[0], &a[end]);
    SiftDown(a, 0, end);
  }
}

// Folds the sorted array into a hash; an out-of-order pair poisons it, so a
// wrong sort cannot produce the expected checksum.
static uint64_t Digest(uint64_t hash) {
  for (uint32_t i = 0; i < kKeys; i++) {
    if (i > 0 && keys[i - 1] > keys[i]) hash ^= 0xdeadbeefull << 20;
    hash = (hash ^ keys[i]) * 0x100000001b3ull;
  }
  return hash;
}

uint64_t bench_run(void) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (uint32_t round = 0; round < kRounds; round++) {
    Fill(2463534242u + round);
    QuickSort(keys, 0, kKeys - 1);
    hash = Digest(hash);
    Fill(88172645u + round);
    HeapSort(keys, kKeys);
    hash = Digest(hash);
  }
  return hash;
}
