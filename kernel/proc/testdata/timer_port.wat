;; A timer and a port that only this process holds, to move by value: the
;; port watches the timer (key 1) and holds a user packet (0x42), and it is
;; the process's terminate port (key 5). Prints "ready", then waits for a
;; message on startup handle 0 (a channel), then takes the user packet, the
;; timer's packet once the timer fires one second after it was set (checking
;; the clock), prints "fired", and exits 7 on the terminate packet. Other
;; exits: 10 + step for a wrong packet, 20 for a timer early, 100 + -status
;; on an error.
(module
  (import "shoal" "startup_handle" (func $startup (param i32) (result i32)))
  (import "shoal" "channel_read"
    (func $read (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "shoal" "port_create" (func $port_create (result i32)))
  (import "shoal" "timer_create" (func $timer_create (result i32)))
  (import "shoal" "timer_set" (func $timer_set (param i32 i64) (result i32)))
  (import "shoal" "port_wait_async" (func $wait_async (param i32 i32 i32 i64) (result i32)))
  (import "shoal" "port_queue" (func $queue (param i32 i64) (result i32)))
  (import "shoal" "port_wait" (func $port_wait (param i32 i32 i32) (result i32)))
  (import "shoal" "process_watch_terminate" (func $watch (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: the clock; 8: the deadline; 64: a packet (key, type, observed,
  ;; user[4]); 128: an iovec; 160: "ready\n"; 168: "fired\n"; 256: a buffer.
  (data (i32.const 160) "ready\n")
  (data (i32.const 168) "fired\n")

  (func $check (param $r i32) (result i32)
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then (call $exit (i32.sub (i32.const 100) (local.get $r)))))
    (local.get $r))

  (func $print (param $at i32)
    (i32.store (i32.const 128) (local.get $at))
    (i32.store (i32.const 132) (i32.const 6))
    (drop (call $check (call $fd_write (i32.const 1) (i32.const 128) (i32.const 1) (i32.const 136)))))

  (func $now (result i64)
    (drop (call $check (call $clock (i32.const 1) (i64.const 0) (i32.const 0))))
    (i64.load (i32.const 0)))

  ;; The next packet of `port`; exits 10 + `step` unless its type is `type`
  ;; and its key `key`.
  (func $next (param $port i32) (param $type i32) (param $key i64) (param $step i32)
    (drop (call $check (call $port_wait (local.get $port) (i32.const 1) (i32.const 64))))
    (if (i32.or (i32.ne (i32.load (i32.const 72)) (local.get $type))
                (i64.ne (i64.load (i32.const 64)) (local.get $key)))
      (then (call $exit (i32.add (i32.const 10) (local.get $step))))))

  (func (export "_start")
    (local $port i32) (local $timer i32)
    (local.set $port (call $check (call $port_create)))
    (local.set $timer (call $check (call $timer_create)))
    (i64.store (i32.const 8) (i64.add (call $now) (i64.const 1000000000)))
    (drop (call $check (call $timer_set (local.get $timer) (i64.load (i32.const 8)))))
    (drop (call $check (call $wait_async (local.get $port) (local.get $timer) (i32.const 8)
                                         (i64.const 1))))
    (drop (call $check (call $queue (local.get $port) (i64.const 0x42))))
    (drop (call $check (call $watch (local.get $port) (i64.const 5))))
    (call $print (i32.const 160))
    (drop (call $check
      (call $read (call $startup (i32.const 0)) (i32.const 1)
        (i32.const 256) (i32.const 64) (i32.const 320) (i32.const 4) (i32.const 336))))
    ;; The user packet, then the timer's.
    (call $next (local.get $port) (i32.const 2) (i64.const 0) (i32.const 1))
    (if (i64.ne (i64.load (i32.const 80)) (i64.const 0x42)) (then (call $exit (i32.const 12))))
    (call $next (local.get $port) (i32.const 1) (i64.const 1) (i32.const 3))
    (if (i64.lt_u (call $now) (i64.load (i32.const 8))) (then (call $exit (i32.const 20))))
    (call $print (i32.const 168))
    ;; Then terminate's.
    (call $next (local.get $port) (i32.const 2) (i64.const 5) (i32.const 4))
    (if (i64.ne (i64.load (i32.const 80)) (i64.const 0x7465726d)) (then (call $exit (i32.const 15))))
    (call $exit (i32.const 7))))
