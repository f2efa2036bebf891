;; Writes "made durable\n" and calls fd_sync, then fd_datasync. The file is
;; the File handle given as startup handle 0 (shoal fd_from_handle) if there
;; is one, else a new "synced" beneath the first preopen (fd 3). Exits 0 when
;; all succeed; 100 + errno if the open fails, 60 + status if fd_from_handle
;; does, 98 if the write fails or is short, 20 + errno if fd_sync fails,
;; 40 + errno if fd_datasync does.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_sync" (func $fd_sync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_datasync" (func $fd_datasync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "shoal" "fd_from_handle" (func $fd_from_handle (param i32) (result i32)))
  (import "shoal" "startup_handle" (func $startup_handle (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "synced")
  (data (i32.const 64) "made durable\n")
  ;; 0: iovec {buf, len}; 8: bytes written; 12: the opened fd.
  (func (export "_start")
    (local $handle i32) (local $fd i32) (local $err i32)
    (local.set $handle (call $startup_handle (i32.const 0)))
    (if (i32.ge_s (local.get $handle) (i32.const 0))
      (then
        (local.set $fd (call $fd_from_handle (local.get $handle)))
        (if (i32.lt_s (local.get $fd) (i32.const 0))
          (then (call $proc_exit (i32.sub (i32.const 60) (local.get $fd))))))
      (else
        ;; O_CREAT | O_TRUNC; rights fd_datasync | fd_sync | fd_write.
        (local.set $err
          (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 6) (i32.const 9)
            (i64.const 81) (i64.const 0) (i32.const 0) (i32.const 12)))
        (if (local.get $err)
          (then (call $proc_exit (i32.add (i32.const 100) (local.get $err)))))
        (local.set $fd (i32.load (i32.const 12)))))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 13))
    (if (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (call $proc_exit (i32.const 98))))
    (if (i32.ne (i32.load (i32.const 8)) (i32.const 13))
      (then (call $proc_exit (i32.const 98))))
    (local.set $err (call $fd_sync (local.get $fd)))
    (if (local.get $err) (then (call $proc_exit (i32.add (i32.const 20) (local.get $err)))))
    (local.set $err (call $fd_datasync (local.get $fd)))
    (if (local.get $err) (then (call $proc_exit (i32.add (i32.const 40) (local.get $err)))))))
