;; Sends a 4-byte message on startup handle 0 and waits for the reply,
;; `rounds` times (the i32 at address 0 is preset to 20000), then exits 0.
(module
  (import "shoal" "startup_handle" (func $startup (param i32) (result i32)))
  (import "shoal" "channel_write" (func $write (param i32 i32 i32 i32 i32) (result i32)))
  (import "shoal" "channel_read"
    (func $read (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\20\4e\00\00")
  (func (export "_start")
    (local $ch i32) (local $i i32)
    (local.set $ch (call $startup (i32.const 0)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
        (if (i32.lt_s (call $write (local.get $ch) (i32.const 16) (i32.const 4) (i32.const 0) (i32.const 0)) (i32.const 0))
          (then (call $exit (i32.const 1))))
        (if (i32.lt_s (call $read (local.get $ch) (i32.const 1) (i32.const 32) (i32.const 4)
                         (i32.const 0) (i32.const 0) (i32.const 48)) (i32.const 0))
          (then (call $exit (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (call $exit (i32.const 0))))
