use section9::gadgets::Bits;
use section9::r1cs::Builder;
use section9::ZkOp;

#[test]
fn scratch() {
    let op = Bits { k: 4 };
    op.check().unwrap();
    println!("{:?}", op.reference(&[&[5]]));
    println!("{:?}", op.reference(&[&[17]]));
    let mut cs = Builder::with_names();
    let x = cs.input("x", &[], 5, false);
    let out = op.synthesize(&mut cs, &[&[x]]).unwrap();
    println!("{:?}", out[0].iter().map(|s| s.val).collect::<Vec<_>>());
    println!("constraints {} sat {:?}", cs.num_constraints(), cs.which_unsatisfied());
    println!("{}", section9::circom::library(&[Bits::circom_template(&[])]));
    println!("count {:?}", op.constraint_count(&[]));
}
