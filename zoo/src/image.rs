//! Generator outputs as PNG pictures.

/// Pictures are enlarged (nearest neighbour) to at least this many pixels
/// across, so an 8x8 digit is visible.
pub const MIN_WIDTH: usize = 256;

/// The channels, height and width of a `[1, c, h, w]` picture with pixels
/// in `0..=max`, or why a tensor of this shape and bound is none.
pub fn picture_shape(shape: &[usize], max: i64) -> Result<(usize, usize, usize), String> {
    let (c, h, w) = match shape {
        [1, c @ (1 | 3), h, w] if *h > 0 && *w > 0 => (*c, *h, *w),
        _ => return Err(format!("a picture needs shape [1, 1 or 3, h, w], got {shape:?}")),
    };
    if max <= 0 {
        return Err(format!("pixel maximum {max} must be positive"));
    }
    Ok((c, h, w))
}

/// Encodes a `[1, c, h, w]` tensor of pixels in `0..=max` (c = 1 grey,
/// c = 3 RGB) as a PNG, each pixel enlarged to a square of
/// `ceil(MIN_WIDTH / w)`.
pub fn to_png(shape: &[usize], pixels: &[i64], max: i64) -> Result<Vec<u8>, String> {
    let (c, h, w) = picture_shape(shape, max)?;
    if h * w * c != pixels.len() {
        return Err(format!("{} pixels for a picture of shape {shape:?}", pixels.len()));
    }
    if let Some(v) = pixels.iter().find(|&&v| !(0..=max).contains(&v)) {
        return Err(format!("pixel value {v} is outside 0..={max}"));
    }
    let k = MIN_WIDTH.div_ceil(w);
    let (ow, oh) = (w * k, h * k);
    let mut data = Vec::with_capacity(ow * oh * c);
    for y in 0..oh {
        for x in 0..ow {
            for ch in 0..c {
                let v = pixels[(ch * h + y / k) * w + x / k];
                data.push(((v * 255 + max / 2) / max) as u8);
            }
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, ow as u32, oh as u32);
    enc.set_color(if c == 1 {
        png::ColorType::Grayscale
    } else {
        png::ColorType::Rgb
    });
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&data).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grey_digit_round_trips_through_png() {
        let pixels: Vec<i64> = (0..64).map(|i| i * 2).collect();
        let bytes = to_png(&[1, 1, 8, 8], &pixels, 127).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (256, 256));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        // Pixel (row 0, column 5) sits at x = 5 * 32 in the enlarged picture.
        assert_eq!(buf[5 * 32], ((10 * 255 + 63) / 127) as u8);
        assert_eq!(buf[255 * 256 + 255], ((126 * 255 + 63) / 127) as u8);
    }

    #[test]
    fn non_pictures_are_refused_by_name() {
        assert!(to_png(&[1, 10], &[0; 10], 127).unwrap_err().contains("[1, 10]"));
        assert!(to_png(&[1, 1, 1, 2], &[0, 128], 127).unwrap_err().contains("128"));
    }
}
