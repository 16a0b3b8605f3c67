//! Calibration and evaluation data: float samples and integer labels from
//! `.npy` files (NumPy's format), `.npz` archives of them, or JSON arrays.

use super::error::ImportError;
use ndarray_npy::ReadNpyExt;
use std::path::Path;
use tract_onnx::prelude::tract_ndarray::ArrayD;

/// Samples of one input shape, each flattened row-major.
pub struct Samples {
    pub rows: Vec<Vec<f32>>,
}

fn bad(path: &Path, why: impl Into<String>) -> ImportError {
    ImportError::Data {
        file: path.display().to_string(),
        why: why.into(),
    }
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

fn read(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path).map_err(|e| bad(path, e.to_string()))
}

/// The largest array read out of an `.npz` archive: compressed data can
/// claim any size, so reading stops here.
const MAX_NPZ_ARRAY: u64 = 1 << 30;

/// The bytes of a `.npy` file, or of one array of an `.npz` archive
/// (`np.savez`, compressed or not): the one named by `names` (first
/// match), or its only array.
fn npy_bytes(path: &Path, names: &[&str]) -> Result<Vec<u8>, ImportError> {
    if path.extension().is_none_or(|e| e != "npz") {
        return read(path);
    }
    let file = std::fs::File::open(path).map_err(|e| bad(path, e.to_string()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(path, format!("not an .npz archive: {e}")))?;
    let arrays: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.strip_suffix(".npy"))
        .map(String::from)
        .collect();
    let chosen = match names.iter().find(|n| arrays.iter().any(|a| a == *n)) {
        Some(n) => n.to_string(),
        None if arrays.len() == 1 => arrays[0].clone(),
        None => {
            return Err(bad(
                path,
                format!(
                    "holds arrays {arrays:?}; name one {} or keep one array",
                    names.join(" or ")
                ),
            ))
        }
    };
    let entry = zip
        .by_name(&format!("{chosen}.npy"))
        .map_err(|e| bad(path, format!("array `{chosen}`: {e}")))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(entry, MAX_NPZ_ARRAY + 1), &mut bytes)
        .map_err(|e| bad(path, format!("array `{chosen}`: {e}")))?;
    if bytes.len() as u64 > MAX_NPZ_ARRAY {
        return Err(bad(
            path,
            format!("array `{chosen}` is larger than {MAX_NPZ_ARRAY} bytes"),
        ));
    }
    Ok(bytes)
}

/// Samples for an input of `shape` (batch axis 1 first): an array
/// `[n, shape[1..]...]` (float32 or float64 `.npy`, the array `x` or the
/// only array of an `.npz`, or JSON; `[n]` for one value per sample), or
/// in JSON a list of samples, each flat or nested.
pub fn samples(path: &Path, shape: &[usize]) -> Result<Samples, ImportError> {
    let per: usize = shape.iter().product();
    let sample_dims = &shape[1..];
    let (mut dims, flat) = if is_json(path) {
        json_values(path)?
    } else {
        npy_floats(path)?
    };
    // One value per sample may come as a plain list `[n]` (regression
    // targets as numpy keeps them).
    if dims.len() == 1 && sample_dims == [1] {
        dims.push(1);
    }
    let n = dims.first().copied().unwrap_or(0);
    // JSON samples may be nested or flat: only their value count is known.
    let shaped = if is_json(path) {
        dims.len() == 2
    } else {
        dims.get(1..) == Some(sample_dims)
    };
    if n == 0 || !shaped || flat.len() != n * per {
        return Err(bad(
            path,
            format!("shape {dims:?}; the model's input needs [n, {}]", join(sample_dims)),
        ));
    }
    if let Some(i) = flat.iter().position(|v| !v.is_finite()) {
        return Err(bad(path, format!("value {i} is {}", flat[i])));
    }
    Ok(Samples {
        rows: flat.chunks(per).map(<[f32]>::to_vec).collect(),
    })
}

/// Class labels, one per sample: integer `.npy` (or the array `y` or
/// `labels`, or the only array, of an `.npz`) or a JSON list.
pub fn labels(path: &Path) -> Result<Vec<usize>, ImportError> {
    let values: Vec<i64> = if is_json(path) {
        serde_json::from_slice(&read(path)?).map_err(|e| bad(path, format!("not a JSON list of integers: {e}")))?
    } else {
        let bytes = npy_bytes(path, &["y", "labels"])?;
        match ArrayD::<i64>::read_npy(&bytes[..]) {
            Ok(a) if a.ndim() == 1 => a.iter().copied().collect(),
            Ok(a) => return Err(bad(path, format!("shape {:?}; labels are one list [n]", a.shape()))),
            Err(_) => ArrayD::<i32>::read_npy(&bytes[..])
                .map_err(|e| bad(path, format!("not an int64 or int32 .npy array: {e}")))?
                .iter()
                .map(|&v| v as i64)
                .collect(),
        }
    };
    values
        .into_iter()
        .map(|v| usize::try_from(v).map_err(|_| bad(path, format!("negative label {v}"))))
        .collect()
}

fn npy_floats(path: &Path) -> Result<(Vec<usize>, Vec<f32>), ImportError> {
    let bytes = npy_bytes(path, &["x"])?;
    if let Ok(a) = ArrayD::<f32>::read_npy(&bytes[..]) {
        return Ok((a.shape().to_vec(), a.iter().copied().collect()));
    }
    let a = ArrayD::<f64>::read_npy(&bytes[..])
        .map_err(|e| bad(path, format!("not a float32 or float64 .npy array: {e}")))?;
    Ok((a.shape().to_vec(), a.iter().map(|&v| v as f32).collect()))
}

/// A JSON array's shape and values; samples may be nested arrays or flat
/// lists, so a JSON file's shape is `[n, values per sample]`.
fn json_values(path: &Path) -> Result<(Vec<usize>, Vec<f32>), ImportError> {
    let value: serde_json::Value =
        serde_json::from_slice(&read(path)?).map_err(|e| bad(path, format!("not JSON: {e}")))?;
    let serde_json::Value::Array(rows) = value else {
        return Err(bad(path, "not a JSON array of samples"));
    };
    let mut flat = Vec::new();
    let mut per = None;
    for (i, row) in rows.iter().enumerate() {
        let before = flat.len();
        flatten(row, &mut flat).map_err(|why| bad(path, format!("sample {i}: {why}")))?;
        let n = flat.len() - before;
        if *per.get_or_insert(n) != n {
            return Err(bad(
                path,
                format!("sample {i} has {n} values, sample 0 has {}", per.unwrap_or(0)),
            ));
        }
    }
    Ok((vec![rows.len(), per.unwrap_or(0)], flat))
}

fn flatten(v: &serde_json::Value, out: &mut Vec<f32>) -> Result<(), String> {
    match v {
        serde_json::Value::Array(items) => items.iter().try_for_each(|x| flatten(x, out)),
        serde_json::Value::Number(n) => {
            out.push(n.as_f64().ok_or("a number out of range")? as f32);
            Ok(())
        }
        other => Err(format!("{other} is not a number")),
    }
}

fn join(dims: &[usize]) -> String {
    dims.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}
