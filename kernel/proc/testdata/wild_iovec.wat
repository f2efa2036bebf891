;; Calls fd_write with a wild iovec array pointer, then with an in-bounds
;; iovec whose buffer is wild, and exits with errno1 * 100 + errno2: both
;; must be EFAULT (21), so the exit code is 2121.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $e1 i32)
    (local.set $e1 (call $fd_write (i32.const 1) (i32.const 0xfffffff0) (i32.const 1) (i32.const 64)))
    ;; iovec at 16: buf = 0x7ffffff0, len = 100
    (i32.store (i32.const 16) (i32.const 0x7ffffff0))
    (i32.store (i32.const 20) (i32.const 100))
    (call $proc_exit
      (i32.add (i32.mul (local.get $e1) (i32.const 100))
               (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 64))))))
