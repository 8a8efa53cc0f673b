//! Builds the conformance snapshots (`snapshots/**/*.snap`) into the binary.

use std::path::Path;

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "snap") {
            let rel = p.strip_prefix(root).unwrap().with_extension("");
            let name = rel.to_string_lossy().replace('\\', "/");
            out.push((name, p.to_string_lossy().into_owned()));
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    println!("cargo:rerun-if-changed=snapshots");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let mut code = String::from("pub static SNAPSHOTS: &[(&str, &str)] = &[\n");
    for (name, path) in files {
        code.push_str(&format!("    ({name:?}, include_str!({path:?})),\n"));
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("conform_snapshots.rs");
    std::fs::write(out, code).unwrap();
}
