//! The container writes into a staging folder beside the report folder;
//! only a run that produced its index replaces the previous reports. A run
//! that fails leaves the previous reports as they were, and the staging
//! folder is removed whatever happens.

use std::path::{Path, PathBuf};

pub struct Staging {
    pub dir: PathBuf,
    out: PathBuf,
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Staging {
    /// A fresh folder next to `out` (same file system, so files move by rename).
    pub fn new(out: &Path) -> Result<Staging, String> {
        let parent = out.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let name = out
            .file_name()
            .map_or("reports".into(), |n| n.to_string_lossy().into_owned());
        let dir = parent.join(format!(
            ".{name}.wsspec-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let dir = std::fs::canonicalize(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
        })
    }

    pub fn has_index(&self) -> bool {
        self.dir.join("index.json").exists()
    }

    /// Moves the new reports into the report folder, removing the files the
    /// previous index named (and its index) that the new run did not write.
    pub fn commit(&self) -> Result<(), String> {
        let err = |p: &Path, e: std::io::Error| format!("cannot update {}: {e}", p.display());
        std::fs::create_dir_all(&self.out).map_err(|e| err(&self.out, e))?;
        let fresh: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map_err(|e| err(&self.dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        for stale in previous_files(&self.out) {
            if !fresh.iter().any(|f| f.file_name() == Some(stale.as_os_str())) {
                let _ = std::fs::remove_file(self.out.join(&stale));
            }
        }
        for f in fresh {
            if let Some(name) = f.file_name() {
                let to = self.out.join(name);
                std::fs::rename(&f, &to).map_err(|e| err(&to, e))?;
            }
        }
        Ok(())
    }
}

/// The files a report folder's index.json names (per-case JSON and the
/// HTML pages beside them), and the index pages themselves.
pub fn previous_files(out: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(out.join("index.json")) else {
        return Vec::new();
    };
    let Ok(index) = crate::report::json::parse(&text) else {
        return Vec::new();
    };
    let mut files = vec![PathBuf::from("index.json"), PathBuf::from("index.html")];
    for cases in index.as_object().into_iter().flat_map(|a| a.values()) {
        for case in cases.as_object().into_iter().flat_map(|c| c.values()) {
            if let Some(f) = case["reportfile"].as_str()
                && !f.contains('/')
                && !f.contains("..")
            {
                files.push(PathBuf::from(f));
                files.push(PathBuf::from(f).with_extension("html"));
            }
        }
    }
    files
}
