;; The basic devices through the namespace, as apps/dice.c uses them: reads
;; 8 bytes from /dev/random (SHOAL_WAIT), writes them to /dev/null, checks
;; that the write-only /dev/null handle cannot read and that /dev/video1 is
;; not found. Exits 0, or 100 + (-status) if /dev/random cannot be opened
;; (not found: 109), 20 if /dev/video1 opens, 21-24 on other failures.
(module
  (import "shoal" "namespace_open"
    (func $open (param i32 i32 i32 i32) (result i32)))
  (import "shoal" "device_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "shoal" "device_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "/dev/random")
  (data (i32.const 32) "/dev/null")
  (data (i32.const 48) "/dev/video1")
  (func (export "_start")
    (local $r i32)
    ;; /dev/random with read (4) | wait (16); handle at address 0.
    (local.set $r (call $open (i32.const 16) (i32.const 11) (i32.const 20) (i32.const 0)))
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then (call $exit (i32.sub (i32.const 100) (local.get $r)))))
    (if (i32.ne (call $read (i32.load (i32.const 0)) (i32.const 1) (i32.const 256) (i32.const 8))
                (i32.const 8))
      (then (call $exit (i32.const 21))))
    ;; /dev/null with write (8) only; handle at address 4.
    (if (i32.lt_s (call $open (i32.const 32) (i32.const 9) (i32.const 8) (i32.const 4))
                  (i32.const 0))
      (then (call $exit (i32.const 22))))
    (if (i32.ne (call $write (i32.load (i32.const 4)) (i32.const 0) (i32.const 256) (i32.const 8))
                (i32.const 8))
      (then (call $exit (i32.const 23))))
    ;; Reading needs kRead: -3 (access denied).
    (if (i32.ne (call $read (i32.load (i32.const 4)) (i32.const 0) (i32.const 256) (i32.const 1))
                (i32.const -3))
      (then (call $exit (i32.const 24))))
    (if (i32.ge_s (call $open (i32.const 48) (i32.const 11) (i32.const 4) (i32.const 8))
                  (i32.const 0))
      (then (call $exit (i32.const 20))))
    (call $exit (i32.const 0))))
