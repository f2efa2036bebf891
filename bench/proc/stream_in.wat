;; Reads messages of up to 64 KiB from startup handle 0 until the peer
;; closes, then exits 0 if it received the i32 at address 0 (preset to 1024)
;; full messages, else 1.
(module
  (import "shoal" "startup_handle" (func $startup (param i32) (result i32)))
  (import "shoal" "channel_read"
    (func $read (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "\00\04\00\00")
  (func (export "_start")
    (local $ch i32) (local $n i32) (local $count i32)
    (local.set $ch (call $startup (i32.const 0)))
    (loop $l
      (local.set $n (call $read (local.get $ch) (i32.const 1) (i32.const 1024) (i32.const 65536)
                      (i32.const 0) (i32.const 0) (i32.const 32)))
      (if (i32.eq (local.get $n) (i32.const 65536))
        (then
          (local.set $count (i32.add (local.get $count) (i32.const 1)))
          (br $l))))
    (call $exit (i32.ne (local.get $count) (i32.load (i32.const 0))))))
