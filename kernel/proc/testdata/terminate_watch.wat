;; Watches for Terminate on a port and exits 7 when the packet comes (exit 9
;; if the packet is not the terminate tag, 100 + -status on an error).
(module
  (import "shoal" "port_create" (func $port_create (result i32)))
  (import "shoal" "process_watch_terminate" (func $watch (param i32 i64) (result i32)))
  (import "shoal" "port_wait" (func $port_wait (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $port i32) (local $r i32)
    (local.set $port (call $port_create))
    (local.set $r (call $watch (local.get $port) (i64.const 5)))
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then (call $exit (i32.sub (i32.const 100) (local.get $r)))))
    (local.set $r (call $port_wait (local.get $port) (i32.const 1) (i32.const 0)))
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then (call $exit (i32.sub (i32.const 100) (local.get $r)))))
    ;; user[0] at offset 16 must be the terminate tag "term".
    (if (i64.ne (i64.load (i32.const 16)) (i64.const 0x7465726d))
      (then (call $exit (i32.const 9))))
    (call $exit (i32.const 7))))
