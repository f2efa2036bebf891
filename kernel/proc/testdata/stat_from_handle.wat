;; Gets a Directory handle as startup handle 0, makes it a descriptor (shoal
;; fd_from_handle) and stats "input" beneath it (path_filestat_get,
;; following symlinks). Exits with the file's size (below 256 in the tests);
;; 60 + status if fd_from_handle fails; 100 + errno if the stat fails.
(module
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "shoal" "fd_from_handle" (func $fd_from_handle (param i32) (result i32)))
  (import "shoal" "startup_handle" (func $startup_handle (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; 16: "input"; 64: the filestat (64 bytes; its size is the u64 at +32).
  (data (i32.const 16) "input")
  (func (export "_start")
    (local $dir i32) (local $err i32)
    (local.set $dir (call $fd_from_handle (call $startup_handle (i32.const 0))))
    (if (i32.lt_s (local.get $dir) (i32.const 0))
      (then (call $proc_exit (i32.sub (i32.const 60) (local.get $dir)))))
    (local.set $err
      (call $stat (local.get $dir) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 64)))
    (if (local.get $err) (then (call $proc_exit (i32.add (i32.const 100) (local.get $err)))))
    (call $proc_exit (i32.load (i32.const 96)))))
