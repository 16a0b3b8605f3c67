//! A catalogue of every operator and gadget on a representative shape: the
//! source of the cost table, the circom snapshots and the circom
//! cross-checks, so each walks the same instances.

use crate::gadgets::{Bits, Clamp, DivTrunc, IsNonneg, IsZero, Max2, OneHot, RequantPacked, RoundShift};
use crate::op::{DynOp, Erased, Role};
use crate::ops::{
    Abs, Argmax, Broadcast, Clip, Concatenate, Conv2d, Conv2dRequant, ConvTranspose2d, CvmClip, CvmLeftShift,
    CvmPrecision, CvmRightShift, Dense, DenseRequant, MaxPool2d, Negative, Pad, Reduce, Relu, Repeat, Requant, Reshape,
    StridedSlice, SumPool2d, Take, TakeConstant, Tile, Transpose, TreeEnsemble, Upsampling, Where, BROADCAST_ADD,
    BROADCAST_DIV, BROADCAST_GREATER, BROADCAST_MAX, BROADCAST_MUL, REDUCE_MAX, REDUCE_SUM,
};
use crate::OpError;
use crate::ZkOp;

/// An operator instance, which inputs are circuit constants, and what a
/// unit of its cost is.
pub struct Example {
    pub op: Box<dyn DynOp>,
    pub instance: String,
    pub constant: Vec<bool>,
    /// An output element, a multiply-accumulate, or a gadget call.
    pub unit: &'static str,
    pub units: usize,
}

impl Example {
    /// How each input enters a circuit: constants as flagged, the rest private.
    pub fn roles(&self) -> Vec<Role> {
        (0..self.op.input_names().len())
            .map(|k| match self.constant.get(k) {
                Some(true) => Role::Constant,
                _ => Role::Private,
            })
            .collect()
    }
}

fn row<O: ZkOp + 'static>(
    op: O,
    instance: &str,
    constant: &[bool],
    unit: &'static str,
    units: usize,
) -> Result<Example, OpError> {
    op.check()?;
    // Inputs the declaration requires constant are constant in every row.
    let constant = (0..O::INPUTS.len())
        .map(|k| constant.get(k).copied().unwrap_or(false) || O::CONSTANT_INPUTS[k])
        .collect();
    Ok(Example {
        op: Box::new(Erased(op)),
        instance: instance.to_string(),
        constant,
        unit,
        units,
    })
}

/// A DCGAN upsampling step: 4x4 kernel, stride 2, padding 1.
fn upconv() -> ConvTranspose2d {
    ConvTranspose2d {
        sh: 2,
        sw: 2,
        ph: 1,
        pw: 1,
        oph: 0,
        opw: 0,
        dh: 1,
        dw: 1,
        groups: 1,
        o: 4,
        nb: 1,
        c: 4,
        h: 4,
        w: 4,
        px: 8,
        kh: 4,
        kw: 4,
        pk: 8,
        pb: 8,
    }
}

fn conv(pk: u32) -> Conv2d {
    Conv2d {
        sh: 1,
        sw: 1,
        ph: 1,
        pw: 1,
        dh: 1,
        dw: 1,
        groups: 1,
        nb: 1,
        c: 4,
        h: 8,
        w: 8,
        px: 8,
        o: 4,
        cg: 4,
        kh: 3,
        kw: 3,
        pk,
        pb: 8,
    }
}

/// A stump on 30 int16 features: one branch and its two leaves (deeper
/// trees cost the same per branch, less the products a public model's
/// leaves make linear: docs/costs.md's classic section counts them).
fn stump() -> TreeEnsemble {
    TreeEnsemble {
        m: 1,
        nf: 30,
        px: 16,
        nn: 1,
        pf: 6,
        pc: 3,
        trees: 1,
        pr: 2,
        pt: 17,
        nl: 2,
        nc: 1,
        pl: 16,
    }
}

/// Two int8 operands of 64 signals each: a broadcast op's cost per element.
fn pairwise(op: u32) -> Broadcast {
    Broadcast {
        op,
        a0: 1,
        a1: 1,
        a2: 1,
        a3: 64,
        b0: 1,
        b1: 1,
        b2: 1,
        b3: 64,
        pa: 8,
        pb: 8,
    }
}

/// Each of 4 int8 channels of 8x8 reduced to one value.
fn per_channel(op: u32) -> Reduce {
    Reduce {
        op,
        r0: false,
        r1: false,
        r2: true,
        r3: true,
        n0: 1,
        n1: 4,
        n2: 8,
        n3: 8,
        px: 8,
    }
}

