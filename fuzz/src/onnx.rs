//! The ONNX importer's reading on arbitrary bytes: what `section9 import`
//! does before calibration (decode, check, translate, build tract's float
//! reference) returns a value or an error, never a panic.

use section9_zoo::import::{onnx, reference::Reference, translate};

pub fn onnx(data: &[u8]) {
    let Ok(model) = onnx::read(data) else { return };
    if translate::translate(&model).is_ok() {
        // Only models the translator accepts reach tract in an import.
        let _ = Reference::new(&model);
    }
}
