;; Descriptors are views of handles. Runs with "input" (non-empty) beneath
;; the first preopen (fd 3). Exits 0 when every step holds, else the number
;; of the step that failed:
;;  1-2  handle_from_fd(1) gives stdout's Console handle, the same each time;
;;  3    fd_write(1) prints "hi\n";
;;  4-5  closing that handle ends fd 1 (EBADF);
;;  6    path_open reuses the number 1, now free;
;;  7-8  replacing the file's handle ends fd 1;
;;  9-12 fd_from_handle of the read-only replacement gives a descriptor that
;;       reads but cannot write (ENOTCAPABLE), and the same fd a second time;
;;  13   fd_close closes the handle too.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "shoal" "handle_from_fd" (func $handle_from_fd (param i32) (result i32)))
  (import "shoal" "fd_from_handle" (func $fd_from_handle (param i32) (result i32)))
  (import "shoal" "handle_close" (func $handle_close (param i32) (result i32)))
  (import "shoal" "handle_replace" (func $handle_replace (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec {100, 3}; 8: count; 12: opened fd; 16: "input"; 100: "hi\n";
  ;; 200: read buffer (iovec at 24).
  (data (i32.const 0) "\64\00\00\00\03\00\00\00")
  (data (i32.const 16) "input")
  (data (i32.const 24) "\c8\00\00\00\40\00\00\00")
  (data (i32.const 100) "hi\n")
  (func $check (param $ok i32) (param $step i32)
    (if (i32.eqz (local.get $ok)) (then (call $proc_exit (local.get $step)))))
  (func (export "_start")
    (local $h i32) (local $ro i32) (local $fd i32)
    (local.set $h (call $handle_from_fd (i32.const 1)))
    (call $check (i32.ge_s (local.get $h) (i32.const 1)) (i32.const 1))
    (call $check (i32.eq (call $handle_from_fd (i32.const 1)) (local.get $h)) (i32.const 2))
    (call $check (i32.eqz (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (i32.const 3))
    (call $check (i32.eqz (call $handle_close (local.get $h))) (i32.const 4))
    (call $check (i32.eq (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
                         (i32.const 8))
      (i32.const 5))
    ;; fd_read | fd_write = 2 | 64.
    (call $check (i32.eqz (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5)
                            (i32.const 0) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 12)))
      (i32.const 6))
    (call $check (i32.eq (i32.load (i32.const 12)) (i32.const 1)) (i32.const 6))
    ;; Read-only: duplicate 1 | transfer 2 | read 4 | wait 16.
    (local.set $h (call $handle_from_fd (i32.const 1)))
    (local.set $ro (call $handle_replace (local.get $h) (i32.const 23)))
    (call $check (i32.ge_s (local.get $ro) (i32.const 1)) (i32.const 7))
    (call $check (i32.eq (call $fd_read (i32.const 1) (i32.const 24) (i32.const 1) (i32.const 8))
                         (i32.const 8))
      (i32.const 8))
    (local.set $fd (call $fd_from_handle (local.get $ro)))
    (call $check (i32.ge_s (local.get $fd) (i32.const 0)) (i32.const 9))
    ;; ENOTCAPABLE = 76.
    (call $check (i32.eq (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
                         (i32.const 76))
      (i32.const 10))
    (call $check (i32.eqz (call $fd_read (local.get $fd) (i32.const 24) (i32.const 1) (i32.const 8)))
      (i32.const 11))
    (call $check (i32.gt_u (i32.load (i32.const 8)) (i32.const 0)) (i32.const 11))
    (call $check (i32.eq (call $fd_from_handle (local.get $ro)) (local.get $fd)) (i32.const 12))
    (call $check (i32.eqz (call $fd_close (local.get $fd))) (i32.const 13))
    (call $check (i32.eq (call $handle_close (local.get $ro)) (i32.const -1)) (i32.const 13))))
