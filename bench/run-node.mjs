// Runs one exported function of a module on Node's V8 and prints its result
// in the benchmark suite's "key value" format (see vm_driver.cc):
//   node bench/run-node.mjs MODULE.wasm [EXPORT]
// compile_ms covers WebAssembly.Module (V8 compiles lazily, so tiering up
// still happens during the run); run_ms covers the call. An exception from
// the call (a trap, or RangeError for stack overflow) exits with status 2.
import { readFileSync } from 'node:fs';

const [path, exportName = 'bench_run'] = process.argv.slice(2);
if (!path) {
  console.error('usage: node run-node.mjs MODULE.wasm [EXPORT]');
  process.exit(1);
}

let start = performance.now();
const module = new WebAssembly.Module(readFileSync(path));
const instance = new WebAssembly.Instance(module, {});
const compileMs = performance.now() - start;

const fn = instance.exports[exportName];
if (typeof fn !== 'function') {
  console.error(`run-node: no exported function named '${exportName}'`);
  process.exit(1);
}

start = performance.now();
let result;
try {
  result = fn();
} catch (e) {
  console.error(`trap: ${e.constructor.name}: ${e.message}`);
  console.log(`trapped 1\nrun_ms ${(performance.now() - start).toFixed(3)}`);
  process.exit(2);
}
const runMs = performance.now() - start;

// i64 arrives as a signed BigInt and i32 as a signed Number; print both as
// unsigned decimals, as the other engines do.
const checksum = typeof result === 'bigint' ? BigInt.asUintN(64, result) : result >>> 0;
console.log(`checksum ${checksum}\ncompile_ms ${compileMs.toFixed(3)}\nrun_ms ${runMs.toFixed(3)}`);
