(module
  (func (export "branches") (param i32) (result i32)
    (block $b
      (block $a
        (br_table $a $b $a (local.get 0)))
      (return (i32.const 9)))
    (i32.const 5))
  (func (export "select") (result i64)
    (select (i64.const 1) (i64.const 2) (i32.const 0)))
  (func (export "unreachable") unreachable)
  (func $rec (export "recurse") (call $rec))
  (func (export "div") (result i32)
    (i32.div_s (i32.const 1) (i32.const 0))))
