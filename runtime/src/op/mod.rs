//! What every operator declared with `#[zk_op]` provides.

use crate::bound::Bound;
use crate::circom::CircomTemplate;
use crate::error::OpError;
use crate::r1cs::{Builder, Sig};

/// An integer operator with its three forms: reference, constraints, circom.
///
/// Implemented by `#[zk_op]`; the struct's fields are the operator's
/// parameters (attributes, the dimensions its shapes name, and the
/// precisions its inputs are declared with).
pub trait ZkOp {
    /// The declaration's name (`cvm_right_shift`).
    const NAME: &'static str;
    /// The circom template's name (`CvmRightShift`).
    const TEMPLATE: &'static str;
    /// Parameter names in template order.
    const PARAMS: &'static [&'static str];
    const INPUTS: &'static [&'static str];
    const OUTPUTS: &'static [&'static str];
    /// Each output's bound, as declared.
    const OUTPUT_RULES: &'static [&'static str];

    /// Parameter values in [`ZkOp::PARAMS`] order.
    fn params(&self) -> Vec<i128>;
    /// Checks the parameters: declared ranges, `require` clauses, and that
    /// every declared bound fits the 64-bit engine.
    fn check(&self) -> Result<(), OpError>;
    fn input_shapes(&self) -> Result<Vec<Vec<usize>>, OpError>;
    fn output_shapes(&self) -> Result<Vec<Vec<usize>>, OpError>;
    fn input_bounds(&self) -> Result<Vec<Bound>, OpError>;
    fn output_bounds(&self) -> Result<Vec<Bound>, OpError>;
    /// Runs the operator on native integers. Inputs outside their declared
    /// bounds are refused with an error naming tensor, index and bound.
    fn reference(&self, inputs: &[&[i64]]) -> Result<Vec<Vec<i64>>, OpError>;
    /// Adds the operator's constraints and witness to `cs`; returns the
    /// output signals. Inputs are trusted to lie within their bounds (a
    /// model proves that where they enter).
    fn synthesize(&self, cs: &mut Builder, inputs: &[&[Sig]]) -> Result<Vec<Vec<Sig>>, OpError>;
    /// The circom template; inputs flagged constant become template
    /// parameters instead of signals.
    fn circom_template(constant_inputs: &[bool]) -> CircomTemplate
    where
        Self: Sized;

    /// The exact number of constraints for these parameters, with the
    /// flagged inputs as circuit constants.
    fn constraint_count(&self, constant_inputs: &[bool]) -> Result<usize, OpError> {
        self.check()?;
        let shapes = self.input_shapes()?;
        let mut cs = Builder::counting();
        let tensors: Vec<Vec<Sig>> = shapes
            .iter()
            .enumerate()
            .map(|(t, shape)| {
                let n: usize = shape.iter().product();
                let constant = constant_inputs.get(t).copied().unwrap_or(false);
                (0..n)
                    .map(|_| {
                        if constant {
                            Sig::constant(0)
                        } else {
                            cs.input("in", &[], 0, false)
                        }
                    })
                    .collect()
            })
            .collect();
        let refs: Vec<&[Sig]> = tensors.iter().map(Vec::as_slice).collect();
        self.synthesize(&mut cs, &refs)?;
        Ok(cs.num_constraints())
    }
}

/// An operator behind a pointer: what tables, exports and test suites need
/// when they walk many operators at once.
pub trait DynOp {
    fn name(&self) -> &'static str;
    fn params(&self) -> Vec<i128>;
    fn param_names(&self) -> &'static [&'static str];
    fn input_names(&self) -> &'static [&'static str];
    fn output_names(&self) -> &'static [&'static str];
    fn check(&self) -> Result<(), OpError>;
    fn input_shapes(&self) -> Result<Vec<Vec<usize>>, OpError>;
    fn output_shapes(&self) -> Result<Vec<Vec<usize>>, OpError>;
    fn input_bounds(&self) -> Result<Vec<Bound>, OpError>;
    fn output_bounds(&self) -> Result<Vec<Bound>, OpError>;
    fn reference(&self, inputs: &[&[i64]]) -> Result<Vec<Vec<i64>>, OpError>;
    fn synthesize(&self, cs: &mut Builder, inputs: &[&[Sig]]) -> Result<Vec<Vec<Sig>>, OpError>;
    fn circom_template(&self, constant_inputs: &[bool]) -> CircomTemplate;
    fn constraint_count(&self, constant_inputs: &[bool]) -> Result<usize, OpError>;
}

impl<T: ZkOp> DynOp for T {
    fn name(&self) -> &'static str {
        T::NAME
    }
    fn params(&self) -> Vec<i128> {
        ZkOp::params(self)
    }
    fn param_names(&self) -> &'static [&'static str] {
        T::PARAMS
    }
    fn input_names(&self) -> &'static [&'static str] {
        T::INPUTS
    }
    fn output_names(&self) -> &'static [&'static str] {
        T::OUTPUTS
    }
    fn check(&self) -> Result<(), OpError> {
        ZkOp::check(self)
    }
    fn input_shapes(&self) -> Result<Vec<Vec<usize>>, OpError> {
        ZkOp::input_shapes(self)
    }
    fn output_shapes(&self) -> Result<Vec<Vec<usize>>, OpError> {
        ZkOp::output_shapes(self)
    }
    fn input_bounds(&self) -> Result<Vec<Bound>, OpError> {
        ZkOp::input_bounds(self)
    }
    fn output_bounds(&self) -> Result<Vec<Bound>, OpError> {
        ZkOp::output_bounds(self)
    }
    fn reference(&self, inputs: &[&[i64]]) -> Result<Vec<Vec<i64>>, OpError> {
        ZkOp::reference(self, inputs)
    }
    fn synthesize(&self, cs: &mut Builder, inputs: &[&[Sig]]) -> Result<Vec<Vec<Sig>>, OpError> {
        ZkOp::synthesize(self, cs, inputs)
    }
    fn circom_template(&self, constant_inputs: &[bool]) -> CircomTemplate {
        T::circom_template(constant_inputs)
    }
    fn constraint_count(&self, constant_inputs: &[bool]) -> Result<usize, OpError> {
        ZkOp::constraint_count(self, constant_inputs)
    }
}
