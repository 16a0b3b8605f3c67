//! A catalogue of every operator and gadget on a representative shape: the
//! source of the cost table, the circom snapshots and the circom
//! cross-checks, so each walks the same instances.

use crate::gadgets::{Bits, Clamp, DivTrunc, IsNonneg, IsZero, Max2, OneHot, RequantPacked, RoundShift};
use crate::op::{DynOp, Erased, Role};
use crate::ops::{
    Abs, Argmax, Broadcast, Clip, Concatenate, Conv2d, Conv2dRequant, ConvTranspose2d, ConvTranspose2dRequant, CvmClip,
    CvmLeftShift, CvmPrecision, CvmRightShift, Dense, DenseRequant, DivClip, Isqrt, MaxPool2d, Negative, Pad, Reduce,
    Relu, Repeat, Requant, Reshape, StridedSlice, SumPool2d, Take, TakeConstant, Tile, Transpose, TreeEnsemble,
    Upsampling, Where, BROADCAST_ADD, BROADCAST_DIV, BROADCAST_GREATER, BROADCAST_MAX, BROADCAST_MUL, REDUCE_MAX,
    REDUCE_SUM,
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

fn row<O: ZkOp<Value = i128> + 'static>(
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

/// A layer of a public model, costed per multiply-accumulate: its weights
/// and bias are circuit constants.
fn constant_weights<O: ZkOp<Value = i128> + 'static>(op: O, instance: &str, macs: usize) -> Result<Example, OpError> {
    let instance = format!("{instance}, constant weights");
    row(op, &instance, &[false, true, true], "MAC", macs)
}

/// The same layer with private weights and bias: less its constant-weight
/// row, the cost of a private multiply-accumulate.
fn private_weights<O: ZkOp<Value = i128> + 'static>(op: O, instance: &str, macs: usize) -> Result<Example, OpError> {
    let instance = format!("{instance}, private weights");
    row(op, &instance, &[false, false, false], "MAC", macs)
}

/// An operator on private inputs, costed per output element.
fn outputs<O: ZkOp<Value = i128> + 'static>(op: O, instance: &str, units: usize) -> Result<Example, OpError> {
    row(op, instance, &[], "output", units)
}

/// A gadget on private inputs, costed per call.
fn call<O: ZkOp<Value = i128> + 'static>(op: O, instance: &str) -> Result<Example, OpError> {
    row(op, instance, &[], "call", 1)
}

/// The shape most rows act on: one NCHW image of 4 channels of 8x8. The
/// constructors below make every operand int8 unless they say otherwise.
const IMAGE: [usize; 4] = [1, 4, 8, 8];

