;; Opens "input" beneath the first preopen (fd 3) for reading, turns the
;; descriptor into a handle (shoal handle_from_fd) and sends it through the
;; channel given as startup handle 0. The descriptor is a view of that
;; handle, so once it is sent the fd is gone too. Exits 0 when sent; 100 +
;; errno if the open fails; 60 + status if handle_from_fd fails; 70 if the
;; write fails; 71 unless fd_read then gives EBADF.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "shoal" "handle_from_fd" (func $handle_from_fd (param i32) (result i32)))
  (import "shoal" "startup_handle" (func $startup_handle (param i32) (result i32)))
  (import "shoal" "channel_write" (func $channel_write (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "input")
  ;; 12: the opened fd; 32: the handle to send.
  (func (export "_start")
    (local $err i32) (local $h i32)
    (local.set $err
      (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 0)
        (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 12)))
    (if (local.get $err)
      (then (call $proc_exit (i32.add (i32.const 100) (local.get $err)))))
    (local.set $h (call $handle_from_fd (i32.load (i32.const 12))))
    (if (i32.lt_s (local.get $h) (i32.const 0))
      (then (call $proc_exit (i32.sub (i32.const 60) (local.get $h)))))
    (i32.store (i32.const 32) (local.get $h))
    (if (call $channel_write (call $startup_handle (i32.const 0))
          (i32.const 0) (i32.const 0) (i32.const 32) (i32.const 1))
      (then (call $proc_exit (i32.const 70))))
    ;; EBADF = 8; the iovec at 40 is empty.
    (if (i32.ne (call $fd_read (i32.load (i32.const 12)) (i32.const 40) (i32.const 1)
                  (i32.const 48))
                (i32.const 8))
      (then (call $proc_exit (i32.const 71))))))
