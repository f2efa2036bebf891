;; A module start function that traps: the process ends trapped.
(module
  (memory (export "memory") 1)
  (func $boom (unreachable))
  (start $boom)
  (func (export "_start")))
