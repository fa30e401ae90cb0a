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
    @Option(help: "Hours a login token lives. [HOTLINE_TOKEN_TTL_HOURS, default 12]") var tokenTTLHours: Int?
    @Option(help: "Failed logins per username before 429. [HOTLINE_LOGIN_MAX_FAILURES, default 5]") var loginMaxFailures: Int?
    @Option(help: "Seconds failed logins count for. [HOTLINE_LOGIN_WINDOW_SECONDS, default 900]") var loginWindowSeconds: Int?
    @Option(help: "bcrypt cost for new passwords. [HOTLINE_BCRYPT_COST, default 12]") var bcryptCost: Int?
    @Option(help: "Seconds between runs of the proactive scheduler in this server; 0: none (use `hotline proactive-tick`). [HOTLINE_PROACTIVE_INTERVAL_SECONDS, default 300]")
    var proactiveIntervalSeconds: Int?
    @Option(help: "The jurisdiction_id Open311 answers for. [HOTLINE_OPEN311_JURISDICTION, default beijing.gov.cn]")
    var open311Jurisdiction: String?
    @Option(help: "The OpenAPI document served at /openapi.yaml and /docs. [HOTLINE_OPENAPI_FILE, default docs/openapi.yaml]")
    var openapiFile: String?
    @Option(help: "How many metres outside its stated district a request's point may lie. [HOTLINE_POINT_TOLERANCE_METRES, default 500]")
    var pointToleranceMetres: Int?

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline")
        let portValue = try intSetting(port, "PORT", 8443, in: 1...65535)
        var configuration = AppConfiguration(
            host: host ?? env("HOST") ?? "127.0.0.1",
            port: portValue,
            certificatePath: tlsCert ?? env("TLS_CERT") ?? ".data/certs/server.pem",
            privateKeyPath: tlsKey ?? env("TLS_KEY") ?? ".data/certs/server-key.pem",
            database: try db.configuration(),
            sqlDirectory: db.sqlDirectory,
            migrateOnStart: !(noMigrate || env("MIGRATE") == "false"),
            metricsToken: metricsToken ?? env("METRICS_TOKEN")
        )
        configuration.tokenLifetime = .seconds(try intSetting(tokenTTLHours, "TOKEN_TTL_HOURS", 12, in: 1...720) * 3600)
        configuration.loginThrottle = LoginThrottle(
            maxFailures: try intSetting(loginMaxFailures, "LOGIN_MAX_FAILURES", 5, in: 1...100),
            window: .seconds(try intSetting(loginWindowSeconds, "LOGIN_WINDOW_SECONDS", 900, in: 1...86_400)))
        configuration.bcryptCost = try bcryptCostValue(bcryptCost)
        let interval = try intSetting(proactiveIntervalSeconds, "PROACTIVE_INTERVAL_SECONDS", 300, in: 0...86_400)
        configuration.proactiveInterval = interval == 0 ? nil : .seconds(interval)
        guard let piiKey = env("PII_KEY") else {
            throw CommandFailure("HOTLINE_PII_KEY is not set: 32 random bytes, base64 (openssl rand -base64 32); scripts/dev-db env has one for local use")
        }
        configuration.personalDataKey = piiKey
        configuration.open311Jurisdiction = open311Jurisdiction ?? env("OPEN311_JURISDICTION") ?? "beijing.gov.cn"
        configuration.openAPIPath = openapiFile ?? env("OPENAPI_FILE") ?? "docs/openapi.yaml"
        configuration.districtsDirectory = db.districtsDirectory
        configuration.locatingPolicy = LocatingPolicy(toleranceMetres: Double(try intSetting(
            pointToleranceMetres, "POINT_TOLERANCE_METRES", Int(LocatingPolicy.defaultToleranceMetres), in: 0...50_000)))
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
        let districts = db.districtsDirectory
        let (applied, loaded) = try await db.configuration().withOwnerConnection(logger: logger) { connection in
            let applied = try await migrator.migrate(on: connection, logger: logger)
            // The district boundaries are data the schema relies on (locating points): loaded with it, converted
            // from the files' GCJ-02 to WGS84; unchanged files are skipped.
            return (applied, try await DistrictBoundaries.load(directory: districts, on: connection, logger: logger))
        }
        if applied.isEmpty {
            print("database is current (\(migrator.migrations.count) migrations)")
        } else {
            for m in applied { print("applied \(String(format: "%04d", m.version))_\(m.name)") }
        }
        print(loaded == 0 ? "district boundaries are current" : "district boundaries: \(loaded) loaded from \(districts) (GCJ-02 converted to WGS84)")
    }
}

