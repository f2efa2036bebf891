;; Counts to 20,000,000 with no host call, then traps: an end that is not
;; a host call.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 20000000))))
    unreachable))
