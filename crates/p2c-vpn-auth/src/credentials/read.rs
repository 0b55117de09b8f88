//! Reading the credentials file: only a regular file, never blocking, at most
//! [`Credentials::MAX_FILE_SIZE`] bytes, with a warning when others can read it.

use std::io::Read as _;
use std::path::Path;

use super::{Credentials, CredentialsError};

/// Reads a credentials file: at most [`Credentials::MAX_FILE_SIZE`] bytes,
/// UTF-8, with a warning when group or others can access it.
pub(super) fn read_capped(path: &Path) -> Result<String, CredentialsError> {
    read_capped_raw(path).map_err(|e| match e {
        ReadError::Io(source) => CredentialsError::Io {
            path: path.to_owned(),
            source,
        },
        ReadError::TooLarge => CredentialsError::TooLarge {
            path: path.to_owned(),
            limit: Credentials::MAX_FILE_SIZE,
        },
    })
}

enum ReadError {
    Io(std::io::Error),
    TooLarge,
}

fn read_capped_raw(path: &Path) -> Result<String, ReadError> {
    // The type first, without opening: opening a FIFO for reading blocks
    // until a writer comes, and a device or a FIFO can block any read.
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    refuse_unless_regular(&meta)?;
    let file = open_nonblocking(path).map_err(ReadError::Io)?;
    // Again on what was opened: the path may have been replaced meanwhile.
    let meta = file.metadata().map_err(ReadError::Io)?;
    refuse_unless_regular(&meta)?;
    if let Some(warning) = permission_warning(path, &meta) {
        tracing::warn!("{warning}");
    }
    let cap = Credentials::MAX_FILE_SIZE;
    // The size in the metadata only sizes the buffer: a file can grow while
    // it is read. `take` is the cap.
    let expected = meta.len().min(cap + 1);
    let mut buf = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > cap {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(buf).map_err(|_| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not valid UTF-8",
        ))
    })
}

/// Only a regular file (or a link to one) is read: a directory, a FIFO, a
/// socket or a device is refused at once, naming what it is.
fn refuse_unless_regular(meta: &std::fs::Metadata) -> Result<(), ReadError> {
    let file_type = meta.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    let what = if file_type.is_dir() {
        "a directory"
    } else {
        special_file_kind(&file_type)
    };
    Err(ReadError::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("it is {what}, not a regular file"),
    )))
}

#[cfg(unix)]
fn special_file_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_file_type: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// Opens for reading without blocking: on Unix with `O_NONBLOCK`, so that a
/// path swapped for a FIFO after the type check does not block the open
/// (the type is checked again on the open file; regular files ignore the
/// flag).
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// The warning for a credentials file that group or others can access (mode
/// `& 0o077 != 0`), as ssh gives for a private key; `None` when it is
/// private, and always on other systems than Unix.
#[cfg(unix)]
fn permission_warning(path: &Path, meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    too_open_warning(path, meta.permissions().mode())
}

#[cfg(not(unix))]
fn permission_warning(_path: &Path, _meta: &std::fs::Metadata) -> Option<String> {
    None
}

#[cfg_attr(not(unix), allow(dead_code))]
pub(super) fn too_open_warning(path: &Path, mode: u32) -> Option<String> {
    let mode = mode & 0o7777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "credentials file {} can be accessed by group or others (mode {mode:04o}); \
             it holds a secret key: run `chmod 600 {}`",
            path.display(),
            path.display()
        )
    })
}
