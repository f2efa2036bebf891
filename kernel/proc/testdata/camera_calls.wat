;; The camera calls' errors as a guest sees them, on a synthetic camera bound
;; at /dev/video0 (kernel/abi/camera_calls_test.cc): a read before start is
;; -20 (bad state), each call checks its right, a mode the camera lacks is
;; -4, another mode while a session streams is -20, a frame larger than the
;; buffer or a bad meta pointer is -5, a camera call on /dev/zero is -2.
;; Exits 0, 100 + (-status) when /dev/video0 cannot be opened, or the number
;; of the check that failed (21-41).
(module
  (import "shoal" "namespace_open" (func $open (param i32 i32 i32 i32) (result i32)))
  (import "shoal" "camera_info" (func $info (param i32 i32 i32) (result i32)))
  (import "shoal" "camera_configure"
    (func $configure (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "shoal" "camera_start" (func $start (param i32) (result i32)))
  (import "shoal" "camera_stop" (func $stop (param i32) (result i32)))
  (import "shoal" "camera_read" (func $read (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  ;; Handles at 0 (read|wait), 4 (read|manage), 8 (/dev/zero), 12 (wait|manage);
  ;; meta at 64; a 320x240 YUYV frame (153600 bytes) at 65536.
  (memory (export "memory") 4)
  (data (i32.const 16) "/dev/video0")
  (data (i32.const 32) "/dev/zero")
  (func $check (param $ok i32) (param $code i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $code)))))
  (func (export "_start")
    (local $r i32) (local $cam i32) (local $manage i32) (local $zero i32)
    (local.set $r (call $open (i32.const 16) (i32.const 11) (i32.const 20) (i32.const 0)))
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then (call $exit (i32.sub (i32.const 100) (local.get $r)))))
    (local.set $cam (i32.load (i32.const 0)))
    ;; Unknown flags come before the session's state.
    (call $check (i32.eq (call $read (local.get $cam) (i32.const 2) (i32.const 65536)
                                (i32.const 153600) (i32.const 64)) (i32.const -4)) (i32.const 21))
    (call $check (i32.eq (call $read (local.get $cam) (i32.const 0) (i32.const 65536)
                                (i32.const 153600) (i32.const 64)) (i32.const -20)) (i32.const 22))
    ;; Configure needs kManage; info needs no right (0 bytes asked: the length).
    (call $check (i32.eq (call $configure (local.get $cam) (i32.const 1) (i32.const 320)
                                (i32.const 240) (i32.const 30) (i32.const 1)) (i32.const -3))
                 (i32.const 23))
    (call $check (i32.gt_s (call $info (local.get $cam) (i32.const 128) (i32.const 0))
                           (i32.const 100)) (i32.const 24))
    ;; A second session, which may configure.
    (call $check (i32.ge_s (call $open (i32.const 16) (i32.const 11) (i32.const 36) (i32.const 4))
                           (i32.const 0)) (i32.const 25))
    (local.set $manage (i32.load (i32.const 4)))
    (call $check (i32.eq (call $configure (local.get $manage) (i32.const 9) (i32.const 320)
                                (i32.const 240) (i32.const 30) (i32.const 1)) (i32.const -4))
                 (i32.const 26))
    (call $check (i32.eq (call $configure (local.get $manage) (i32.const 1) (i32.const 321)
                                (i32.const 240) (i32.const 30) (i32.const 1)) (i32.const -4))
                 (i32.const 27))
    (call $check (i32.eqz (call $configure (local.get $manage) (i32.const 1) (i32.const 320)
                                (i32.const 240) (i32.const 30) (i32.const 1))) (i32.const 28))
    (call $check (i32.eqz (call $start (local.get $cam))) (i32.const 29))
    ;; Another mode while the first session streams.
    (call $check (i32.eq (call $configure (local.get $manage) (i32.const 3) (i32.const 320)
                                (i32.const 240) (i32.const 30) (i32.const 1)) (i32.const -20))
                 (i32.const 30))
    ;; A whole frame, parked until it comes; its meta says YUYV 320x240.
    (call $check (i32.eq (call $read (local.get $cam) (i32.const 1) (i32.const 65536)
                                (i32.const 153600) (i32.const 64)) (i32.const 153600))
                 (i32.const 31))
    (call $check (i32.and (i32.eq (i32.load (i32.const 84)) (i32.const 1))
                          (i32.and (i32.eq (i32.load (i32.const 88)) (i32.const 320))
                                   (i32.eq (i32.load (i32.const 92)) (i32.const 240))))
                 (i32.const 32))
    ;; The next frame does not fit in 100 bytes, and a meta pointer past the
    ;; memory is refused before a frame is taken.
    (call $check (i32.eq (call $read (local.get $cam) (i32.const 1) (i32.const 65536)
                                (i32.const 100) (i32.const 64)) (i32.const -5)) (i32.const 33))
    (call $check (i32.eq (call $read (local.get $cam) (i32.const 1) (i32.const 65536)
                                (i32.const 153600) (i32.const 262140)) (i32.const -5))
                 (i32.const 34))
    ;; Cameras grant no write; a camera call on a device is the wrong type.
    (call $check (i32.eq (call $open (i32.const 16) (i32.const 11) (i32.const 8) (i32.const 8))
                         (i32.const -3)) (i32.const 35))
    (call $check (i32.ge_s (call $open (i32.const 32) (i32.const 9) (i32.const 4) (i32.const 8))
                           (i32.const 0)) (i32.const 36))
    (local.set $zero (i32.load (i32.const 8)))
    (call $check (i32.eq (call $start (local.get $zero)) (i32.const -2)) (i32.const 37))
    ;; Start and read need kRead.
    (call $check (i32.ge_s (call $open (i32.const 16) (i32.const 11) (i32.const 48) (i32.const 12))
                           (i32.const 0)) (i32.const 38))
    (call $check (i32.eq (call $start (i32.load (i32.const 12))) (i32.const -3)) (i32.const 39))
    ;; Stopped, the session is back to bad state.
    (call $check (i32.eqz (call $stop (local.get $cam))) (i32.const 40))
    (call $check (i32.eq (call $read (local.get $cam) (i32.const 0) (i32.const 65536)
                                (i32.const 153600) (i32.const 64)) (i32.const -20)) (i32.const 41))
    (call $exit (i32.const 0))))
