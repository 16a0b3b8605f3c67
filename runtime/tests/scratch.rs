use section9::ops::*;
use section9::r1cs::{Builder, Sig};
use section9::ZkOp;

fn run<O: ZkOp>(op: O, inputs: &[Vec<i64>]) {
    op.check().unwrap();
    let r = op.reference(&inputs.iter().map(|v| v.as_slice()).collect::<Vec<_>>()).unwrap();
    let mut cs = Builder::with_names();
    let sigs: Vec<Vec<Sig>> = inputs.iter().enumerate().map(|(t, v)| v.iter().enumerate().map(|(i, &x)| cs.input("in", &[t as i128, i as i128], x as i128, false)).collect()).collect();
    let refs: Vec<&[Sig]> = sigs.iter().map(|v| v.as_slice()).collect();
    let out = op.synthesize(&mut cs, &refs).unwrap();
    let vals: Vec<Vec<i64>> = out.iter().map(|t| t.iter().map(|s| s.val as i64).collect()).collect();
    println!("{} ref {:?}\n   syn {:?} constraints {} unsat {:?}", O::NAME, r, vals, cs.num_constraints(), cs.which_unsatisfied());
    assert_eq!(r, vals);
}

#[test]
fn scratch() {
    run(Relu { n: 5, px: 8 }, &[vec![-3, 0, 5, 127, -127]]);
    run(CvmRightShift { s: 2, p: 4, n: 6, px: 8 }, &[vec![-6, -5, 2, 6, 100, -100]]);
    run(Requant { s: 2, p: 4, n: 6, px: 8 }, &[vec![-6, -5, 2, 6, 100, -100]]);
    run(Requant { s: 3, p: 8, n: 3, px: 23 }, &[vec![-6, 4_000_000, 200]]);
    run(CvmClip { p: 4, n: 3, px: 8 }, &[vec![-100, 3, 100]]);
    run(Clip { a_min: -2, a_max: 5, n: 3, px: 8 }, &[vec![-100, 3, 100]]);
    run(CvmLeftShift { s: 2, p: 8, n: 3, px: 8 }, &[vec![-100, 3, 100]]);
    run(Dense { m: 1, k: 3, n: 2, px: 8, pw: 8, pb: 8 }, &[vec![1, 2, 3], vec![1, 1, 1, -1, 0, 2], vec![10, 20]]);
    run(Conv2d { sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1, nb: 1, c: 1, h: 2, w: 2, px: 8, o: 1, cg: 1, kh: 3, kw: 3, pk: 8, pb: 8 }, &[vec![1, 2, 3, 4], vec![1; 9], vec![0]]);
    run(MaxPool2d { kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, ceil_mode: false, nb: 1, c: 1, h: 2, w: 2, px: 8 }, &[vec![1, -2, 7, 4]]);
    run(Upsampling { scale: 2, nb: 1, c: 1, h: 1, w: 2, px: 8 }, &[vec![1, -2]]);
    run(Broadcast { op: 2, a0: 1, a1: 1, a2: 1, a3: 3, b0: 1, b1: 1, b2: 2, b3: 1, pa: 8, pb: 8 }, &[vec![1, 2, 3], vec![10, -1]]);
    println!("{}", section9::circom::library(&[Requant::circom_template(&[])]));
    println!("{}", Conv2d::circom_template(&[false, true, true]).text);
    println!("requant 64 {:?}", Requant { s: 10, p: 8, n: 1, px: 23 }.constraint_count(&[]));
}
