// Routes libtorch's c10 warnings (TORCH_WARN, TORCH_WARN_ONCE) to a
// callback earshot gives (its `tracing` log) instead of c10's default
// handler, which prints them to stderr (see c10.rs). Built by build.rs
// against the headers of the libtorch tch links (LIBTORCH).
#include <c10/util/Exception.h>

#include <cstddef>
#include <string>
#include <variant>

extern "C" {
// kind: 0 a warning, 1 a deprecation warning.
typedef void (*earshot_c10_warning_fn)(const char* msg, size_t len, int kind);
}

namespace {

class ToCallback : public c10::WarningHandler {
 public:
  earshot_c10_warning_fn callback = nullptr;

  void process(const c10::Warning& warning) override {
    if (callback == nullptr) {
      c10::WarningHandler::process(warning);
      return;
    }
    const std::string& msg = warning.msg();
    int kind = std::holds_alternative<c10::Warning::DeprecationWarning>(warning.type()) ? 1 : 0;
    callback(msg.data(), msg.size(), kind);
  }
};

// Lives as long as the process: c10 keeps a pointer to it.
ToCallback handler;

}  // namespace

// Makes `callback` receive the c10 warnings raised on the calling thread
// (c10 keeps one handler per thread).
extern "C" void earshot_c10_route_warnings(earshot_c10_warning_fn callback) noexcept {
  handler.callback = callback;
  c10::WarningUtils::set_warning_handler(&handler);
}
