;; A module start function that counts to 200,000 (several fuel quanta), then
;; `_start` exits with the count / 10,000: exit 20 proves the start function
;; ran to completion before the entry point.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (func $count_up
    (loop $l
      (global.set $count (i32.add (global.get $count) (i32.const 1)))
      (br_if $l (i32.lt_u (global.get $count) (i32.const 200000)))))
  (start $count_up)
  (func (export "_start")
    (call $exit (i32.div_u (global.get $count) (i32.const 10000)))))
