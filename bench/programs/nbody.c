// Floating point: a gravitational n-body simulation with a leapfrog-style
// integrator. Measures f64 arithmetic, sqrt and division on small arrays.
// The bodies start from a fixed pseudo-random configuration; the checksum is
// built from the exact bit patterns of the final state, which match across
// engines because Wasm f64 and x86-64 SSE2 both follow IEEE 754 exactly.
#include <stdint.h>

enum { kBodies = 8, kSteps = 3000000 };

static double px[kBodies], py[kBodies], pz[kBodies];
static double vx[kBodies], vy[kBodies], vz[kBodies];
static double mass[kBodies];

// A small linear congruential generator mapped to [-1, 1).
static uint64_t rng_state;
static double Uniform(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(rng_state >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static void Setup(void) {
  rng_state = 12345;
  for (int i = 0; i < kBodies; i++) {
    px[i] = Uniform() * 10.0;
    py[i] = Uniform() * 10.0;
    pz[i] = Uniform() * 10.0;
    vx[i] = Uniform() * 0.5;
    vy[i] = Uniform() * 0.5;
    vz[i] = Uniform() * 0.5;
    mass[i] = 1.0 + (Uniform() + 1.0) * 2.0;
  }
  mass[0] = 400.0;  // A heavy central body keeps the system bound.
}

static void Step(double dt) {
  for (int i = 0; i < kBodies; i++) {
    for (int j = i + 1; j < kBodies; j++) {
      double dx = px[i] - px[j];
      double dy = py[i] - py[j];
      double dz = pz[i] - pz[j];
      // Softening (0.01) avoids a singular force in close encounters.
      double d2 = dx * dx + dy * dy + dz * dz + 0.01;
      double d = __builtin_sqrt(d2);
      double mag = dt / (d2 * d);
      vx[i] -= dx * mass[j] * mag;
      vy[i] -= dy * mass[j] * mag;
      vz[i] -= dz * mass[j] * mag;
      vx[j] += dx * mass[i] * mag;
      vy[j] += dy * mass[i] * mag;
      vz[j] += dz * mass[i] * mag;
    }
  }
  for (int i = 0; i < kBodies; i++) {
    px[i] += dt * vx[i];
    py[i] += dt * vy[i];
    pz[i] += dt * vz[i];
  }
}

static double Energy(void) {
  double e = 0.0;
  for (int i = 0; i < kBodies; i++) {
    e += 0.5 * mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
    for (int j = i + 1; j < kBodies; j++) {
      double dx = px[i] - px[j];
      double dy = py[i] - py[j];
      double dz = pz[i] - pz[j];
      e -= mass[i] * mass[j] / __builtin_sqrt(dx * dx + dy * dy + dz * dz + 0.01);
    }
  }
  return e;
}

static uint64_t Bits(double d) {
  uint64_t bits;
  __builtin_memcpy(&bits, &d, sizeof bits);
  return bits;
}

uint64_t bench_run(void) {
  Setup();
  uint64_t hash = Bits(Energy());
  for (int s = 0; s < kSteps; s++) Step(0.001);
  hash = hash * 31 + Bits(Energy());
  for (int i = 0; i < kBodies; i++) hash = hash * 31 + (Bits(px[i]) ^ Bits(vy[i]));
  return hash;
}
