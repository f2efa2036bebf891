;; Parks in channel_read(startup handle 0, SHOAL_WAIT) and exits with the
;; number of bytes read, or 100 + (-status) on an error (peer closed: 107).
(module
  (import "shoal" "startup_handle" (func $startup (param i32) (result i32)))
  (import "shoal" "channel_read"
    (func $read (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $r i32)
    (local.set $r
      (call $read (call $startup (i32.const 0)) (i32.const 1)
        (i32.const 64) (i32.const 256) (i32.const 512) (i32.const 4) (i32.const 32)))
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then (call $exit (i32.sub (i32.const 100) (local.get $r)))))
    (call $exit (local.get $r))))
