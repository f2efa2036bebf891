;; Copies "input" beneath the first preopen (fd 3) to a new "output" and
;; appends it to "log" (O_APPEND), one byte at a time with a spin between,
;; so a test can move it while both files are open mid-copy. Exits 100 +
;; errno if an open fails, 99 if a read fails, 98 if a write fails or is
;; short, 0 when all is copied.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "input")
  (data (i32.const 32) "output")
  (data (i32.const 48) "log")
  ;; 0: iovec {buf, len}; 8: bytes moved; 12: input fd; 20: output fd; 24: log fd.
  (func $open (param $path i32) (param $len i32) (param $oflags i32) (param $rights i64)
    (param $fdflags i32) (param $out i32)
    (local $err i32)
    (local.set $err
      (call $path_open (i32.const 3) (i32.const 1) (local.get $path) (local.get $len)
        (local.get $oflags) (local.get $rights) (i64.const 0) (local.get $fdflags)
        (local.get $out)))
    (if (local.get $err)
      (then (call $proc_exit (i32.add (i32.const 100) (local.get $err))))))
  (func $put (param $fd i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 1))
    (if (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (call $proc_exit (i32.const 98))))
    (if (i32.ne (i32.load (i32.const 8)) (i32.const 1))
      (then (call $proc_exit (i32.const 98)))))
  (func (export "_start")
    (local $spin i32)
    ;; rights fd_read (2) | fd_write (64).
    (call $open (i32.const 16) (i32.const 5) (i32.const 0) (i64.const 2) (i32.const 0)
      (i32.const 12))
    ;; O_CREAT | O_TRUNC.
    (call $open (i32.const 32) (i32.const 6) (i32.const 9) (i64.const 66) (i32.const 0)
      (i32.const 20))
    ;; O_CREAT, FDFLAGS_APPEND.
    (call $open (i32.const 48) (i32.const 3) (i32.const 1) (i64.const 66) (i32.const 1)
      (i32.const 24))
    (block $eof
      (loop $more
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 1))
        (if (call $fd_read (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $proc_exit (i32.const 99))))
        (br_if $eof (i32.eqz (i32.load (i32.const 8))))
        (call $put (i32.load (i32.const 20)))
        (call $put (i32.load (i32.const 24)))
        (local.set $spin (i32.const 200000))
        (loop $wait
          (local.set $spin (i32.sub (local.get $spin) (i32.const 1)))
          (br_if $wait (local.get $spin)))
        (br $more)))))
