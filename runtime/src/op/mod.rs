//! What every operator declared with `#[zk_op]` provides.

use crate::bound::Bound;
use crate::circom::CircomTemplate;
use crate::error::OpError;
use crate::r1cs::{Builder, Sig, Value};

/// The element type a reference implementation of `O` reads and writes.
pub type Elem<O> = <<O as ZkOp>::Value as Value>::Elem;

/// The bound type `O`'s ports declare.
pub type PortBound<O> = <<O as ZkOp>::Value as Value>::Bound;

/// An operator with its three forms: reference, constraints, circom.
///
/// Implemented by `#[zk_op]`; the struct's fields are the operator's
/// parameters (attributes, the dimensions its shapes name, and the
/// precisions its inputs are declared with). Being plain parameters,
/// operators are `Send + Sync`, so a model can serve many threads at once.
///
/// The value domain is the operator's: integers (`i128` signals, `i64`
/// references, interval bounds) for the ML operators, BN254 field elements
/// (`#[zk_op(field)]`: unbounded ports) for hashes and commitments.
pub trait ZkOp: Send + Sync {
    /// What the operator's signals compute in.
    type Value: Value;
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

    /// Where each parameter's value comes from, in [`ZkOp::PARAMS`] order:
    /// what a model graph needs to instantiate the operator from its
    /// inputs' shapes and bounds and a node's attributes.
    const SOURCES: &'static [ParamSource];
    /// The number of axes of each input and output as declared.
    const INPUT_RANKS: &'static [usize];
    const OUTPUT_RANKS: &'static [usize];
    /// Inputs declared `constant = true`: always circuit constants.
    const CONSTANT_INPUTS: &'static [bool];

    /// Parameter values in [`ZkOp::PARAMS`] order.
    fn params(&self) -> Vec<i128>;
    /// The operator with these parameter values, in [`ZkOp::PARAMS`]
    /// order; a value its field's type cannot hold is refused by name.
    /// Ranges and requirements are [`ZkOp::check`]'s business.
    fn from_params(values: &[i128]) -> Result<Self, OpError>
    where
        Self: Sized;
    /// Checks the parameters: declared ranges, `require` clauses, and that
    /// every declared bound fits the 64-bit engine.
    fn check(&self) -> Result<(), OpError>;
    fn input_shapes(&self) -> Result<Vec<Vec<usize>>, OpError>;
    fn output_shapes(&self) -> Result<Vec<Vec<usize>>, OpError>;
    fn input_bounds(&self) -> Result<Vec<PortBound<Self>>, OpError>;
    fn output_bounds(&self) -> Result<Vec<PortBound<Self>>, OpError>;
    /// Runs the operator natively (integers in 64 bits, or field elements).
    /// Inputs outside their declared bounds are refused with an error
    /// naming tensor, index and bound.
    fn reference(&self, inputs: &[&[Elem<Self>]]) -> Result<Vec<Vec<Elem<Self>>>, OpError>;
    /// [`ZkOp::reference`] on inputs of the signals' width: how an operator
    /// body runs the operators it calls, whose arguments (a packed value)
    /// may pass 64 bits.
    fn reference_wide(&self, inputs: &[&[Self::Value]]) -> Result<Vec<Vec<Elem<Self>>>, OpError>;
    /// Adds the operator's constraints and witness to `cs`; returns the
    /// output signals. Inputs are trusted to lie within their bounds (a
    /// model proves that where they enter).
    fn synthesize(
        &self,
        cs: &mut Builder,
        inputs: &[&[Sig<Self::Value>]],
    ) -> Result<Vec<Vec<Sig<Self::Value>>>, OpError>;
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
        let tensors: Vec<Vec<Sig<Self::Value>>> = shapes
            .iter()
            .enumerate()
            .map(|(t, shape)| {
                let n: usize = shape.iter().product();
                let constant = constant_inputs.get(t).copied().unwrap_or(false)
                    || Self::CONSTANT_INPUTS.get(t).copied().unwrap_or(false);
                (0..n)
                    .map(|i| {
                        // Distinct and never 0: a signal times a sum or a
                        // difference of constants is a product unless the
                        // constants cancel, which a real model's rarely do
                        // (a forest's selection between two equal leaves
                        // is free).
                        if constant {
                            Sig::constant(Self::Value::from_i128(i as i128 + 1))
                        } else {
                            cs.input("in", &[], Self::Value::ZERO, false)
                        }
                    })
                    .collect()
            })
            .collect();
        let refs: Vec<&[Sig<Self::Value>]> = tensors.iter().map(Vec::as_slice).collect();
        self.synthesize(&mut cs, &refs)?;
        Ok(cs.num_constraints())
    }
}

/// Where an operator's parameter gets its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamSource {
    /// An attribute the user chooses.
    Attr,
    /// The length of axis `axis` of input `input`.
    Dim { input: usize, axis: usize },
    /// The precision of input `input`'s bound.
    Prec { input: usize },
}

