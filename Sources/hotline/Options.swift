import ArgumentParser
import Foundation
import HotlineStore
import Logging

/// Reads `HOTLINE_<NAME>`; empty counts as unset.
func env(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment["HOTLINE_\(name)"], !value.isEmpty else { return nil }
    return value
}

/// An integer option, else `HOTLINE_<name>`, else `fallback`; it must lie in `range`.
func intSetting(_ option: Int?, _ name: String, _ fallback: Int, in range: ClosedRange<Int> = 1...Int.max) throws -> Int {
    let value: Int
    if let option {
        value = option
    } else if let raw = env(name) {
        guard let parsed = Int(raw) else { throw ValidationError("HOTLINE_\(name) must be a whole number") }
        value = parsed
    } else {
        return fallback
    }
    guard range.contains(value) else {
        throw ValidationError("HOTLINE_\(name) (or its option) must be \(range.lowerBound) to \(range.upperBound)")
    }
    return value
}

/// Options shared by every subcommand: logging.
struct CommonOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. [HOTLINE_LOG_LEVEL, default info]")
    var logLevel: String?

    @Option(help: "Log format: text or json (one JSON object a line). [HOTLINE_LOG_FORMAT, default text]")
    var logFormat: String?

    func makeLogger(label: String) throws -> Logger {
        let levelName = logLevel ?? env("LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("unknown log level '\(levelName)'")
        }
        let format = logFormat ?? env("LOG_FORMAT") ?? "text"
        guard format == "text" || format == "json" else { throw ValidationError("unknown log format '\(format)'") }
        LogSetup.bootstrap(json: format == "json", level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// Where the database is. Passwords: `HOTLINE_DB_PASSWORD` (app role), `HOTLINE_DB_OWNER_PASSWORD` (owner role).
struct DatabaseOptions: ParsableArguments {
    @Option(help: "Database host. [HOTLINE_DB_HOST, default 127.0.0.1]") var dbHost: String?
    @Option(help: "Database port. [HOTLINE_DB_PORT, default 54329]") var dbPort: Int?
    @Option(help: "Database name. [HOTLINE_DB_NAME, default hotline]") var dbName: String?
    @Option(help: "App login role (owns nothing, no BYPASSRLS). [HOTLINE_DB_USER, default hotline_app]") var dbUser: String?
    @Option(help: "Owner role that runs migrations. [HOTLINE_DB_OWNER_USER, default hotline_owner]") var dbOwnerUser: String?
    @Option(help: "Most pooled connections. [HOTLINE_DB_POOL_SIZE, default 10]") var dbPoolSize: Int?
    @Flag(help: "Require TLS to the database. [HOTLINE_DB_TLS=true]") var dbTLS = false
    @Option(help: "Folder of the numbered SQL migrations. [HOTLINE_SQL_DIR, default sql]") var sqlDir: String?
    @Option(help: "Folder of the district boundaries, loaded with the migrations. [HOTLINE_DISTRICTS_DIR, default data/districts beside the migrations folder]")
    var districtsDir: String?

    func configuration() throws -> DatabaseConfiguration {
        let poolSize = try intSetting(dbPoolSize, "DB_POOL_SIZE", 10, in: 1...1000)
        return DatabaseConfiguration(
            host: dbHost ?? env("DB_HOST") ?? "127.0.0.1",
            port: try intSetting(dbPort, "DB_PORT", 54329, in: 1...65535),
            database: dbName ?? env("DB_NAME") ?? "hotline",
            user: dbUser ?? env("DB_USER") ?? "hotline_app",
            password: env("DB_PASSWORD"),
            ownerUser: dbOwnerUser ?? env("DB_OWNER_USER") ?? "hotline_owner",
            ownerPassword: env("DB_OWNER_PASSWORD"),
            poolSize: poolSize,
            requireTLS: dbTLS || env("DB_TLS") == "true"
        )
    }

    var sqlDirectory: String { sqlDir ?? env("SQL_DIR") ?? "sql" }

    var districtsDirectory: String {
        districtsDir ?? env("DISTRICTS_DIR") ?? DistrictBoundaries.defaultDirectory(sqlDirectory: sqlDirectory)
    }
}
