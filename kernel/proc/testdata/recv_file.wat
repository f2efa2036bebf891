;; Waits for a message on the channel given as startup handle 0 carrying one
;; File handle, makes it a WASI descriptor (shoal fd_from_handle) and copies
;; the file to stdout with fd_read. Exits 0 at end of file; 50 if the read of
;; the channel fails; 60 + status if fd_from_handle fails; 99 if fd_read does.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "shoal" "fd_from_handle" (func $fd_from_handle (param i32) (result i32)))
  (import "shoal" "startup_handle" (func $startup_handle (param i32) (result i32)))
  (import "shoal" "channel_read"
    (func $channel_read (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec {buf, len}; 8: bytes read; 32: the received handle; 40: actual.
  (func (export "_start")
    (local $fd i32) (local $n i32)
    (if (i32.lt_s (call $channel_read (call $startup_handle (i32.const 0)) (i32.const 1)
                    (i32.const 0) (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40))
                  (i32.const 0))
      (then (call $proc_exit (i32.const 50))))
    (local.set $fd (call $fd_from_handle (i32.load (i32.const 32))))
    (if (i32.lt_s (local.get $fd) (i32.const 0))
      (then (call $proc_exit (i32.sub (i32.const 60) (local.get $fd)))))
    (block $eof
      (loop $more
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 4096))
        (if (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $proc_exit (i32.const 99))))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $eof (i32.eqz (local.get $n)))
        (i32.store (i32.const 4) (local.get $n))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br $more)))))
