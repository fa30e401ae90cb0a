import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle

/// Everything the server needs to start, read once by the `hotline` command and passed down.
public struct AppConfiguration: Sendable {
    /// Address to listen on (`http.host`, `http.port`).
    public var host: String
    public var port: Int
    /// PEM files: the certificate chain and its private key (`tls.cert`, `tls.key`). The server speaks TLS only.
    public var certificatePath: String
    public var privateKeyPath: String
    public var database: DatabaseConfiguration
    /// Folder of the numbered SQL migrations.
    public var sqlDirectory: String
    /// Folder of the district boundaries (`NNNNNN.geojson`), loaded with the migrations; nil: `data/districts`
    /// beside `sqlDirectory`.
    public var districtsDirectory: String?
    /// Apply pending migrations (as the owner role) before serving.
    public var migrateOnStart: Bool
    /// With this token, `/metrics` answers non-loopback callers too.
    public var metricsToken: String?
    /// How long a login token lives (`auth.token-ttl`).
    public var tokenLifetime: Duration = .seconds(12 * 3600)
    /// Failed logins per username before 429, and the window they count in.
    public var loginThrottle = LoginThrottle()
    /// bcrypt cost for new password hashes (at least 10).
    public var bcryptCost: UInt8 = 12
    /// The time; tests pin it.
    public var clock: WallClock = .system
    /// Base64 of the 32-byte secret that encrypts requesters' personal data (`HOTLINE_PII_KEY`).
    public var personalDataKey: String = ""
    /// Time limits (sign-for, response) and the calendar they are counted in.
    public var deadlinePolicy = DeadlinePolicy()
    /// How far outside its stated district a request's point may lie (`locating.tolerance`).
    public var locatingPolicy = LocatingPolicy()
    /// How often the proactive scheduler runs inside the server (`proactive.interval`); nil: not in this server
    /// (run `hotline proactive-tick` from cron instead).
    public var proactiveInterval: Duration?
    /// The `jurisdiction_id` Open311 answers for (`open311.jurisdiction`); any other one is 404.
    public var open311Jurisdiction = "beijing.gov.cn"
    /// The OpenAPI document served at `/openapi.yaml` and `/docs`.
    public var openAPIPath = "docs/openapi.yaml"

    public init(
        host: String = "127.0.0.1", port: Int = 8443, certificatePath: String, privateKeyPath: String,
        database: DatabaseConfiguration, sqlDirectory: String = "sql", migrateOnStart: Bool = true,
        metricsToken: String? = nil
    ) {
        self.host = host
        self.port = port
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.database = database
        self.sqlDirectory = sqlDirectory
        self.migrateOnStart = migrateOnStart
        self.metricsToken = metricsToken
    }
}

/// Why the server would not start.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
}

