//! Gives the binaries, tests and benches of every package that links
//! libtorch (the library, the application, test-utils: each names this
//! file as its `build`) a RUNPATH to libtorch so a user never sets
//! LD_LIBRARY_PATH. LIBTORCH comes from .cargo/config.toml
//! (the torch wheel in .venv) or from the environment.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(libtorch) = std::env::var("LIBTORCH") {
        let lib = std::path::Path::new(&libtorch).join("lib");
        // The real path: libtorch_cpu.so finds its CUDA siblings relative
        // to the folder it really lives in.
        let lib = std::fs::canonicalize(&lib).unwrap_or(lib);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
