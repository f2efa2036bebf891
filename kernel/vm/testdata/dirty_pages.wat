;; Writes linear memory every way a module can, for dirty-page tracking
;; (memory_dirty_test.cc). Memory: 2 Wasm pages (32 pages of 4 KiB), max 8.
(module
  (import "env" "host_write" (func $host_write (param i32 i32)))
  (memory (export "memory") 2 8)
  (data $seg "0123456789abcdef0123456789abcdef")

  (func (export "i32_store") (param i32) (i32.store (local.get 0) (i32.const -1)))
  (func (export "i64_store") (param i32) (i64.store (local.get 0) (i64.const -1)))
  (func (export "f32_store") (param i32) (f32.store (local.get 0) (f32.const 1)))
  (func (export "f64_store") (param i32) (f64.store (local.get 0) (f64.const 1)))
  (func (export "i32_store8") (param i32) (i32.store8 (local.get 0) (i32.const -1)))
  (func (export "i32_store16") (param i32) (i32.store16 (local.get 0) (i32.const -1)))
  (func (export "i64_store8") (param i32) (i64.store8 (local.get 0) (i64.const -1)))
  (func (export "i64_store16") (param i32) (i64.store16 (local.get 0) (i64.const -1)))
  (func (export "i64_store32") (param i32) (i64.store32 (local.get 0) (i64.const -1)))
  ;; A constant offset, so the effective address is not the operand.
  (func (export "i32_store_offset") (param i32)
    (i32.store offset=4096 (local.get 0) (i32.const -1)))
  (func (export "v128_store") (param i32) (v128.store (local.get 0) (v128.const i64x2 -1 -1)))
  (func (export "v128_store8_lane") (param i32)
    (v128.store8_lane 15 (local.get 0) (v128.const i64x2 -1 -1)))
  (func (export "v128_store16_lane") (param i32)
    (v128.store16_lane 7 (local.get 0) (v128.const i64x2 -1 -1)))
  (func (export "v128_store32_lane") (param i32)
    (v128.store32_lane 3 (local.get 0) (v128.const i64x2 -1 -1)))
  (func (export "v128_store64_lane") (param i32)
    (v128.store64_lane 1 (local.get 0) (v128.const i64x2 -1 -1)))

  (func (export "fill") (param $dst i32) (param $n i32)
    (memory.fill (local.get $dst) (i32.const 0xaa) (local.get $n)))
  (func (export "copy") (param $dst i32) (param $src i32) (param $n i32)
    (memory.copy (local.get $dst) (local.get $src) (local.get $n)))
  ;; Copies all 32 bytes of the passive segment to $dst.
  (func (export "init") (param $dst i32)
    (memory.init $seg (local.get $dst) (i32.const 0) (i32.const 32)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "host") (param i32 i32) (call $host_write (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))

  ;; For $n iterations, page i % $pages gets its next counter value at its
  ;; first word: mem[p * 4096] = i / $pages + 1, so every page's value only
  ;; grows and a copy that missed a write is seen to be stale.
  (func (export "count") (param $pages i32) (param $n i32)
    (local $i i32)
    (loop $next
      (i32.store
        (i32.mul (i32.rem_u (local.get $i) (local.get $pages)) (i32.const 4096))
        (i32.add (i32.div_u (local.get $i) (local.get $pages)) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n)))))
)
