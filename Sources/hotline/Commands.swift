import ArgumentParser
import Foundation
import HotlineAPI
import HotlineCore
import HotlineStore
import Hummingbird
import Logging

/// `hotline serve`: HTTPS only, migrations first unless told not to.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the API over HTTPS.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Address to listen on. [HOTLINE_HOST, default 127.0.0.1]") var host: String?
    @Option(help: "Port to listen on. [HOTLINE_PORT, default 8443]") var port: Int?
    @Option(help: "TLS certificate chain, PEM. [HOTLINE_TLS_CERT, default .data/certs/server.pem]") var tlsCert: String?
    @Option(help: "TLS private key, PEM. [HOTLINE_TLS_KEY, default .data/certs/server-key.pem]") var tlsKey: String?
    @Flag(help: "Do not apply pending migrations before serving. [HOTLINE_MIGRATE=false]") var noMigrate = false
    @Option(help: "Token that lets non-loopback callers read /metrics. [HOTLINE_METRICS_TOKEN]") var metricsToken: String?

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline")
        let portValue = try port ?? env("PORT").map {
            guard let p = Int($0), (1...65535).contains(p) else { throw ValidationError("HOTLINE_PORT must be a port number") }
            return p
        } ?? 8443
        let configuration = AppConfiguration(
            host: host ?? env("HOST") ?? "127.0.0.1",
            port: portValue,
            certificatePath: tlsCert ?? env("TLS_CERT") ?? ".data/certs/server.pem",
            privateKeyPath: tlsKey ?? env("TLS_KEY") ?? ".data/certs/server-key.pem",
            database: try db.configuration(),
            sqlDirectory: db.sqlDirectory,
            migrateOnStart: !(noMigrate || env("MIGRATE") == "false"),
            metricsToken: metricsToken ?? env("METRICS_TOKEN")
        )
        _ = HotlineMetrics.registry
        let app = try await buildApplication(configuration, logger: logger)
        try await app.runService()
    }
}

/// `hotline migrate`: apply pending migrations as the owner role and say what was done.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending SQL migrations (as the owner role).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline.migrate")
        let migrator = try Migrator(directory: db.sqlDirectory)
        let applied = try await db.configuration().withOwnerConnection(logger: logger) { connection in
            try await migrator.migrate(on: connection, logger: logger)
        }
        if applied.isEmpty {
            print("database is current (\(migrator.migrations.count) migrations)")
        } else {
            for m in applied { print("applied \(String(format: "%04d", m.version))_\(m.name)") }
        }
    }
}

/// `hotline import-units FILE`: upsert units from CSV (`id,kind,name_zh,name_en,district_code,street_type`).
struct ImportUnits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-units",
        abstract: "Import or update units from a CSV file (all lines checked first; all or nothing).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "CSV file with header id,kind,name_zh,name_en,district_code,street_type") var file: String

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline.import")
        let result = try await importUnits(file: file, database: db.configuration(), logger: logger)
        print("units: \(result.inserted) added, \(result.updated) updated")
    }
}

/// `hotline demo-data`: sample data for a local server (never run by migrations).
struct DemoData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data", abstract: "Load demo data: street-level units of all 16 districts. Idempotent.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Street-level units CSV. [HOTLINE_DEMO_UNITS, default data/demo-units.csv]") var units: String?

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline.demo")
        let result = try await importUnits(
            file: units ?? env("DEMO_UNITS") ?? "data/demo-units.csv", database: db.configuration(), logger: logger)
        print("demo units: \(result.inserted) added, \(result.updated) updated")
    }
}

func importUnits(file: String, database: DatabaseConfiguration, logger: Logger) async throws -> (inserted: Int, updated: Int) {
    let text: String
    do {
        text = try String(contentsOfFile: file, encoding: .utf8)
    } catch {
        throw ValidationError("cannot read \(file): \(error.localizedDescription)")
    }
    switch UnitImport.parse(text) {
    case .failure(let failure):
        throw ValidationError("\(file) has errors, nothing was imported:\n\(failure)")
    case .success(let units):
        return try await database.withOwnerConnection(logger: logger) { connection in
            try await UnitImport.upsert(units, on: connection, logger: logger)
        }
    }
}
