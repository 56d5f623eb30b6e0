//! Paths as Go's `path` and `path/filepath` packages treat them (on '/' separated bytes), for the
//! names bee reads from tar archives and the paths it resolves in manifests.

/// Go's `path.Clean`.
pub fn clean(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let rooted = path[0] == b'/';
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in path.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                if parts.last().is_some_and(|p| *p != b"..") {
                    parts.pop();
                } else if !rooted {
                    parts.push(part);
                }
            }
            p => parts.push(p),
        }
    }
    let mut out = Vec::with_capacity(path.len());
    if rooted {
        out.push(b'/');
    }
    out.extend_from_slice(&parts.join(&b'/'));
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// Go's `path.Base` (of a raw tar name: trailing slashes dropped, `.` for an empty name).
pub fn base(path: &[u8]) -> Vec<u8> {
    let t = match path.iter().rposition(|&b| b != b'/') {
        Some(i) => &path[..=i],
        None if path.is_empty() => return b".".to_vec(),
        None => return b"/".to_vec(),
    };
    match t.iter().rposition(|&b| b == b'/') {
        Some(i) => t[i + 1..].to_vec(),
        None => t.to_vec(),
    }
}

/// Go's `filepath.Ext`.
pub fn ext(path: &[u8]) -> &[u8] {
    for i in (0..path.len()).rev() {
        match path[i] {
            b'/' => return b"",
            b'.' => return &path[i..],
            _ => {}
        }
    }
    b""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_paths() {
        assert_eq!(clean(b"./a//b/../c/"), b"a/c");
        assert_eq!(clean(b"/../x"), b"/x");
        assert_eq!(clean(b"./"), b".");
        assert_eq!(base(b"a/b/"), b"b");
        assert_eq!(ext(b"a.d/b"), b"");
        assert_eq!(ext(b"a/b.tar.gz"), b".gz");
    }
}
