;; Opens /dev/q through its namespace (read + wait rights), parks in
;; device_read(SHOAL_WAIT) and exits with the number of bytes read, or
;; 100 + (-status) on an error (not found: 109; peer closed: 107).
(module
  (import "shoal" "namespace_open"
    (func $open (param i32 i32 i32 i32) (result i32)))
  (import "shoal" "device_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "/dev/q")
  (func (export "_start")
    (local $r i32)
    ;; rights = read (4) | wait (16); the handle lands at address 0.
    (local.set $r (call $open (i32.const 16) (i32.const 6) (i32.const 20) (i32.const 0)))
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then (call $exit (i32.sub (i32.const 100) (local.get $r)))))
    (local.set $r
      (call $read (i32.load (i32.const 0)) (i32.const 1) (i32.const 64) (i32.const 256)))
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then (call $exit (i32.sub (i32.const 100) (local.get $r)))))
    (call $exit (local.get $r))))
