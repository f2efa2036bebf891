;; 20,000 nested calls: each frame does work after its callee returns, so no
;; engine can turn the recursion into a loop. An engine must complete this.
(module
  (func $down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $down (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func (export "run") (result i32)
    (call $down (i32.const 20000))))
