//! Mistakes in a declaration are compile errors that point at the
//! offending token, grouped by kind.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/attributes/*.rs");
    t.compile_fail("tests/ui/bounds/*.rs");
    t.compile_fail("tests/ui/field/*.rs");
    t.compile_fail("tests/ui/hints/*.rs");
    t.compile_fail("tests/ui/syntax/*.rs");
}
