// Hashing: SHA-256 as FIPS 180-4 describes it, written for this suite.
// Measures 32-bit rotates, shifts, adds and logic ops with little memory
// traffic. The message is a pseudo-random buffer hashed repeatedly, each
// round's digest feeding into the next round's message.
#include <stdint.h>

enum { kMessageBytes = 16 * 1024, kRounds = 6000 };

// First 32 bits of the fractional parts of the cube roots of the first 64 primes.
static const uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// First 32 bits of the fractional parts of the square roots of the first 8 primes.
static const uint32_t kInitialHash[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static uint32_t RotateRight(uint32_t x, uint32_t n) { return (x >> n) | (x << (32 - n)); }

static uint32_t LoadBigEndian(const uint8_t* p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

// Processes one 64-byte block into the running state (FIPS 180-4, 6.2.2).
static void CompressBlock(uint32_t state[8], const uint8_t block[64]) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++) w[t] = LoadBigEndian(block + 4 * t);
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = RotateRight(w[t - 15], 7) ^ RotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = RotateRight(w[t - 2], 17) ^ RotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int t = 0; t < 64; t++) {
    uint32_t sum1 = RotateRight(e, 6) ^ RotateRight(e, 11) ^ RotateRight(e, 25);
    uint32_t choose = (e & f) ^ (~e & g);
    uint32_t t1 = h + sum1 + choose + kRoundConstants[t] + w[t];
    uint32_t sum0 = RotateRight(a, 2) ^ RotateRight(a, 13) ^ RotateRight(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = sum0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

// Hashes `len` bytes into `digest` (32 bytes): full blocks first, then the
// tail with the 0x80 marker, zero padding and the 64-bit bit length.
static void Sha256(const uint8_t* data, uint32_t len, uint8_t digest[32]) {
  uint32_t state[8];
  for (int i = 0; i < 8; i++) state[i] = kInitialHash[i];
  uint32_t done = 0;
  for (; len - done >= 64; done += 64) CompressBlock(state, data + done);

  uint8_t tail[128];
  uint32_t rest = len - done;
  for (uint32_t i = 0; i < rest; i++) tail[i] = data[done + i];
  tail[rest] = 0x80;
  uint32_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
  for (uint32_t i = rest + 1; i < tail_len - 8; i++) tail[i] = 0;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
  for (uint32_t off = 0; off < tail_len; off += 64) CompressBlock(state, tail + off);

  for (int i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(state[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(state[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(state[i] >> 8);
    digest[4 * i + 3] = (uint8_t)state[i];
  }
}

static uint8_t message[kMessageBytes];

static void FillMessage(void) {
  uint32_t x = 0x9e3779b9u;
  for (uint32_t i = 0; i < kMessageBytes; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    message[i] = (uint8_t)x;
  }
}

uint64_t bench_run(void) {
  FillMessage();
  uint8_t digest[32];
  for (uint32_t round = 0; round < kRounds; round++) {
    // The message length varies so every padding path is taken.
    Sha256(message, kMessageBytes - (round % 97), digest);
    for (int i = 0; i < 32; i++) message[(round * 32 + i) % kMessageBytes] ^= digest[i];
  }
  uint64_t checksum = 0;
  for (int i = 0; i < 8; i++) checksum = (checksum << 8) | digest[i];
  return checksum;
}
