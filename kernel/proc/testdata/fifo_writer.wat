;; Opens "input" beneath the first preopen (fd 3) for writing (a FIFO in the
;; tests) and writes 256 KiB, byte i being i % 251, in as many fd_write calls
;; as it takes: a write into a full pipe parks the process, and a partial
;; write reports its count. Exits 0 when all is written; 100 + errno if the
;; open fails, 98 if a write fails, 97 if one writes nothing.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 5)
  (data (i32.const 16) "input")
  ;; 0: iovec {buf, len}; 8: bytes written; 12: the opened fd;
  ;; 65536: the 262144 bytes to write.
  (func (export "_start")
    (local $err i32) (local $fd i32) (local $i i32) (local $at i32) (local $n i32)
    ;; Rights: fd_write.
    (local.set $err
      (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 0)
        (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 12)))
    (if (local.get $err)
      (then (call $proc_exit (i32.add (i32.const 100) (local.get $err)))))
    (local.set $fd (i32.load (i32.const 12)))
    (loop $fill
      (i32.store8 (i32.add (i32.const 65536) (local.get $i))
        (i32.rem_u (local.get $i) (i32.const 251)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 262144))))
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $at) (i32.const 262144)))
        (i32.store (i32.const 0) (i32.add (i32.const 65536) (local.get $at)))
        (i32.store (i32.const 4) (i32.sub (i32.const 262144) (local.get $at)))
        (if (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $proc_exit (i32.const 98))))
        (local.set $n (i32.load (i32.const 8)))
        (if (i32.eqz (local.get $n)) (then (call $proc_exit (i32.const 97))))
        (local.set $at (i32.add (local.get $at) (local.get $n)))
        (br $more)))))