/// `hotline proactive-tick`: one run of the proactive scheduler (next occurrences, overdue marks), for cron.
struct ProactiveTick: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proactive-tick",
        abstract: "Write the next occurrences of recurring proactive tasks and mark overdue ones (safe to repeat).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline.proactive")
        let database = Database(configuration: try db.configuration(), logger: logger)
        let result = try await database.whileRunning { database in
            try await ProactiveTaskStore(database: database).tick(now: Date(), logger: logger)
        }
        if result.ran {
            print("occurrences created: \(result.occurrencesCreated), marked overdue: \(result.markedOverdue)")
        } else {
            print("another scheduler run holds the lock: nothing done")
        }
    }
}

/// `hotline generate`: a history at any volume (up to Beijing's 25 million a year), with progress, resumable.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a realistic ticket history with COPY (the demo model at any volume; resumes where a stopped run ended).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Tickets in all.") var tickets: Int
    @Option(help: "First month, YYYY-MM (Beijing time).") var from: String
    @Option(help: "Months of history.") var months: Int = 12
    @Option(help: "Seed: the same seed gives the same history.") var seed: Int = 12345
    @Flag(help: "Afterwards, time a plain COPY of the last day's rows into tables with the same indexes (rolled back), and print the ratio.")
    var compareCopy = false
    @Option(help: "Writers (database connections), each generating a day and writing it.") var writers: Int = 2

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline.generate")
        guard let first = AssessmentPeriod(from) else { throw CommandFailure("--from: a month such as 2025-12") }
        guard (1...120).contains(months) else { throw CommandFailure("--months: 1 to 120") }
        guard (1...100_000_000).contains(tickets) else { throw CommandFailure("--tickets: 1 to 100,000,000") }
        guard (1...8).contains(writers) else { throw CommandFailure("--writers: 1 to 8") }
        guard let piiKey = env("PII_KEY") else {
            throw CommandFailure("the history encrypts requesters' data: set HOTLINE_PII_KEY (scripts/dev-db env has one)")
        }
        let cipher = try PersonalDataCipher(base64Key: piiKey)
        let start = first.interval.from
        let end = AssessmentPeriod(year: first.year + (first.month - 1 + months) / 12, month: (first.month - 1 + months) % 12 + 1).interval.from
        let generator = HistoryGenerator(
            model: DemoHistory(seed: UInt64(seed), from: start, to: end, ticketsPerYear: 0), tickets: tickets, creator: "generate")
        let terminal = isatty(STDERR_FILENO) != 0
        let reporter = ProgressReporter(terminal: terminal)
        var compare: (@Sendable (HistoryGenerator.CopyComparison) -> Void)?
        if compareCopy { compare = { reporter.comparison = $0 } }
        let progress: @Sendable (HistoryGenerator.Progress) -> Void = { reporter.report($0) }
        let configuration = try db.configuration()
        let compareCopy = compare
        let summary = try await generator.run(
            configuration: configuration, writers: writers, cipher: cipher, logger: logger, compareWithCopy: compareCopy,
            progress: progress)
        reporter.finish()
        guard summary.tickets > 0 else {
            print("generate: nothing to do (the history of seed \(seed) over \(months) months from \(from) is complete)")
            return
        }
        let rows = summary.tickets + summary.dispatches + summary.callbacks + summary.events
        let seconds = reporter.lastElapsed
        print("generate: \(summary.tickets) tickets, \(summary.dispatches) dispatches, \(summary.callbacks) callbacks, \(summary.events) events = \(rows) rows in \(String(format: "%.1f", seconds)) s (\(Int(Double(rows) / max(seconds, 0.001))) rows/s)")
        if let c = reporter.comparison {
            let plain = Double(c.rows) / max(Double(c.elapsed.components.seconds) + Double(c.elapsed.components.attoseconds) / 1e18, 1e-6)
            let ours = Double(rows) / max(seconds, 0.001)
            print("plain COPY of the last day's \(c.rows) rows into tables with the same indexes: \(Int(plain)) rows/s; generate ÷ plain COPY = \(String(format: "%.2f", ours / plain))")
        }
    }
}

