;; Opens "input" beneath the first preopen (fd 3) for reading and writing
;; with FDFLAGS_NONBLOCK (a FIFO in the tests, so the open does not wait),
;; then expects EAGAIN from a read of the empty FIFO and, after filling it in
;; 4 KiB writes (at most 256), from a write. Exits 0 when both came; 100 +
;; errno if the open fails, 10 if fd_fdstat_get does not report the flag,
;; 20 + errno if the read gives another answer (20 if it succeeds), 30 if no
;; write said EAGAIN, 40 + errno if one failed otherwise.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get"
    (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "input")
  ;; 0: iovec {buf, len}; 8: bytes moved; 12: the opened fd; 32: fdstat;
  ;; 1024: a 4 KiB buffer.
  (func (export "_start")
    (local $err i32) (local $fd i32) (local $i i32)
    ;; Rights fd_read | fd_write; fdflags nonblock.
    (local.set $err
      (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 0)
        (i64.const 66) (i64.const 0) (i32.const 4) (i32.const 12)))
    (if (local.get $err)
      (then (call $proc_exit (i32.add (i32.const 100) (local.get $err)))))
    (local.set $fd (i32.load (i32.const 12)))
    (if (i32.or (call $fd_fdstat_get (local.get $fd) (i32.const 32))
                (i32.eqz (i32.and (i32.load16_u (i32.const 34)) (i32.const 4))))
      (then (call $proc_exit (i32.const 10))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (local.set $err (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (i32.ne (local.get $err) (i32.const 6))
      (then (call $proc_exit (i32.add (i32.const 20) (local.get $err)))))
    (loop $fill
      (local.set $err (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (i32.eq (local.get $err) (i32.const 6)) (then (call $proc_exit (i32.const 0))))
      (if (local.get $err) (then (call $proc_exit (i32.add (i32.const 40) (local.get $err)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 256))))
    (call $proc_exit (i32.const 30))))
