import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The process's entry: hands Swift Concurrency's global executor to NIO's event loops, then runs `hotline`.
///
/// The HTTP server and the PostgreSQL connections run on NIO's event loops (`MultiThreadedEventLoopGroup.singleton`).
/// With Swift's own global pool beside them, every request hops between the two thread pools several times (once
/// per statement), and on two cores those switches were about a third of the server's CPU (`perf`, docs/benchmarks.md).
/// With NIO's loops as the global executor, request handlers run on the loops that do the I/O.
/// `HOTLINE_EXECUTOR=swift` keeps Swift's pool (to compare).
@main
enum Entry {
    static func main() async {
        if ProcessInfo.processInfo.environment["HOTLINE_EXECUTOR"] != "swift" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await Hotline.main()
    }
}

/// `hotline`: the server and its tools. Every option also reads an environment variable `HOTLINE_*`
/// (the option wins); passwords come from the environment only, never from arguments.
struct Hotline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotline",
        abstract: "Beijing 12345 hotline back end.",
        subcommands: [Serve.self, Migrate.self, DemoData.self, Generate.self, ProactiveTick.self, ImportUnits.self, ImportBoundaries.self, UserCommand.self, ClientCommand.self],
        defaultSubcommand: Serve.self
    )
}