/// Every operator and gadget on a representative shape.
pub fn examples() -> Result<Vec<Example>, OpError> {
    let dense = Dense {
        m: 1,
        k: 64,
        n: 64,
        px: 8,
        pw: 8,
        pb: 8,
    };
    let dense_acc = dense.output_bounds()?[0].precision();
    let conv_acc = conv(8).output_bounds()?[0].precision();
    let conv_macs = 4 * 8 * 8 * 4 * 9;
    Ok(vec![
        row(
            dense,
            "1x64 -> 64, int8, constant weights",
            &[false, true, true],
            "MAC",
            64 * 64,
        )?,
        row(
            dense,
            "1x64 -> 64, int8, private weights",
            &[false, false, false],
            "MAC",
            64 * 64,
        )?,
        row(
            Requant {
                s: 10,
                p: 8,
                n: 64,
                px: dense_acc,
            },
            &format!("after dense 64x64: {dense_acc}-bit -> 8-bit, s = 10"),
            &[],
            "output",
            64,
        )?,
        row(
            conv(8),
            "3x3, 8x8x4 -> 4, pad 1, constant weights",
            &[false, true, true],
            "MAC",
            conv_macs,
        )?,
        row(
            conv(8),
            "3x3, 8x8x4 -> 4, pad 1, private weights",
            &[false, false, false],
            "MAC",
            conv_macs,
        )?,
        row(
            upconv(),
            "4x4 stride 2 pad 1, 4x4x4 -> 8x8x4 (DCGAN), constant weights",
            &[false, true, true],
            "MAC",
            4 * 4 * 4 * 4 * 16,
        )?,
        row(
            upconv(),
            "4x4 stride 2 pad 1, 4x4x4 -> 8x8x4 (DCGAN), private weights",
            &[false, false, false],
            "MAC",
            4 * 4 * 4 * 4 * 16,
        )?,
        row(
            Requant {
                s: 9,
                p: 8,
                n: 256,
                px: conv_acc,
            },
            &format!("after conv2d 3x3x4: {conv_acc}-bit -> 8-bit, s = 9"),
            &[],
            "output",
            256,
        )?,
        row(
            DenseRequant::fusing(&dense, 10, 8),
            "1x64 -> 64, int8, s = 10, constant weights",
            &[false, true, true],
            "MAC",
            64 * 64,
        )?,
        row(
            DenseRequant::fusing(&dense, 10, 8),
            "1x64 -> 64, int8, s = 10, private weights",
            &[false, false, false],
            "MAC",
            64 * 64,
        )?,
        row(
            Conv2dRequant::fusing(&conv(8), 9, 8),
            "3x3, 8x8x4 -> 4, pad 1, s = 9, constant weights",
            &[false, true, true],
            "MAC",
            conv_macs,
        )?,
        row(
            Conv2dRequant::fusing(&conv(8), 9, 8),
            "3x3, 8x8x4 -> 4, pad 1, s = 9, private weights",
            &[false, false, false],
            "MAC",
            conv_macs,
        )?,
        row(
            CvmRightShift {
                s: 10,
                p: 8,
                n: 64,
                px: dense_acc,
            },
            &format!("{dense_acc}-bit, s = 10, p = 8"),
            &[],
            "output",
            64,
        )?,
        row(CvmClip { p: 8, n: 64, px: 16 }, "16-bit -> 8-bit", &[], "output", 64)?,
        row(
            CvmClip { p: 8, n: 64, px: 8 },
            "8-bit -> 8-bit (no-op)",
            &[],
            "output",
            64,
        )?,
        row(
            Clip {
                a_min: 0,
                a_max: 100,
                n: 64,
                px: 8,
            },
            "int8 to [0, 100]",
            &[],
            "output",
            64,
        )?,
        row(
            CvmLeftShift {
                s: 4,
                p: 8,
                n: 64,
                px: 8,
            },
            "int8, s = 4, p = 8",
            &[],
            "output",
            64,
        )?,
        row(Relu { n: 64, px: 8 }, "int8", &[], "output", 64)?,
        row(
            MaxPool2d {
                kh: 2,
                kw: 2,
                sh: 2,
                sw: 2,
                ph: 0,
                pw: 0,
                ceil_mode: false,
                nb: 1,
                c: 4,
                h: 8,
                w: 8,
                px: 8,
            },
            "2x2 stride 2, 8x8x4, int8",
            &[],
            "output",
            64,
        )?,
        row(
            Broadcast {
                op: BROADCAST_ADD,
                a0: 1,
                a1: 4,
                a2: 8,
                a3: 8,
                b0: 1,
                b1: 4,
                b2: 1,
                b3: 1,
                pa: 8,
                pb: 8,
            },
            "add, 4x8x8 + 4x1x1",
            &[],
            "output",
            256,
        )?,
        row(pairwise(BROADCAST_MUL), "mul, 64 x 64 signals", &[], "output", 64)?,
        row(pairwise(BROADCAST_MAX), "max, 64 x 64 signals", &[], "output", 64)?,
        row(
            pairwise(BROADCAST_GREATER),
            "greater, 64 x 64 signals",
            &[],
            "output",
            64,
        )?,
        row(pairwise(BROADCAST_DIV), "div, 64 / 64 signals", &[], "output", 64)?,
        row(Negative { n: 64, px: 8 }, "int8", &[], "output", 64)?,
        row(Abs { n: 64, px: 8 }, "int8", &[], "output", 64)?,
        row(CvmPrecision { n: 64, px: 8 }, "int8", &[], "output", 64)?,
        row(
            Take {
                outer: 1,
                n: 256,
                inner: 1,
                px: 8,
                ni: 64,
                pi: 8,
            },
            "cvm_lut: 64 int8 indices into a constant table of 256",
            &[true, false],
            "lookup",
            64,
        )?,
        row(
            Take {
                outer: 1,
                n: 16,
                inner: 8,
                px: 8,
                ni: 4,
                pi: 8,
            },
            "4 rows of a private 16x8 matrix by private int8 indices",
            &[false, false],
            "output",
            32,
        )?,
        row(
            TakeConstant {
                outer: 1,
                n: 16,
                inner: 8,
                px: 8,
                ni: 4,
                pi: 8,
            },
            "4 rows of a private 16x8 matrix by constant indices",
            &[],
            "output",
            32,
        )?,
        row(
            stump(),
            "a stump on 30 int16 features, public model",
            &[false, true, true, true, true, true],
            "branch",
            1,
        )?,
        row(
            stump(),
            "a stump on 30 int16 features, committed threshold and leaves",
            &[],
            "branch",
            1,
        )?,
        row(
            Where {
                m: 1,
                nc: 64,
                pc: 8,
                n: 64,
                pa: 8,
                pb: 8,
            },
            "a condition per element, 64 int8",
            &[],
            "output",
            64,
        )?,
        row(
            Where {
                m: 4,
                nc: 1,
                pc: 8,
                n: 16,
                pa: 8,
                pb: 8,
            },
            "one condition per row, 4 x 16 int8",
            &[],
            "output",
            64,
        )?,
        row(per_channel(REDUCE_SUM), "sum over 8x8 of 4x8x8, int8", &[], "output", 4)?,
        row(per_channel(REDUCE_MAX), "max over 8x8 of 4x8x8, int8", &[], "output", 4)?,
        row(
            Argmax {
                outer: 1,
                n: 10,
                inner: 1,
                px: 8,
            },
            "10 int8 scores",
            &[],
            "output",
            1,
        )?,
        row(
            SumPool2d {
                kh: 2,
                kw: 2,
                sh: 2,
                sw: 2,
                ph: 0,
                pw: 0,
                average: false,
                nb: 1,
                c: 4,
                h: 8,
                w: 8,
                px: 8,
            },
            "sum, 2x2 stride 2, 8x8x4, int8",
            &[],
            "output",
            64,
        )?,
        row(
            SumPool2d {
                kh: 2,
                kw: 2,
                sh: 2,
                sw: 2,
                ph: 0,
                pw: 0,
                average: true,
                nb: 1,
                c: 4,
                h: 8,
                w: 8,
                px: 8,
            },
            "average, 2x2 stride 2, 8x8x4, int8",
            &[],
            "output",
            64,
        )?,
        row(
            SumPool2d {
                kh: 3,
                kw: 3,
                sh: 1,
                sw: 1,
                ph: 1,
                pw: 1,
                average: true,
                nb: 1,
                c: 4,
                h: 8,
                w: 8,
                px: 8,
            },
            "average, 3x3 stride 1 pad 1, 8x8x4, int8",
            &[],
            "output",
            256,
        )?,
        row(
            Repeat {
                axis: 3,
                times: 2,
                n0: 1,
                n1: 4,
                n2: 8,
                n3: 8,
                px: 8,
            },
            "columns twice, 4x8x8",
            &[],
            "output",
            512,
        )?,
        row(
            Tile {
                r0: 1,
                r1: 2,
                r2: 1,
                r3: 1,
                n0: 1,
                n1: 4,
                n2: 8,
                n3: 8,
                px: 8,
            },
            "channels twice, 4x8x8",
            &[],
            "output",
            512,
        )?,
        row(
            Transpose {
                p0: 0,
                p1: 2,
                p2: 3,
                p3: 1,
                n0: 1,
                n1: 4,
                n2: 8,
                n3: 8,
                px: 8,
            },
            "NCHW -> NHWC, 4x8x8",
            &[],
            "output",
            256,
        )?,
        row(
            Pad {
                top: 1,
                bottom: 1,
                left: 1,
                right: 1,
                value: 0,
                nb: 1,
                c: 4,
                h: 8,
                w: 8,
                px: 8,
            },
            "1 on every side, 4x8x8",
            &[],
            "output",
            400,
        )?,
        row(
            Concatenate {
                axis: 1,
                a0: 1,
                a1: 4,
                a2: 8,
                a3: 8,
                b0: 1,
                b1: 4,
                b2: 8,
                b3: 8,
                pa: 8,
                pb: 8,
            },
            "channels, 4x8x8 + 4x8x8",
            &[],
            "output",
            512,
        )?,
        row(
            StridedSlice {
                b0: 0,
                b1: 0,
                b2: 0,
                b3: 1,
                e0: 1,
                e1: 4,
                e2: 8,
                e3: 8,
                s0: 1,
                s1: 1,
                s2: 2,
                s3: 2,
                n0: 1,
                n1: 4,
                n2: 8,
                n3: 8,
                px: 8,
            },
            "every other row and column, 4x8x8",
            &[],
            "output",
            64,
        )?,
        row(
            Upsampling {
                scale: 2,
                nb: 1,
                c: 1,
                h: 8,
                w: 8,
                px: 8,
            },
            "x2, 8x8",
            &[],
            "output",
            256,
        )?,
        row(
            Reshape { n: 64, px: 8 },
            "64 elements (also flatten)",
            &[],
            "output",
            64,
        )?,
        row(Bits { k: 8 }, "k = 8", &[], "call", 1)?,
        row(IsNonneg { k: 8 }, "k = 8", &[], "call", 1)?,
        row(IsZero { p: 8 }, "", &[], "call", 1)?,
        row(
            Clamp {
                k: 8,
                lo: -100,
                hi: 100,
            },
            "k = 8, both edges",
            &[],
            "call",
            1,
        )?,
        row(Max2 { k: 8 }, "k = 8", &[], "call", 1)?,
        row(OneHot { n: 16 }, "n = 16", &[], "call", 1)?,
        row(RoundShift { s: 4, k: 8 }, "s = 4, k = 8", &[], "call", 1)?,
        row(
            RequantPacked {
                s: 4,
                p: 8,
                kq: 12,
                g: 3,
            },
            "three 16-bit accumulators, s = 4",
            &[],
            "call",
            1,
        )?,
        row(DivTrunc { ka: 8, kb: 8 }, "ka = kb = 8", &[], "call", 1)?,
    ])
}

