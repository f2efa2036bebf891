;; A module start function that never returns: Spawn must not wait for it,
;; and the process must still be killable.
(module
  (memory (export "memory") 1)
  (func $spin (loop $l (br $l)))
  (start $spin)
  (func (export "_start")))
