import Hummingbird
import HotlineStore
import Logging

/// Liveness and readiness.
///
/// | method | path    | answer                                                                 |
/// |--------|---------|------------------------------------------------------------------------|
/// | GET    | /health | 200 `{status: "ok"}` while the process serves requests                 |
/// | GET    | /ready  | 200 when the database answers and every migration is applied, else 503 |
struct HealthController {
    let database: Database
    let migrator: Migrator

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.get("/health", use: health)
        router.get("/ready", use: ready)
    }

    struct Health: ResponseEncodable {
        var status: String
    }

    struct Readiness: ResponseEncodable {
        var status: String
        var database: String
        var migrations: Migrations
        struct Migrations: Encodable {
            var applied: Int
            var expected: Int
            var latest: Int?
        }
    }

    @Sendable func health(_ request: Request, context: HotlineRequestContext) async throws -> Health {
        Health(status: "ok")
    }

    @Sendable func ready(_ request: Request, context: HotlineRequestContext) async throws -> Readiness {
        let status: MigrationStatus
        do {
            status = try await database.withConnection { connection in
                try await migrator.status(on: connection, logger: context.logger)
            }
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(String(reflecting: error))"])
            throw Problem.unavailable("The database is not reachable.")
        }
        guard status.isCurrent else {
            let reason = status.problems.first.map { "\($0)" } ?? "\(status.pending.count) migration(s) not applied yet."
            throw Problem.unavailable("The database schema is not current: \(reason)")
        }
        return Readiness(
            status: "ready", database: "ok",
            migrations: .init(applied: status.applied.count, expected: migrator.migrations.count, latest: status.applied.last))
    }
}
