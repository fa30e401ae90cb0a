import ArgumentParser

/// `hotline`: the server and its tools. Every option also reads an environment variable `HOTLINE_*`
/// (the option wins); passwords come from the environment only, never from arguments.
@main
struct Hotline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotline",
        abstract: "Beijing 12345 hotline back end.",
        subcommands: [Serve.self, Migrate.self, DemoData.self, Generate.self, ProactiveTick.self, ImportUnits.self, ImportBoundaries.self, UserCommand.self, ClientCommand.self],
        defaultSubcommand: Serve.self
    )
}
