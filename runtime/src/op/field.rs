//! What every operator declared with `#[zk_op(field)]` provides: the same
//! three forms as [`ZkOp`](super::ZkOp), over field elements.

use super::ParamSource;
use crate::circom::CircomTemplate;
use crate::error::OpError;
use crate::field::Fr;
use crate::r1cs::{Builder, FSig};

/// An operator on BN254 field elements (a hash, a commitment): its
/// reference runs on `Fr`, its constraints on field signals.
///
/// Ports carry no bound: every field element is a valid input. The
/// parameters (attributes and dimensions) are integers as for [`ZkOp`](super::ZkOp).
pub trait FieldOp {
    /// The declaration's name (`poseidon`).
    const NAME: &'static str;
    /// The circom template's name (`Poseidon`).
    const TEMPLATE: &'static str;
    /// Parameter names in template order.
    const PARAMS: &'static [&'static str];
    const INPUTS: &'static [&'static str];
    const OUTPUTS: &'static [&'static str];
    /// Where each parameter's value comes from, in [`FieldOp::PARAMS`] order.
    const SOURCES: &'static [ParamSource];

    fn params(&self) -> Vec<i128>;
    fn from_params(values: &[i128]) -> Result<Self, OpError>
    where
        Self: Sized;
    /// Checks the parameters: declared ranges and `require` clauses.
    fn check(&self) -> Result<(), OpError>;
    fn input_shapes(&self) -> Result<Vec<Vec<usize>>, OpError>;
    fn output_shapes(&self) -> Result<Vec<Vec<usize>>, OpError>;
    /// Runs the operator on field elements.
    fn reference(&self, inputs: &[&[Fr]]) -> Result<Vec<Vec<Fr>>, OpError>;
    /// Adds the operator's constraints and witness to `cs`.
    fn synthesize(&self, cs: &mut Builder, inputs: &[&[FSig]]) -> Result<Vec<Vec<FSig>>, OpError>;
    /// The circom template; the constant tables it reads are its
    /// dependencies (circom functions).
    fn circom_template(constant_inputs: &[bool]) -> CircomTemplate
    where
        Self: Sized;

    /// The exact number of constraints for these parameters, every input a
    /// signal.
    fn constraint_count(&self) -> Result<usize, OpError> {
        self.check()?;
        let mut cs = Builder::counting();
        let tensors: Vec<Vec<FSig>> = self
            .input_shapes()?
            .iter()
            .map(|shape| {
                (0..shape.iter().product::<usize>())
                    .map(|_| cs.input_f("in", &[], Fr::from(0u64), false))
                    .collect()
            })
            .collect();
        let refs: Vec<&[FSig]> = tensors.iter().map(Vec::as_slice).collect();
        self.synthesize(&mut cs, &refs)?;
        Ok(cs.num_constraints())
    }
}