/// An integer operator behind a pointer: what tables, exports and test
/// suites need when they walk many operators at once. Wrap a concrete operator in
/// [`Erased`] to get one; concrete operators keep only [`ZkOp`]'s methods,
/// so calls on them are never ambiguous.
pub trait DynOp: Send + Sync {
    fn name(&self) -> &'static str;
    fn params(&self) -> Vec<i128>;
    fn param_names(&self) -> &'static [&'static str];
    fn param_sources(&self) -> &'static [ParamSource];
    fn input_ranks(&self) -> &'static [usize];
    fn output_ranks(&self) -> &'static [usize];
    fn constant_inputs(&self) -> &'static [bool];
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

/// A concrete operator seen as a [`DynOp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Erased<T>(pub T);

impl<T: ZkOp<Value = i128>> DynOp for Erased<T> {
    fn name(&self) -> &'static str {
        T::NAME
    }
    fn params(&self) -> Vec<i128> {
        self.0.params()
    }
    fn param_names(&self) -> &'static [&'static str] {
        T::PARAMS
    }
    fn param_sources(&self) -> &'static [ParamSource] {
        T::SOURCES
    }
    fn input_ranks(&self) -> &'static [usize] {
        T::INPUT_RANKS
    }
    fn output_ranks(&self) -> &'static [usize] {
        T::OUTPUT_RANKS
    }
    fn constant_inputs(&self) -> &'static [bool] {
        T::CONSTANT_INPUTS
    }
    fn input_names(&self) -> &'static [&'static str] {
        T::INPUTS
    }
    fn output_names(&self) -> &'static [&'static str] {
        T::OUTPUTS
    }
    fn check(&self) -> Result<(), OpError> {
        self.0.check()
    }
    fn input_shapes(&self) -> Result<Vec<Vec<usize>>, OpError> {
        self.0.input_shapes()
    }
    fn output_shapes(&self) -> Result<Vec<Vec<usize>>, OpError> {
        self.0.output_shapes()
    }
    fn input_bounds(&self) -> Result<Vec<Bound>, OpError> {
        self.0.input_bounds()
    }
    fn output_bounds(&self) -> Result<Vec<Bound>, OpError> {
        self.0.output_bounds()
    }
    fn reference(&self, inputs: &[&[i64]]) -> Result<Vec<Vec<i64>>, OpError> {
        self.0.reference(inputs)
    }
    fn synthesize(&self, cs: &mut Builder, inputs: &[&[Sig]]) -> Result<Vec<Vec<Sig>>, OpError> {
        self.0.synthesize(cs, inputs)
    }
    fn circom_template(&self, constant_inputs: &[bool]) -> CircomTemplate {
        T::circom_template(constant_inputs)
    }
    fn constraint_count(&self, constant_inputs: &[bool]) -> Result<usize, OpError> {
        self.0.constraint_count(constant_inputs)
    }
}

/// How an input tensor enters a circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A circuit constant: products with it are free.
    Constant,
    Private,
    Public,
}

/// Allocates input tensors in `cs` by role, each element named
/// `name[i]`.
pub fn wire_inputs<V: Value>(
    cs: &mut Builder,
    names: &[&str],
    inputs: &[Vec<V::Elem>],
    roles: &[Role],
) -> Vec<Vec<Sig<V>>> {
    inputs
        .iter()
        .enumerate()
        .map(|(t, values)| {
            let name = names.get(t).copied().unwrap_or("input");
            let role = roles.get(t).copied().unwrap_or(Role::Private);
            values
                .iter()
                .enumerate()
                .map(|(i, &v)| match role {
                    Role::Constant => Sig::constant(v.into()),
                    Role::Private | Role::Public => cs.input(name, &[i as i128], v.into(), role == Role::Public),
                })
                .collect()
        })
        .collect()
}

/// Seeded values within each input's declared bound, for benchmarks and
/// cross-checks that need inputs without caring which.
pub fn seeded_inputs(op: &dyn DynOp, seed: u64) -> Result<Vec<Vec<i64>>, OpError> {
    let shapes = op.input_shapes()?;
    let bounds = op.input_bounds()?;
    Ok(seeded_values(
        shapes.iter().map(|s| s.iter().product()).zip(bounds),
        seed,
    ))
}

/// For each `(length, bound)`, that many seeded values within the bound.
pub fn seeded_values(tensors: impl IntoIterator<Item = (usize, Bound)>, seed: u64) -> Vec<Vec<i64>> {
    // SplitMix64's finalizer spreads every seed bit over the state, so
    // nearby seeds give unrelated values (and the state is never 0).
    let mut state = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    state = (state ^ (state >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    state = (state ^ (state >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    state = (state ^ (state >> 31)) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    tensors
        .into_iter()
        .map(|(n, b)| {
            let span = (b.hi - b.lo + 1) as u128;
            (0..n)
                .map(|_| (b.lo + (next() as u128 % span) as i128) as i64)
                .collect()
        })
        .collect()
}
