;; Starts with 1 page of memory and grows it by 16 pages (1 MiB): exits 0 when
;; memory.grow succeeds, 1 when it fails (-1), as it must past the page cap.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))))