/// Progress on stderr: one line redrawn on a terminal, a line every ten seconds otherwise.
final class ProgressReporter: @unchecked Sendable {
    private let terminal: Bool
    private let lock = NSLock()
    private var lastPrinted = Date.distantPast
    private(set) var lastElapsed = 0.0
    var comparison: HistoryGenerator.CopyComparison? {
        get { lock.withLock { _comparison } }
        set { lock.withLock { _comparison = newValue } }
    }
    private var _comparison: HistoryGenerator.CopyComparison?

    init(terminal: Bool) { self.terminal = terminal }

    func report(_ p: HistoryGenerator.Progress) {
        lock.withLock {
            let seconds = Double(p.elapsed.components.seconds) + Double(p.elapsed.components.attoseconds) / 1e18
            lastElapsed = seconds
            let now = Date()
            guard terminal || now.timeIntervalSince(lastPrinted) >= 10 || p.tickets == p.ticketsPlanned else { return }
            lastPrinted = now
            let rate = Double(p.rows) / max(seconds, 0.001)
            let eta = p.tickets > 0 ? seconds * Double(p.ticketsPlanned - p.tickets) / Double(p.tickets) : 0
            let line = String(format: "day %d/%d  tickets %d/%d  rows %d  %.0f rows/s  %.1f MB/s  ETA %d:%02d",
                              p.day, p.days, p.tickets, p.ticketsPlanned, p.rows, rate,
                              Double(p.bytes) / 1e6 / max(seconds, 0.001), Int(eta) / 60, Int(eta) % 60)
            FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + line + (terminal ? "" : "\n")).utf8))
        }
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
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

/// `hotline import-boundaries FILE`: street boundaries from GeoJSON, to place requests that come with a point.
struct ImportBoundaries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-boundaries",
        abstract: "Import street boundaries from a GeoJSON FeatureCollection (properties.code = street code; all or nothing).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "GeoJSON file") var file: String

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline.import")
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
        switch BoundaryImport.parse(data) {
        case .failure(let failure):
            throw CommandFailure("\(file) has errors, nothing was imported:\n\(failure)")
        case .success(let boundaries):
            do {
                let n = try await db.configuration().withOwnerConnection(logger: logger) { connection in
                    try await BoundaryImport.upsert(boundaries, on: connection, logger: logger)
                }
                print("street boundaries: \(n) imported")
            } catch let failure as BoundaryImport.Failure {
                throw CommandFailure("\(file) has errors, nothing was imported:\n\(failure)")
            }
        }
    }
}

