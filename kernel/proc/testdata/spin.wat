;; Spins forever; counts loop iterations in memory at address 0.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $l
      (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
      (br $l))))
