//! Writing output files so that a reader never sees half of one, and
//! reading large ones quickly.
//!
//! Keys, proofs and exported circuits are read back by other processes, some
//! of them while we are still writing. A crash or a full disk in the middle of
//! a plain `fs::write` leaves a truncated file under the final name, which the
//! next run would then trust.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file that could not be written; `path` is the final name asked for.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {step}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    /// What was being done when it failed, for the message.
    pub step: &'static str,
    #[source]
    pub source: io::Error,
}

/// The whole file, read in as many parts as rayon has threads: copying a
/// large key out of the page cache and faulting in the buffer for it takes a
/// single thread as long as parsing the key takes all of them.
pub fn read_whole(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let len = usize::try_from(file.metadata()?.len())
        .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "the file is larger than memory"))?;
    let mut bytes = vec![0u8; len];
    read_parts(&file, &mut bytes)?;
    Ok(bytes)
}

#[cfg(unix)]
fn read_parts(file: &File, bytes: &mut [u8]) -> io::Result<()> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    let part = bytes.len().div_ceil(rayon::current_num_threads()).max(1 << 20);
    bytes
        .par_chunks_mut(part)
        .enumerate()
        .try_for_each(|(i, chunk)| file.read_exact_at(chunk, (i * part) as u64))
}

#[cfg(not(unix))]
fn read_parts(mut file: &File, bytes: &mut [u8]) -> io::Result<()> {
    use std::io::Read;
    file.read_exact(bytes)
}

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// flushed to disk and then renamed over `path`: other readers see either the
/// old file or the whole new one. The directory must exist.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<(), WriteError> {
    let path = path.as_ref();
    let fail = |step: &'static str| {
        move |source: io::Error| WriteError {
            path: path.to_path_buf(),
            step,
            source,
        }
    };
    let name = path.file_name().ok_or_else(|| {
        fail("naming the temporary file")(io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))
    })?;
    // rename is only atomic within one file system, hence the same directory.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // `.<name>.<random>.tmp`: hidden, so listings ignore a leftover from a
    // crash, and unique, so concurrent writers of one path never share one.
    // Dropped unpersisted (any error below), tempfile removes it.
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut file = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail("creating a temporary file"))?;
    file.write_all(bytes).map_err(fail("writing the temporary file"))?;
    // Without this the rename can reach the disk before the data does, and a
    // crash would leave an empty or partial file under the final name.
    file.as_file().sync_all().map_err(fail("flushing the temporary file"))?;
    file.persist(path)
        .map_err(|e| fail("renaming the temporary file")(e.error))?;
    sync_dir(dir).map_err(fail("flushing the directory"))
}

/// Writes each `(path, bytes)` as [`write_atomic`] does, side by side on
/// threads: each waits for its flushes to reach the disk, and those waits
/// overlap (five small files took 5-13 ms one after another). On an error,
/// the files written before it stay and the others are not written.
pub fn write_atomic_all(files: &[(&Path, &[u8])]) -> Result<(), WriteError> {
    if cfg!(target_arch = "wasm32") {
        return files.iter().try_for_each(|(path, bytes)| write_atomic(path, bytes));
    }
    std::thread::scope(|s| {
        let writes: Vec<_> = files
            .iter()
            .map(|&(path, bytes)| s.spawn(move || write_atomic(path, bytes)))
            .collect();
        writes
            .into_iter()
            .try_for_each(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// Makes the rename itself durable: on Unix a directory entry reaches the disk
/// only when the directory is flushed.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("section9-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Several parts (a part is at least 1 MiB), a short last one, an empty
    /// file and a missing one.
    #[test]
    fn reads_whole_files_in_parts() {
        let dir = scratch("read");
        for len in [0, 1, (1 << 20) - 1, 5 << 20 | 12345] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let path = dir.join(format!("{len}.bin"));
            fs::write(&path, &bytes).unwrap();
            assert!(read_whole(&path).unwrap() == bytes, "{len} bytes");
        }
        assert_eq!(
            read_whole(dir.join("missing")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = scratch("replace");
        let path = dir.join("out.bin");
        write_atomic(&path, b"a long first version").unwrap();
        write_atomic(&path, b"short").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"short");
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.bin")]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_path() {
        let dir = scratch("missing");
        let path = dir.join("nowhere").join("out.bin");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert_eq!(err.path, path);
        assert!(err.to_string().contains("nowhere"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writes_several_files_at_once_and_names_the_one_that_fails() {
        let dir = scratch("all");
        fs::create_dir(dir.join("sub")).unwrap();
        let (a, b) = (dir.join("a.json"), dir.join("sub").join("b.json"));
        write_atomic_all(&[(&a, b"first"), (&b, b"second")]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"first");
        assert_eq!(fs::read(&b).unwrap(), b"second");
        let missing = dir.join("nowhere").join("c.json");
        let err = write_atomic_all(&[(&a, b"again"), (&missing, b"x")]).unwrap_err();
        assert_eq!(err.path, missing);
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "no temporary is left: {names:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_path_without_a_file_name_is_refused() {
        assert!(write_atomic("/", b"x").is_err());
    }
}
