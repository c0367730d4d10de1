import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

// Run Swift concurrency on NIO's event loops: request handlers and upstream calls then never hop
// between the concurrency pool and the I/O threads (measured in BENCHMARKS.md). Must happen
// first, on the main thread, before any task is created.
if let text = ProcessInfo.processInfo.environment["DEJA_EVENT_LOOP_THREADS"], let n = Int(text), n > 0 {
    NIOSingletons.groupLoopCountSuggestion = n
}
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

// Called from an async function so that the async `main()` of AsyncParsableCommand is chosen
// (top-level code would pick the synchronous one, which only prints help).
func runCommand() async { await Deja.main() }
await runCommand()
