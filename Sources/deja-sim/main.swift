import ArgumentParser
import NIOCore
import NIOPosix

// Run Swift concurrency on NIO's event loops: request handlers and upstream calls then never hop
// between the concurrency pool and the I/O threads (measured in BENCHMARKS.md). Must happen
// first, on the main thread, before any task is created.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

// Called from an async function so that the async `main()` of AsyncParsableCommand is chosen
// (top-level code would pick the synchronous one, which only prints help).
func runCommand() async { await DejaSimCommand.main() }
await runCommand()
