(module
  (global $v v128 (v128.const i32x4 1 2 3 4))
  (func (export "lanes") (result i32)
    (i32x4.extract_lane 2
      (i32x4.add (global.get $v) (i32x4.splat (i32.const 10))))))