/// The cost table as Markdown.
pub fn markdown() -> Result<String, OpError> {
    let mut out = String::from("| operator | instance | constraints | per unit |\n|---|---|---:|---:|\n");
    for r in examples()? {
        let constraints = r.op.constraint_count(&r.constant)?;
        let per = constraints as f64 / r.units as f64;
        out.push_str(&format!(
            "| `{}` | {} | {} | {} per {} |\n",
            r.op.name(),
            r.instance,
            constraints,
            if per.fract() == 0.0 {
                format!("{per}")
            } else {
                format!("{per:.2}")
            },
            r.unit
        ));
    }
    Ok(out)
}

/// The cost of the field operators, which take field elements rather than
/// bounded integers and so stand apart from [`examples`]: Poseidon at every
/// width circomlib supports, and the weight commitment built on it.
pub fn field_markdown() -> Result<String, OpError> {
    use crate::commit::{enforce_commitment_groups, input_bits, Entry};
    use crate::poseidon::Poseidon;
    use crate::r1cs::Builder;
    use crate::{Bound, FieldOp};
    let mut out = String::from("| operator | instance | constraints | per unit |\n|---|---|---:|---:|\n");
    for n in 1..=16usize {
        let c = Poseidon { n }.constraint_count()?;
        out.push_str(&format!(
            "| `poseidon` | {n} input{}, t = {} | {c} | {:.2} per input |\n",
            if n == 1 { "" } else { "s" },
            n + 1,
            c as f64 / n as f64
        ));
    }
    for (n, what) in [
        (465, "465 int8 weights (one full group)"),
        (100_000, "100,000 int8 weights"),
    ] {
        let mut cs = Builder::counting();
        let (values, _) = input_bits(&mut cs, "w", &vec![0; n], Bound::prec(8))?;
        enforce_commitment_groups(&mut cs, "commitment", &[(&values, Bound::prec(8))], Entry::Proven)?;
        let c = cs.num_constraints();
        out.push_str(&format!(
            "| `commitment` | {what} | {c} | {:.2} per weight |\n",
            c as f64 / n as f64
        ));
    }
    Ok(out)
}
