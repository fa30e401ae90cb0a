import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The process's entry. With `HOTLINE_EXECUTOR=nio`, Swift Concurrency's global executor becomes NIO's event loops
/// (`MultiThreadedEventLoopGroup.singleton`, where the HTTP server and the PostgreSQL connections run), so handlers
/// run on the threads that own the sockets instead of hopping between two thread pools. Measured back to back at
/// 8 connections (docs/benchmarks.md) it changed the ratios to pgbench by at most 0.02 and made detail and intake
/// cost slightly more server CPU, so Swift's own pool stays the default; the switch remains for other machines.
@main
enum Entry {
    static func main() async {
        if ProcessInfo.processInfo.environment["HOTLINE_EXECUTOR"] == "nio" {
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
