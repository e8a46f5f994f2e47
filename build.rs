// Embeds every case file of cases/ in the binary, so the shipped custom
// cases run from anywhere without the source tree.
use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=cases");
    let mut names: Vec<String> = std::fs::read_dir("cases")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("pub const SHIPPED: &[(&str, &str)] = &[\n");
    for n in names {
        println!("cargo:rerun-if-changed=cases/{n}");
        let _ = writeln!(
            out,
            "    (\"cases/{n}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/cases/{n}\"))),"
        );
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("shipped_cases.rs");
    std::fs::write(dest, out).unwrap();
}
