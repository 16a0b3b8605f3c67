//! The binary `.r1cs` (version 1) and `.wtns` (version 2) files: a magic,
//! a version, then sections of `(type u32, size u64, bytes)`; integers
//! little-endian, field elements as 32 little-endian bytes in standard
//! (not Montgomery) form.

use super::{fits_u32, CircuitLayout, ExportError};
use crate::field::Fr;
use crate::r1cs::Builder;
use ark_ff::{BigInteger, PrimeField};

const FIELD_BYTES: u32 = 32;

fn field_bytes(out: &mut Vec<u8>, x: &Fr) {
    out.extend_from_slice(&x.into_bigint().to_bytes_le());
}

fn prime(out: &mut Vec<u8>) {
    out.extend_from_slice(&Fr::MODULUS.to_bytes_le());
}

fn section(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
}

fn file(magic: &[u8; 4], version: u32, sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + sections.iter().map(|(_, b)| 12 + b.len()).sum::<usize>());
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (kind, body) in sections {
        section(&mut out, *kind, body);
    }
    out
}

/// The constraint system as a circom `.r1cs` file. Every public value is
/// declared an output (`nPubIn = 0`), so the public signals keep section9's
/// order; labels are the exported wire indices.
pub fn r1cs_bytes(cs: &Builder) -> Result<Vec<u8>, ExportError> {
    let (a, b, c) = cs.matrices();
    if a.rows() != cs.num_constraints() {
        return Err(ExportError::NoConstraints);
    }
    let order = CircuitLayout::new(cs);
    let wires = fits_u32("wires", cs.num_wires())?;
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(&FIELD_BYTES.to_le_bytes());
    prime(&mut header);
    header.extend_from_slice(&wires.to_le_bytes());
    header.extend_from_slice(&fits_u32("public values", order.num_public())?.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&fits_u32("private inputs", order.num_private_inputs())?.to_le_bytes());
    header.extend_from_slice(&u64::from(wires).to_le_bytes());
    header.extend_from_slice(&fits_u32("constraints", a.rows())?.to_le_bytes());

    let mut constraints = Vec::new();
    for i in 0..a.rows() {
        for m in [a, b, c] {
            let row = m.row(i);
            constraints.extend_from_slice(&(row.len() as u32).to_le_bytes());
            // circom lists a row's terms by exported wire index.
            let mut terms: Vec<(u32, &Fr)> = row.iter().map(|(w, coeff)| (order.index(*w), coeff)).collect();
            terms.sort_unstable_by_key(|&(p, _)| p);
            for (p, coeff) in terms {
                constraints.extend_from_slice(&p.to_le_bytes());
                field_bytes(&mut constraints, coeff);
            }
        }
    }
    let labels: Vec<u8> = (0..u64::from(wires)).flat_map(u64::to_le_bytes).collect();
    Ok(file(b"r1cs", 1, &[(1, header), (2, constraints), (3, labels)]))
}

/// The witness as a `.wtns` file, in the `.r1cs` file's wire order.
pub fn wtns_bytes(cs: &Builder) -> Result<Vec<u8>, ExportError> {
    let values = cs.values();
    if values.len() != cs.num_wires() {
        return Err(ExportError::NoWitness);
    }
    let order = CircuitLayout::new(cs);
    let mut header = Vec::with_capacity(40);
    header.extend_from_slice(&FIELD_BYTES.to_le_bytes());
    prime(&mut header);
    header.extend_from_slice(&fits_u32("wires", values.len())?.to_le_bytes());
    let mut body = Vec::with_capacity(values.len() * FIELD_BYTES as usize);
    for &w in order.wires() {
        field_bytes(&mut body, &values[w as usize]);
    }
    Ok(file(b"wtns", 2, &[(1, header), (2, body)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::Quad;

    /// `x * y = z` with `z` public, `x`, `y` private inputs, one internal.
    fn circuit() -> Builder {
        build(Builder::with_names())
    }

    fn build(mut cs: Builder) -> Builder {
        let x = cs.input("x", &[], 3, false);
        let y = cs.input("y", &[], 4, false);
        let z = cs.input("z", &[], 12, true);
        cs.enforce("xy", &[], Quad::mul(x, y).unwrap(), Quad::lin(z)).unwrap();
        cs
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn the_r1cs_header_counts_wires_and_puts_public_values_first() {
        let cs = circuit();
        let bytes = r1cs_bytes(&cs).unwrap();
        assert_eq!(&bytes[..4], b"r1cs");
        assert_eq!((u32_at(&bytes, 4), u32_at(&bytes, 8)), (1, 3));
        // Section 1 starts at 12: type, size, then the header.
        assert_eq!(u32_at(&bytes, 12), 1);
        let h = 12 + 12;
        assert_eq!(u32_at(&bytes, h), 32);
        assert_eq!(&bytes[h + 4..h + 36], &Fr::MODULUS.to_bytes_le()[..]);
        let counts: Vec<u32> = (0..4).map(|i| u32_at(&bytes, h + 36 + 4 * i)).collect();
        assert_eq!(counts, [4, 1, 0, 2], "wires, outputs, public inputs, private inputs");
        let order = CircuitLayout::new(&cs);
        assert_eq!(order.wires(), &[0, 3, 1, 2]);
    }

    #[test]
    fn the_witness_follows_the_exported_order() {
        let bytes = wtns_bytes(&circuit()).unwrap();
        assert_eq!(&bytes[..4], b"wtns");
        let values = 12 + 12 + 40 + 12;
        let at = |i: usize| bytes[values + 32 * i];
        assert_eq!([at(0), at(1), at(2), at(3)], [1, 12, 3, 4]);
    }

    #[test]
    fn builders_without_records_are_refused() {
        let cs = build(Builder::counting());
        assert_eq!(r1cs_bytes(&cs), Err(ExportError::NoConstraints));
        assert_eq!(wtns_bytes(&cs), Err(ExportError::NoWitness));
    }
}
