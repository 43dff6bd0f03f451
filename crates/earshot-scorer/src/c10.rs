//! libtorch's own warnings (c10's `TORCH_WARN`), in earshot's log instead
//! of on stderr. The int8 path's fbgemm ops warn once per process that they
//! are "deprecated and will be removed in a future PyTorch release"
//! (`fbgemm_pack_quantized_matrix`, `fbgemm_linear_int8_weight_fp32_activation`:
//! tch reaches no other int8 linear kernel), and c10's default handler
//! prints that on stderr whatever `TORCH_CPP_LOG_LEVEL` says. A small C++
//! shim (`c10_warnings.cpp`, built by `build.rs` against the headers of the
//! libtorch tch links) installs a handler that passes each warning here:
//! deprecations are logged at debug level, other warnings at warn.

#[cfg(earshot_c10_shim)]
use std::cell::Cell;
use std::os::raw::{c_char, c_int};

#[cfg(earshot_c10_shim)]
extern "C" {
    fn earshot_c10_route_warnings(callback: extern "C" fn(*const c_char, usize, c_int));
}

/// Where the shim sends each warning: `kind` 1 is a deprecation.
#[cfg_attr(not(earshot_c10_shim), allow(dead_code))]
extern "C" fn to_log(msg: *const c_char, len: usize, kind: c_int) {
    let text = if msg.is_null() {
        String::new()
    } else {
        // SAFETY: the shim passes a std::string's data and size, alive for
        // the duration of the call.
        let bytes = unsafe { std::slice::from_raw_parts(msg.cast::<u8>(), len) };
        String::from_utf8_lossy(bytes).into_owned()
    };
    log(&text, kind == 1);
}

/// Logs one libtorch warning: a deprecation (by kind or by what it says)
/// at debug level, anything else at warn.
fn log(text: &str, deprecation: bool) {
    if deprecation || text.contains("deprecated") {
        tracing::debug!(target: "earshot::libtorch", "libtorch: {text}");
    } else {
        tracing::warn!(target: "earshot::libtorch", "libtorch: {text}");
    }
}

#[cfg(earshot_c10_shim)]
thread_local! {
    static ROUTED: Cell<bool> = const { Cell::new(false) };
}

/// Routes the c10 warnings raised on this thread to the log (c10 keeps one
/// handler per thread); a no-op after the first call on a thread, and where
/// the shim could not be built.
pub(crate) fn route_warnings() {
    #[cfg(earshot_c10_shim)]
    ROUTED.with(|routed| {
        if !routed.get() {
            // SAFETY: the shim only stores the callback and its handler
            // (a static) in c10's per-thread slot.
            unsafe { earshot_c10_route_warnings(to_log) };
            routed.set(true);
        }
    });
}
