;; Opens "input" beneath the first preopen (fd 3; a FIFO the test holds) and
;; calls poll_oneoff once on two subscriptions: fd_read of the FIFO
;; (userdata 1) and a monotonic clock (userdata 2) of 10 s when the process
;; has an argument besides its name, else 200 ms. Exits with the userdata of
;; the first event, plus 10 for each further event; 100 + errno if a call
;; fails.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; Rights: fd_read | poll_fd_readwrite (1 << 27).
  ;; 16: "input"; 32: argc, 36: argv size; 40: opened fd; 44: nevents;
  ;; 64: subscriptions (2 x 48); 256: events (2 x 32).
  (data (i32.const 16) "input")
  (func $check (param $err i32)
    (if (local.get $err) (then (call $proc_exit (i32.add (i32.const 100) (local.get $err))))))
  (func (export "_start")
    (local $n i32)
    (call $check (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5)
                   (i32.const 0) (i64.const 134217730) (i64.const 0) (i32.const 0) (i32.const 40)))
    (call $check (call $args_sizes_get (i32.const 32) (i32.const 36)))
    ;; Subscription 0: userdata 1, tag fd_read (1), fd.
    (i64.store (i32.const 64) (i64.const 1))
    (i32.store8 (i32.const 72) (i32.const 1))
    (i32.store (i32.const 80) (i32.load (i32.const 40)))
    ;; Subscription 1: userdata 2, tag clock (0), monotonic (1), timeout, relative.
    (i64.store (i32.const 112) (i64.const 2))
    (i32.store8 (i32.const 120) (i32.const 0))
    (i32.store (i32.const 128) (i32.const 1))
    (i64.store (i32.const 136)
      (select (i64.const 10000000000) (i64.const 200000000)
              (i32.gt_u (i32.load (i32.const 32)) (i32.const 1))))
    (call $check (call $poll_oneoff (i32.const 64) (i32.const 256) (i32.const 2) (i32.const 44)))
    (local.set $n (i32.load (i32.const 44)))
    (call $proc_exit
      (i32.add (i32.load (i32.const 256))
               (i32.mul (i32.const 10) (i32.sub (local.get $n) (i32.const 1)))))))
