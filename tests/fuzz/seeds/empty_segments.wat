;; Regression seed: empty active segments into an empty memory and table.
;; Copying zero bytes to a zero-page memory once passed a null pointer to
;; memcpy (undefined behaviour; UBSan reports it).
(module
  (memory 0 0)
  (table 0 0 funcref)
  (data (i32.const 0) "")
  (elem (i32.const 0) func)
  (func (export "nothing")))