/// One int8 vector of 64 through a 64 -> 64 layer.
fn dense() -> Dense {
    Dense {
        m: 1,
        k: 64,
        n: 64,
        px: 8,
        pw: 8,
        pb: 8,
    }
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

/// `n` accumulators of `px` bits requantized to int8 by a shift of `s`.
fn requant(s: u32, n: usize, px: u32) -> Requant {
    Requant { s, p: 8, n, px }
}

/// CVM's rounding shift right by `s` of 64 signals of `px` bits, clipped
/// to int8.
fn right_shift(s: u32, px: u32) -> CvmRightShift {
    CvmRightShift { s, p: 8, n: 64, px }
}

/// CVM's shift left by `s` of 64 signals, clipped back to int8.
fn left_shift(s: u32) -> CvmLeftShift {
    CvmLeftShift { s, p: 8, n: 64, px: 8 }
}

/// 64 signals clipped to `[a_min, a_max]`.
fn clip(a_min: i64, a_max: i64) -> Clip {
    Clip {
        a_min,
        a_max,
        n: 64,
        px: 8,
    }
}

/// Max pooling of [`IMAGE`] with a square window and stride, unpadded.
fn max_pool(k: usize, s: usize) -> MaxPool2d {
    let [nb, c, h, w] = IMAGE;
    MaxPool2d {
        kh: k,
        kw: k,
        sh: s,
        sw: s,
        ph: 0,
        pw: 0,
        ceil_mode: false,
        nb,
        c,
        h,
        w,
        px: 8,
    }
}

/// Sum or average pooling of [`IMAGE`] with a square window, stride and
/// padding.
fn sum_pool(k: usize, s: usize, pad: usize, average: bool) -> SumPool2d {
    let [nb, c, h, w] = IMAGE;
    SumPool2d {
        kh: k,
        kw: k,
        sh: s,
        sw: s,
        ph: pad,
        pw: pad,
        average,
        nb,
        c,
        h,
        w,
        px: 8,
    }
}

/// Two operands of these NCHW shapes, broadcast against each other.
fn broadcast(op: u32, [a0, a1, a2, a3]: [usize; 4], [b0, b1, b2, b3]: [usize; 4]) -> Broadcast {
    Broadcast {
        op,
        a0,
        a1,
        a2,
        a3,
        b0,
        b1,
        b2,
        b3,
        pa: 8,
        pb: 8,
    }
}

/// Two operands of 64 signals each: a broadcast op's cost per element.
fn pairwise(op: u32) -> Broadcast {
    broadcast(op, [1, 1, 1, 64], [1, 1, 1, 64])
}

/// `ni` rows of `inner` elements picked out of `n` by private indices.
fn take(n: usize, inner: usize, ni: usize) -> Take {
    Take {
        outer: 1,
        n,
        inner,
        px: 8,
        ni,
        pi: 8,
    }
}

/// `ni` rows of `inner` elements picked out of `n` by constant indices.
fn take_constant(n: usize, inner: usize, ni: usize) -> TakeConstant {
    TakeConstant {
        outer: 1,
        n,
        inner,
        px: 8,
        ni,
        pi: 8,
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

/// A choice between two `m` x `n` operands by `nc` conditions per row: one
/// per element, or one for the whole row.
fn select(m: usize, nc: usize, n: usize) -> Where {
    Where {
        m,
        nc,
        pc: 8,
        n,
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

/// The index of the largest of `n` scores.
fn argmax(n: usize) -> Argmax {
    Argmax {
        outer: 1,
        n,
        inner: 1,
        px: 8,
    }
}

/// [`IMAGE`] with one axis's elements each repeated `times` over.
fn repeat(axis: u32, times: usize) -> Repeat {
    let [n0, n1, n2, n3] = IMAGE;
    Repeat {
        axis,
        times,
        n0,
        n1,
        n2,
        n3,
        px: 8,
    }
}

/// [`IMAGE`] repeated whole along each axis as many times as `r` says.
fn tile([r0, r1, r2, r3]: [usize; 4]) -> Tile {
    let [n0, n1, n2, n3] = IMAGE;
    Tile {
        r0,
        r1,
        r2,
        r3,
        n0,
        n1,
        n2,
        n3,
        px: 8,
    }
}

/// [`IMAGE`] with its axes permuted: output axis `i` is input axis `p[i]`.
fn transpose([p0, p1, p2, p3]: [u32; 4]) -> Transpose {
    let [n0, n1, n2, n3] = IMAGE;
    Transpose {
        p0,
        p1,
        p2,
        p3,
        n0,
        n1,
        n2,
        n3,
        px: 8,
    }
}

/// [`IMAGE`] padded with zeros by `by` on every side.
fn pad(by: usize) -> Pad {
    let [nb, c, h, w] = IMAGE;
    Pad {
        top: by,
        bottom: by,
        left: by,
        right: by,
        value: 0,
        nb,
        c,
        h,
        w,
        px: 8,
    }
}

/// Two copies of [`IMAGE`] joined along `axis`.
fn concatenate(axis: u32) -> Concatenate {
    let [a0, a1, a2, a3] = IMAGE;
    let [b0, b1, b2, b3] = IMAGE;
    Concatenate {
        axis,
        a0,
        a1,
        a2,
        a3,
        b0,
        b1,
        b2,
        b3,
        pa: 8,
        pb: 8,
    }
}

/// The elements of [`IMAGE`] from `b` up to `e` (exclusive) in steps of `s`,
/// per axis.
fn strided_slice(
    [b0, b1, b2, b3]: [usize; 4],
    [e0, e1, e2, e3]: [usize; 4],
    [s0, s1, s2, s3]: [usize; 4],
) -> StridedSlice {
    let [n0, n1, n2, n3] = IMAGE;
    StridedSlice {
        b0,
        b1,
        b2,
        b3,
        e0,
        e1,
        e2,
        e3,
        s0,
        s1,
        s2,
        s3,
        n0,
        n1,
        n2,
        n3,
        px: 8,
    }
}

/// One 8x8 channel scaled up by `scale` in both directions.
fn upsampling(scale: usize) -> Upsampling {
    Upsampling {
        scale,
        nb: 1,
        c: 1,
        h: 8,
        w: 8,
        px: 8,
    }
}

/// An int8 value clamped to `[lo, hi]`.
fn clamp(lo: i64, hi: i64) -> Clamp {
    Clamp { k: 8, lo, hi }
}

/// `g` accumulators of `s + kq` bits packed in one field element, each
/// requantized to int8 by a shift of `s`.
fn requant_packed(s: u32, kq: u32, g: u32) -> RequantPacked {
    RequantPacked {
        s,
        p: 8,
        kq,
        g,
        signed: 0,
    }
}

/// Every operator and gadget on a representative shape.
pub fn examples() -> Result<Vec<Example>, OpError> {
    let dense_acc = dense().output_bounds()?[0].precision();
    let conv_acc = conv(8).output_bounds()?[0].precision();
    let dense_macs = 64 * 64;
    let conv_macs = 4 * 8 * 8 * 4 * 9;
    let upconv_macs = 4 * 4 * 4 * 4 * 16;
    let dense_requant = DenseRequant::fusing(&dense(), 10, 8, false, 2);
    let conv_requant = Conv2dRequant::fusing(&conv(8), 9, 8, false, 2);
    let upconv_requant = ConvTranspose2dRequant::fusing(&upconv(), 8, 8, false, 2);
    Ok(vec![
        constant_weights(dense(), "1x64 -> 64, int8", dense_macs)?,
        private_weights(dense(), "1x64 -> 64, int8", dense_macs)?,
        outputs(
            requant(10, 64, dense_acc),
            &format!("after dense 64x64: {dense_acc}-bit -> 8-bit, s = 10"),
            64,
        )?,
        constant_weights(conv(8), "3x3, 8x8x4 -> 4, pad 1", conv_macs)?,
        private_weights(conv(8), "3x3, 8x8x4 -> 4, pad 1", conv_macs)?,
        constant_weights(upconv(), "4x4 stride 2 pad 1, 4x4x4 -> 8x8x4 (DCGAN)", upconv_macs)?,
        private_weights(upconv(), "4x4 stride 2 pad 1, 4x4x4 -> 8x8x4 (DCGAN)", upconv_macs)?,
        outputs(
            requant(9, 256, conv_acc),
            &format!("after conv2d 3x3x4: {conv_acc}-bit -> 8-bit, s = 9"),
            256,
        )?,
        constant_weights(dense_requant, "1x64 -> 64, int8, s = 10", dense_macs)?,
        private_weights(dense_requant, "1x64 -> 64, int8, s = 10", dense_macs)?,
        constant_weights(conv_requant, "3x3, 8x8x4 -> 4, pad 1, s = 9", conv_macs)?,
        private_weights(conv_requant, "3x3, 8x8x4 -> 4, pad 1, s = 9", conv_macs)?,
        constant_weights(upconv_requant, "4x4 stride 2 pad 1, 4x4x4 -> 8x8x4, s = 8", upconv_macs)?,
        private_weights(upconv_requant, "4x4 stride 2 pad 1, 4x4x4 -> 8x8x4, s = 8", upconv_macs)?,
        outputs(
            right_shift(10, dense_acc),
            &format!("{dense_acc}-bit, s = 10, p = 8"),
            64,
        )?,
        outputs(CvmClip { p: 8, n: 64, px: 16 }, "16-bit -> 8-bit", 64)?,
        outputs(CvmClip { p: 8, n: 64, px: 8 }, "8-bit -> 8-bit (no-op)", 64)?,
        outputs(clip(0, 100), "int8 to [0, 100]", 64)?,
        outputs(left_shift(4), "int8, s = 4, p = 8", 64)?,
        outputs(Relu { n: 64, px: 8 }, "int8", 64)?,
        outputs(max_pool(2, 2), "2x2 stride 2, 8x8x4, int8", 64)?,
        outputs(broadcast(BROADCAST_ADD, IMAGE, [1, 4, 1, 1]), "add, 4x8x8 + 4x1x1", 256)?,
        outputs(pairwise(BROADCAST_MUL), "mul, 64 x 64 signals", 64)?,
        outputs(pairwise(BROADCAST_MAX), "max, 64 x 64 signals", 64)?,
        outputs(pairwise(BROADCAST_GREATER), "greater, 64 x 64 signals", 64)?,
        outputs(pairwise(BROADCAST_DIV), "div, 64 / 64 signals", 64)?,
        outputs(Negative { n: 64, px: 8 }, "int8", 64)?,
        outputs(Abs { n: 64, px: 8 }, "int8", 64)?,
        outputs(CvmPrecision { n: 64, px: 8 }, "int8", 64)?,
        outputs(Isqrt { n: 1, px: 61 }, "a 61-bit sum of squares (an L2 norm)", 1)?,
        outputs(
            DivClip {
                p: 16,
                m: 1,
                n: 30,
                pa: 47,
                pb: 31,
            },
            "30 47-bit values over a 31-bit norm, to 16 bits",
            30,
        )?,
        row(
            take(256, 1, 64),
            "cvm_lut: 64 int8 indices into a constant table of 256",
            &[true, false],
            "lookup",
            64,
        )?,
        outputs(
            take(16, 8, 4),
            "4 rows of a private 16x8 matrix by private int8 indices",
            32,
        )?,
        outputs(
            take_constant(16, 8, 4),
            "4 rows of a private 16x8 matrix by constant indices",
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
        outputs(select(1, 64, 64), "a condition per element, 64 int8", 64)?,
        outputs(select(4, 1, 16), "one condition per row, 4 x 16 int8", 64)?,
        outputs(per_channel(REDUCE_SUM), "sum over 8x8 of 4x8x8, int8", 4)?,
        outputs(per_channel(REDUCE_MAX), "max over 8x8 of 4x8x8, int8", 4)?,
        outputs(argmax(10), "10 int8 scores", 1)?,
        outputs(sum_pool(2, 2, 0, false), "sum, 2x2 stride 2, 8x8x4, int8", 64)?,
        outputs(sum_pool(2, 2, 0, true), "average, 2x2 stride 2, 8x8x4, int8", 64)?,
        outputs(sum_pool(3, 1, 1, true), "average, 3x3 stride 1 pad 1, 8x8x4, int8", 256)?,
        outputs(repeat(3, 2), "columns twice, 4x8x8", 512)?,
        outputs(tile([1, 2, 1, 1]), "channels twice, 4x8x8", 512)?,
        outputs(transpose([0, 2, 3, 1]), "NCHW -> NHWC, 4x8x8", 256)?,
        outputs(pad(1), "1 on every side, 4x8x8", 400)?,
        outputs(concatenate(1), "channels, 4x8x8 + 4x8x8", 512)?,
        outputs(
            strided_slice([0, 0, 0, 1], IMAGE, [1, 1, 2, 2]),
            "every other row and column, 4x8x8",
            64,
        )?,
        outputs(upsampling(2), "x2, 8x8", 256)?,
        outputs(Reshape { n: 64, px: 8 }, "64 elements (also flatten)", 64)?,
        call(Bits { k: 8 }, "k = 8")?,
        call(IsNonneg { k: 8 }, "k = 8")?,
        call(IsZero { p: 8 }, "")?,
        call(clamp(-100, 100), "k = 8, both edges")?,
        call(Max2 { k: 8 }, "k = 8")?,
        call(OneHot { n: 16 }, "n = 16")?,
        call(RoundShift { s: 4, k: 8 }, "s = 4, k = 8")?,
        call(requant_packed(4, 12, 3), "three 16-bit accumulators, s = 4")?,
        call(
            RequantPacked {
                signed: 1,
                ..requant_packed(4, 12, 3)
            },
            "three signed 16-bit accumulators, s = 4",
        )?,
        call(DivTrunc { ka: 8, kb: 8, kq: 8 }, "ka = kb = 8")?,
        call(
            DivTrunc { ka: 47, kb: 31, kq: 16 },
            "ka = 47, kb = 31, clamped to kq = 16",
        )?,
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
    use crate::{Bound, ZkOp};
    let mut out = String::from("| operator | instance | constraints | per unit |\n|---|---|---:|---:|\n");
    for n in 1..=16usize {
        let c = Poseidon { n }.constraint_count(&[])?;
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