/// `hotline demo-data`: sample data for a local server (never run by migrations). Idempotent: a second run resets
/// the demo accounts' passwords and keeps a still-valid demo API key.
struct DemoData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Load demo data: street-level units of all 16 districts, demo accounts, a demo API client.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Street-level units CSV. [HOTLINE_DEMO_UNITS, default data/demo-units.csv]") var units: String?
    @Option(help: "Where to write the demo client's API key. [HOTLINE_DEMO_API_KEY_FILE, default .data/demo-api-key]")
    var apiKeyFile: String?
    @Option(help: "bcrypt cost. [HOTLINE_BCRYPT_COST, default 12]") var bcryptCost: Int?
    @Option(help: "Days of ticket history up to today. [HOTLINE_DEMO_HISTORY_DAYS, default 730; 0 for none]")
    var historyDays: Int?
    @Option(help: "History volume as a fraction of Beijing's 25 million a year: 1/N. [HOTLINE_DEMO_HISTORY_SCALE, default 500]")
    var historyScale: Int?
    @Option(help: "Seed of the history: the same seed gives the same history. [HOTLINE_DEMO_SEED, default 12345]")
    var seed: Int?

    /// The demo accounts: username, role, district, unit, display name.
    static let accounts: [(String, Role, String?, String?, String)] = [
        ("admin", .cityAdmin, nil, nil, "City administrator"),
        ("operator", .centreOperator, nil, nil, "Hotline operator"),
        ("supervisor", .centreSupervisor, nil, nil, "Hotline supervisor"),
        ("chaoyang", .districtAdmin, "110105", nil, "Chaoyang district admin"),
        ("haidian", .districtAdmin, "110108", nil, "Haidian district admin"),
        ("chaoyang-street", .streetHandler, "110105", "110105001", "Jianwai Subdistrict handler"),
        ("haidian-street", .streetHandler, "110108", "110108001", "Wanshoulu Subdistrict handler"),
        ("housing", .departmentHandler, nil, "dept.housing", "Municipal housing commission handler"),
        ("planner", .proactivePlanner, nil, nil, "Proactive-governance planner"),
        ("analyst", .analyst, nil, nil, "Analyst"),
    ]

    func run() async throws {
        let logger = try common.makeLogger(label: "hotline.demo")
        let database = try db.configuration()
        let result = try await importUnits(
            file: units ?? env("DEMO_UNITS") ?? "data/demo-units.csv", database: database, logger: logger)
        print("demo units: \(result.inserted) added, \(result.updated) updated")
        // Approximate street areas inside the real districts, so that a point finds a street (where the city has not
        // imported its real street boundaries); the generated history places its points in them.
        let districts = db.districtsDirectory
        let streets = try await database.withOwnerConnection(logger: logger) { connection in
            try await DistrictBoundaries.load(directory: districts, on: connection, logger: logger)
            return try await DistrictBoundaries.deriveApproximateStreets(on: connection, logger: logger)
        }
        print("demo street areas: \(streets) streets given an approximate area (Voronoi cells inside their district)")

        let password = env("DEMO_PASSWORD") ?? "demo-12345"
        let hasher = PasswordHasher(cost: try bcryptCostValue(bcryptCost))
        let keyFile = apiKeyFile ?? env("DEMO_API_KEY_FILE") ?? ".data/demo-api-key"
        let existingKey = (try? String(contentsOfFile: keyFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let newKey: String? = try await database.withOwnerConnection(logger: logger) { connection in
            try await AccountMaintenance.inTransaction(connection, logger: logger) {
                for (username, role, district, unit, name) in Self.accounts {
                    try await AccountMaintenance.addUser(
                        username: username, displayName: name, password: password, role: role,
                        districtCode: district.flatMap(DistrictCode.init), unitID: unit, replace: true,
                        hasher: hasher, on: connection, logger: logger)
                }
                // Keep the key in the file while it is still the live demo client's; otherwise issue a new one.
                if let existingKey, !existingKey.isEmpty,
                   try await AccountMaintenance.isLiveKey(existingKey, ofClient: "demo-centre", on: connection, logger: logger)
                {
                    return nil
                }
                try await AccountMaintenance.revokeClient(name: "demo-centre", on: connection, logger: logger)
                return try await AccountMaintenance.addClient(name: "demo-centre", role: .centreOperator, on: connection, logger: logger).key
            }
        }
        print("demo accounts: \(Self.accounts.map(\.0).joined(separator: ", "))")
        let days = try intSetting(historyDays, "DEMO_HISTORY_DAYS", 730, in: 0...3650)
        if days > 0 {
            guard let piiKey = env("PII_KEY") else {
                throw CommandFailure("the demo history encrypts requesters' data: set HOTLINE_PII_KEY (scripts/dev-db env has one), or pass --history-days 0")
            }
            let scale = try intSetting(historyScale, "DEMO_HISTORY_SCALE", 500, in: 1...25_000_000)
            let to = Date()
            let history = DemoHistory(
                seed: UInt64(try intSetting(seed, "DEMO_SEED", 12345, in: 0...Int.max)),
                from: to.addingTimeInterval(-Double(days) * 86_400), to: to, ticketsPerYear: 25_000_000 / scale)
            let cipher = try PersonalDataCipher(base64Key: piiKey)
            let started = ContinuousClock.now
            let summary = try await database.withOwnerConnection(logger: logger) { connection in
                try await history.load(on: connection, cipher: cipher, logger: logger)
            }
            if summary.tickets == 0 {
                print("demo history: already there, left as it is")
            } else {
                print("demo history: \(summary.tickets) tickets, \(summary.dispatches) dispatches, \(summary.callbacks) callbacks, \(summary.events) events over \(days) days (\(ContinuousClock.now - started))")
            }
        }
        if let newKey {
            let url = URL(fileURLWithPath: keyFile)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: keyFile, contents: Data((newKey + "\n").utf8), attributes: [.posixPermissions: 0o600])
            print("demo API client demo-centre: new key written to \(keyFile)")
        } else {
            print("demo API client demo-centre: key in \(keyFile) still valid")
        }
        try await Self.proactiveDemo(database, logger: logger)
    }

    /// A monthly theme for next month with its plan, turned into district tasks: what the planner opens first.
    static func proactiveDemo(_ configuration: DatabaseConfiguration, logger: Logger) async throws {
        let planner = Identity(kind: .user, id: "demo-planner", name: "planner", role: .proactivePlanner, districtCode: nil, unitID: nil)
        let today = CivilDate(Date())
        let next = CivilDate(year: today.year, month: today.month, day: 1)!.adding(months: 1)
        let month = AssessmentPeriod(year: next.year, month: next.month).description
        let created = try await Database(configuration: configuration, logger: logger).whileRunning { database in
            let themes = ThemeStore(database: database)
            guard try await themes.list(year: nil, as: planner, logger: logger).isEmpty else { return false }
            let due = next.adding(months: 1).adding(days: -1)
            let theme = try await themes.create(ThemeInput(
                month: month, title: "老楼加装电梯", summary: "Lifts in old residential buildings: approval, funding, upkeep.",
                leadUnitID: "dept.housing",
                problems: [ThemeProblem(title: "加装电梯审批慢", categoryCode: "0503", districtCode: "110105"),
                           ThemeProblem(title: "加装电梯后运维无人管", categoryCode: "0503", districtCode: "110108")],
                plan: ThemePlanChange(
                    policies: [ThemePlanItem(title: "简化加装电梯审批办法", ownerUnitId: "dept.housing", due: due)],
                    tasks: [ThemePlanItem(title: "摸排无电梯老楼", ownerUnitId: "dept.housing", due: due),
                            ThemePlanItem(title: "入户宣讲加装政策", ownerUnitId: "110105001", due: next.adding(days: 19),
                                          districtCodes: ["110105"])],
                    responsibilities: [ThemePlanItem(title: "区级统筹推进", ownerUnitId: "gov.110105", due: due)])),
                as: planner, now: Date(), logger: logger)
            _ = try await themes.convert(theme.id, districts: nil, as: planner, now: Date(), logger: logger)
            return true
        }
        print(created ? "demo proactive governance: theme for \(month) with its district tasks" : "demo proactive governance: themes already there")
    }
}

func importUnits(file: String, database: DatabaseConfiguration, logger: Logger) async throws -> (inserted: Int, updated: Int) {
    let text: String
    do {
        text = try String(contentsOfFile: file, encoding: .utf8)
    } catch {
        throw CommandFailure("cannot read \(file): \(error.localizedDescription)")
    }
    switch UnitImport.parse(text) {
    case .failure(let failure):
        throw CommandFailure("\(file) has errors, nothing was imported:\n\(failure)")
    case .success(let units):
        return try await database.withOwnerConnection(logger: logger) { connection in
            try await UnitImport.upsert(units, on: connection, logger: logger)
        }
    }
}
