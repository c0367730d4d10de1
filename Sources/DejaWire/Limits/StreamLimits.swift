/// Bounds on per-stream state that an upstream controls.
package enum StreamLimits {
    /// Tool calls tracked in one answer (per choice). No model emits anywhere near this many in one
    /// turn; past it a stream is treated as malformed instead of growing state without limit.
    package static let maxToolCalls = 1024
}
