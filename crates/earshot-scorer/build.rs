//! Gives `earshot-score`, and this crate's tests and benches (the only
//! things in the workspace that link libtorch) a RUNPATH to libtorch so a
//! user never sets LD_LIBRARY_PATH. LIBTORCH comes from .cargo/config.toml
//! (the torch wheel in .venv) or from the environment.
//!
//! It also builds the c10 warning shim (`src/c10_warnings.cpp`) against
//! that libtorch's headers: libtorch's warnings then go to earshot's log
//! instead of stderr.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rustc-check-cfg=cfg(earshot_c10_shim)");
    if let Ok(libtorch) = std::env::var("LIBTORCH") {
        let lib = Path::new(&libtorch).join("lib");
        // The real path: libtorch_cpu.so finds its CUDA siblings relative
        // to the folder it really lives in.
        let lib = std::fs::canonicalize(&lib).unwrap_or(lib);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
        c10_shim(Path::new(&libtorch), &lib);
        libtorch_version(Path::new(&libtorch));
    }
}

/// The linked libtorch's version, for the key of the precision cache
/// (`src/calibrate.rs`): `build-version` in a libtorch archive, or
/// `__version__` in the torch wheel's `version.py`. The scorer's RUNPATH
/// points at this libtorch, so it is the one that runs.
fn libtorch_version(libtorch: &Path) {
    let archive = libtorch.join("build-version");
    let wheel = libtorch.join("version.py");
    println!("cargo:rerun-if-changed={}", archive.display());
    println!("cargo:rerun-if-changed={}", wheel.display());
    let version = std::fs::read_to_string(&archive)
        .ok()
        .map(|v| v.trim().to_string())
        .or_else(|| {
            let text = std::fs::read_to_string(&wheel).ok()?;
            let line = text.lines().find(|l| l.starts_with("__version__"))?;
            let v = line.split('=').nth(1)?.trim().trim_matches(['\'', '"']);
            Some(v.to_string())
        })
        .filter(|v| !v.is_empty() && !v.contains(char::is_whitespace));
    if let Some(v) = version {
        println!("cargo:rustc-env=EARSHOT_LIBTORCH_VERSION={v}");
    }
}

/// Compiles the shim with the flags torch-sys compiles tch's own C++ with
/// (C++17, the libtorch's C++ ABI from LIBTORCH_CXX11_ABI) and links it with
/// libc10. Without the headers, the scorer builds without it (libtorch's
/// warnings stay on stderr) and says so.
fn c10_shim(libtorch: &Path, lib: &Path) {
    let src = "src/c10_warnings.cpp";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    let include = libtorch.join("include");
    if !include.join("c10/util/Exception.h").is_file() {
        println!(
            "cargo:warning=no c10 headers under {}: libtorch's warnings will print on stderr",
            include.display()
        );
        return;
    }
    let abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".to_string());
    cc::Build::new()
        .cpp(true)
        .pic(true)
        .warnings(false)
        .include(&include)
        .flag("-std=c++17")
        .define("_GLIBCXX_USE_CXX11_ABI", abi.as_str())
        .file(src)
        .compile("earshot_c10_warnings");
    println!("cargo:rustc-link-search=native={}", lib.display());
    println!("cargo:rustc-link-lib=dylib=c10");
    println!("cargo:rustc-cfg=earshot_c10_shim");
}
