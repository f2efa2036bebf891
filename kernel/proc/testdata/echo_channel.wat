;; Echoes every message on startup handle 0 until the peer closes, then
;; exits 0: a child that talks over the channel its spawner handed it.
(module
  (import "shoal" "startup_handle" (func $startup (param i32) (result i32)))
  (import "shoal" "channel_write" (func $write (param i32 i32 i32 i32 i32) (result i32)))
  (import "shoal" "channel_read"
    (func $read (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $ch i32) (local $n i32)
    (local.set $ch (call $startup (i32.const 0)))
    (loop $l
      (local.set $n (call $read (local.get $ch) (i32.const 1) (i32.const 64) (i32.const 4096)
                      (i32.const 0) (i32.const 0) (i32.const 32)))
      (if (i32.lt_s (local.get $n) (i32.const 0)) (then (call $exit (i32.const 0))))
      (if (i32.lt_s (call $write (local.get $ch) (i32.const 64) (local.get $n) (i32.const 0) (i32.const 0))
                    (i32.const 0))
        (then (call $exit (i32.const 1))))
      (br $l))))
