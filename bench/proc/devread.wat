;; devread CAP COUNT: opens /dev/bench (read right) through its namespace and
;; calls device_read(SHOAL_WAIT) COUNT times with a CAP-byte buffer; exits 0
;; when every read filled the buffer, else 1 (2: the open failed).
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "shoal" "namespace_open" (func $open (param i32 i32 i32 i32) (result i32)))
  (import "shoal" "device_read" (func $read (param i32 i32 i32 i32) (result i32)))
  ;; 0: handle; 8: argc, argv bytes; 16: argv pointers; 64: argv bytes;
  ;; 256: the path; 65536: the read buffer (64 KiB).
  (memory (export "memory") 2)
  (data (i32.const 256) "/dev/bench")

  ;; The decimal number at `p` (NUL-terminated).
  (func $number (param $p i32) (result i32)
    (local $n i32) (local $c i32)
    (block $done
      (loop $digit
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done (i32.eqz (local.get $c)))
        (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10))
                               (i32.sub (local.get $c) (i32.const 48))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $digit)))
    (local.get $n))

  (func (export "_start")
    (local $cap i32) (local $count i32) (local $h i32)
    (drop (call $args_sizes (i32.const 8) (i32.const 12)))
    (drop (call $args_get (i32.const 16) (i32.const 64)))
    (local.set $cap (call $number (i32.load (i32.const 20))))
    (local.set $count (call $number (i32.load (i32.const 24))))
    ;; rights = read (4)
    (if (i32.lt_s (call $open (i32.const 256) (i32.const 10) (i32.const 4) (i32.const 0))
                  (i32.const 0))
      (then (call $exit (i32.const 2))))
    (local.set $h (i32.load (i32.const 0)))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $count)))
        (if (i32.ne (call $read (local.get $h) (i32.const 1) (i32.const 65536) (local.get $cap))
                    (local.get $cap))
          (then (call $exit (i32.const 1))))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $again)))
    (call $exit (i32.const 0))))
