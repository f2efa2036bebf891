;; Recursion without a base case: an engine must stop it with a clean trap
;; ("call stack exhausted"), never crash or hang.
(module
  (func $forever (param $n i32) (result i32)
    (i32.add (call $forever (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "run") (result i32)
    (call $forever (i32.const 0))))