/// TLS 1.2 at least, 1.3 offered; certificate and key from PEM files.
public func makeTLSConfiguration(certificatePath: String, privateKeyPath: String) throws -> TLSConfiguration {
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    do {
        chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
    } catch {
        throw StartupError(description: "cannot read TLS certificate \(certificatePath) or key \(privateKeyPath): \(error)")
    }
    guard !chain.isEmpty else { throw StartupError(description: "no certificate in \(certificatePath)") }
    var tls = TLSConfiguration.makeServerConfiguration(
        certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    tls.minimumTLSVersion = .tlsv12
    tls.maximumTLSVersion = .tlsv13
    return tls
}

/// Builds the whole server: pool, migrations before start, router, TLS. Tests call this too.
public func buildApplication(
    _ configuration: AppConfiguration, logger: Logger
) async throws -> some ApplicationProtocol {
    let migrator = try Migrator(directory: configuration.sqlDirectory)
    let database = Database(configuration: configuration.database, logger: logger)
    let tls = try makeTLSConfiguration(
        certificatePath: configuration.certificatePath, privateKeyPath: configuration.privateKeyPath)
    let router = try buildRouter(database: database, migrator: migrator, configuration: configuration)

    var services: [any Service] = [database.client]
    if let interval = configuration.proactiveInterval {
        services.append(ProactiveScheduler(
            store: ProactiveTaskStore(database: database), clock: configuration.clock, interval: interval, logger: logger))
    }
    var app = Application(
        router: router,
        server: try .tls(.http1(), tlsConfiguration: tls),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hotline"),
        services: services,
        logger: logger
    )
    if configuration.migrateOnStart {
        app.beforeServerStarts {
            guard configuration.database.ownerPassword != nil else {
                throw StartupError(description: "migrating on start needs the owner role's password (HOTLINE_DB_OWNER_PASSWORD), or pass --no-migrate")
            }
            let districts = configuration.districtsDirectory
                ?? DistrictBoundaries.defaultDirectory(sqlDirectory: configuration.sqlDirectory)
            let (applied, loaded) = try await configuration.database.withOwnerConnection(logger: logger) { connection in
                let applied = try await migrator.migrate(on: connection, logger: logger)
                return (applied, try await DistrictBoundaries.load(directory: districts, on: connection, logger: logger))
            }
            logger.info("database schema is current", metadata: [
                "applied_now": "\(applied.count)", "known": "\(migrator.migrations.count)", "district_boundaries_loaded": "\(loaded)",
            ])
        }
    }
    return app
}

/// The routes and the middleware around them.
public func buildRouter(
    database: Database, migrator: Migrator, configuration: AppConfiguration
) throws -> Router<HotlineRequestContext> {
    let router = Router(context: HotlineRequestContext.self)
    let routes = RouteTable()
    router.addMiddleware {
        RequestIDMiddleware()
        MetricsMiddleware()
        LogRequestsMiddleware(.info)
        ProblemMiddleware()
        MethodNotAllowedMiddleware(routes: routes)
    }
    HealthController(database: database, migrator: migrator).addRoutes(to: router)
    MetricsController(registry: HotlineMetrics.registry, token: configuration.metricsToken).addRoutes(to: router)
    OpenAPIController(path: configuration.openAPIPath).addRoutes(to: router)

    let hasher = PasswordHasher(cost: configuration.bcryptCost)
    let authStore = AuthStore(database: database)
    let userStore = UserStore(database: database)
    let auth = AuthController(
        auth: authStore, users: userStore, hasher: hasher, clock: configuration.clock,
        tokenLifetime: configuration.tokenLifetime, throttle: configuration.loginThrottle)

    // Open: logging in.
    auth.addPublicRoutes(to: router.group("api/v1").add(middleware: QueryParameterMiddleware()))
    // Everything else under /api/v1 needs a caller (401 without one); then an unknown query parameter is a 400.
    let api = router.group("api/v1")
        .add(middleware: AuthMiddleware(store: authStore, clock: configuration.clock))
        .group(context: AuthenticatedContext.self)
        .add(middleware: QueryParameterMiddleware())
    auth.addRoutes(to: api)
    UsersController(users: userStore, hasher: hasher, database: database).addRoutes(to: api)
    ReferenceController(store: ReferenceStore(database: database)).addRoutes(to: api)
    let cipher: PersonalDataCipher
    do {
        cipher = try PersonalDataCipher(base64Key: configuration.personalDataKey)
    } catch {
        throw StartupError(description: "\(error)")
    }
    let tickets = TicketsController(
        store: TicketStore(
            database: database, cipher: cipher, policy: configuration.deadlinePolicy, locating: configuration.locatingPolicy),
        clock: configuration.clock)
    tickets.addRoutes(to: api)
    DispatchesController(tickets: tickets).addRoutes(to: api)
    let reference = ReferenceStore(database: database)
    let assessments = AssessmentStore(database: database)
    AssessmentsController(store: assessments, reference: reference, clock: configuration.clock).addRoutes(to: api)
    let themes = ThemeStore(database: database)
    ThemesController(store: themes, reference: reference, clock: configuration.clock).addRoutes(to: api)
    ProactiveTasksController(
        store: ProactiveTaskStore(database: database), themes: themes, assessments: assessments, reference: reference,
        clock: configuration.clock
    ).addRoutes(to: api)
    // Open311 GeoReport v2: public reads, and intake for the centre's machine clients (docs/open311.md).
    Open311Controller(
        open311: Open311Store(database: database), reference: ReferenceStore(database: database),
        tickets: TicketStore(
            database: database, cipher: cipher, policy: configuration.deadlinePolicy, locating: configuration.locatingPolicy),
        auth: authStore, clock: configuration.clock, jurisdiction: configuration.open311Jurisdiction
    ).addRoutes(to: router)
    routes.load(router)
    return router
}
