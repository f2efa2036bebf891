;; Sleeps 20 ms with WASI poll_oneoff on a relative monotonic clock, then
;; exits 3.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; subscription at 0: userdata 0, tag 0 (clock), clock id 1 (monotonic),
  ;; timeout 20 ms, precision 0, flags 0 (relative).
  (func (export "_start")
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 20000000))
    (drop (call $poll (i32.const 0) (i32.const 128) (i32.const 1) (i32.const 192)))
    (call $exit (i32.const 3))))
