;; Writes the i32 at address 0 (preset to 1024) messages of 64 KiB on startup
;; handle 0, waiting for kWritable whenever the peer's queue is full, then
;; exits 0 (closing the channel).
(module
  (import "shoal" "startup_handle" (func $startup (param i32) (result i32)))
  (import "shoal" "channel_write" (func $write (param i32 i32 i32 i32 i32) (result i32)))
  (import "shoal" "object_wait_one" (func $wait (param i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "\00\04\00\00")
  (func (export "_start")
    (local $ch i32) (local $i i32) (local $r i32)
    (local.set $ch (call $startup (i32.const 0)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
        (local.set $r (call $write (local.get $ch) (i32.const 1024) (i32.const 65536)
                        (i32.const 0) (i32.const 0)))
        (if (i32.eq (local.get $r) (i32.const -8))
          (then
            ;; Full: wait for kWritable (2) or kPeerClosed (4), then retry.
            (drop (call $wait (local.get $ch) (i32.const 6) (i64.const -1) (i32.const 16)))
            (br $l)))
        (if (i32.lt_s (local.get $r) (i32.const 0)) (then (call $exit (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (call $exit (i32.const 0))))
