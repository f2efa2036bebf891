;; Gets a Directory handle as startup handle 0, makes it a descriptor (shoal
;; fd_from_handle), opens "input" beneath it and copies the first 4 KiB to
;; stdout; then tries to create "new" beneath it, which a handle without
;; kWrite must refuse with ENOTCAPABLE. Exits 0 when all holds; 60 + status
;; if fd_from_handle fails; 100 + errno if opening "input" fails; 99 if the
;; read fails; 77 unless the create gives ENOTCAPABLE (76).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "shoal" "fd_from_handle" (func $fd_from_handle (param i32) (result i32)))
  (import "shoal" "startup_handle" (func $startup_handle (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec {1024, 4096}; 8: count; 12: opened fd; 16: "input"; 24: "new".
  (data (i32.const 0) "\00\04\00\00\00\10\00\00")
  (data (i32.const 16) "input")
  (data (i32.const 24) "new")
  (func (export "_start")
    (local $dir i32) (local $err i32)
    (local.set $dir (call $fd_from_handle (call $startup_handle (i32.const 0))))
    (if (i32.lt_s (local.get $dir) (i32.const 0))
      (then (call $proc_exit (i32.sub (i32.const 60) (local.get $dir)))))
    ;; fd_read = 2.
    (local.set $err
      (call $path_open (local.get $dir) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 0)
        (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 12)))
    (if (local.get $err) (then (call $proc_exit (i32.add (i32.const 100) (local.get $err)))))
    (if (call $fd_read (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (call $proc_exit (i32.const 99))))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; O_CREAT (1) with fd_write (64).
    (if (i32.ne (call $path_open (local.get $dir) (i32.const 1) (i32.const 24) (i32.const 3)
                  (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 12))
                (i32.const 76))
      (then (call $proc_exit (i32.const 77))))))
