import HotlineCore
import HotlineStore
import Hummingbird
import PostgresNIO
import Logging

/// Turns every error into a problem+json response, so the API has exactly one error shape.
///
/// A ``Problem`` renders as is; errors Hummingbird raises (unknown route, bad body, wrong method) become the
/// problem for their status; anything else is a 500 whose cause is logged with the request id and never shown.
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = HotlineRequestContext

    public init() {}

    public func handle(
        _ request: Request, context: HotlineRequestContext,
        next: (Request, HotlineRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: ["status": "\(problem.status.code)", "type": "\(problem.type)"])
            }
            return problem.response(requestID: context.requestID, instance: request.uri.path)
        } catch let error as WorkflowError {
            return Problem(error).response(requestID: context.requestID, instance: request.uri.path)
        } catch let error as TicketStoreError {
            return Problem(error).response(requestID: context.requestID, instance: request.uri.path)
        } catch let error as ProactiveStoreError {
            return Problem(error).response(requestID: context.requestID, instance: request.uri.path)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
            // Row-level security or a guard trigger refused a write the checks above should have caught.
            context.logger.warning("database refused a write", metadata: ["message": "\(error.serverInfo?[.message] ?? "")"])
            return Problem.forbidden("The database refused this change for your role or scope.")
                .response(requestID: context.requestID, instance: request.uri.path)
        } catch let error as PSQLError where ["40P01", "40001", "23505"].contains(error.serverInfo?[.sqlState] ?? "") {
            // Two requests raced for the same rows and the database stopped one: the client may retry.
            context.logger.notice("database conflict", metadata: ["sqlstate": "\(error.serverInfo?[.sqlState] ?? "")"])
            return Problem(
                .conflict, type: "/problems/conflict", title: "Conflicting change",
                detail: "Another change to the same data happened at the same time. Read it again and retry."
            ).response(requestID: context.requestID, instance: request.uri.path)
        } catch let error as PSQLError where error.isUnstorableText {
            // A NUL (or other character PostgreSQL text cannot hold) in a parameter or body field.
            return Problem.malformedRequest("The request holds a character that cannot be stored (such as NUL).")
                .response(requestID: context.requestID, instance: request.uri.path)
        } catch let error as HTTPError {
            return Problem.fromStatus(error.status, message: error.body)
                .merging(headers: error.headers)
                .response(requestID: context.requestID, instance: request.uri.path)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return Problem.internalError(requestID: context.requestID)
                .response(requestID: context.requestID, instance: request.uri.path)
        }
    }
}

extension PSQLError {
    /// Text PostgreSQL cannot store, such as U+0000: 22021 character_not_in_repertoire in text, 22P05
    /// untranslatable_character in jsonb (`\u0000`, as in a theme's problems and plan).
    var isUnstorableText: Bool { ["22021", "22P05"].contains(serverInfo?[.sqlState] ?? "") }
}

extension Problem {
    func merging(headers extra: HTTPFields) -> Problem {
        var copy = self
        for field in extra where field.name != .contentType && field.name != .contentLength {
            copy.headers.append(field)
        }
        return copy
    }
}

extension Problem {
    /// The workflow's refusals: 409 with where things stand, 403, or 422.
    init(_ error: WorkflowError) {
        switch error {
        case .conflict(let sentence, let ticketStatus, let dispatchStatus):
            self.init(
                .conflict, type: "/problems/invalid-state", title: "Not allowed in the current state", detail: sentence)
            var state = ["ticketStatus": ticketStatus.rawValue]
            if let dispatchStatus { state["dispatchStatus"] = dispatchStatus.rawValue }
            currentState = state
        case .forbidden(let message):
            self = .forbidden(message)
        case .invalid(let field, let message):
            self = .validation([.init(field: field, message: message)])
        }
    }

    init(_ error: ProactiveStoreError) {
        switch error {
        case .notFound:
            self = .notFound()
        case .invalid(let field, let message):
            self = .validation([.init(field: field, message: message)])
        case .occurrenceClosed(let status):
            self.init(.conflict, type: "/problems/occurrence-closed", title: "Occurrence closed",
                      detail: "This occurrence is \(status) and cannot change.")
            currentState = ["occurrenceStatus": status]
        case .occurrenceNotStarted(let day):
            self.init(.conflict, type: "/problems/occurrence-not-started", title: "Occurrence not started",
                      detail: "This occurrence is scheduled for \(day); it is closed out from that day on.")
        case .taskClosed(let status):
            self.init(.conflict, type: "/problems/task-closed", title: "Task closed", detail: "This task is \(status).")
            currentState = ["taskStatus": status]
        case .monthTaken(let month):
            self.init(.conflict, type: "/problems/theme-month-taken", title: "Month taken",
                      detail: "Another theme runs in \(month): one theme per month.")
        }
    }

    init(_ error: TicketStoreError) {
        switch error {
        case .notFound:
            self = .notFound("No such ticket.")
        case .idempotencyMismatch:
            self.init(
                .conflict, type: "/problems/idempotency-key-reused", title: "Idempotency-Key reused",
                detail: "This Idempotency-Key was used for a different request.")
        case .invalid(let field, let message):
            self = .validation([.init(field: field, message: message)])
        case .location(let error, let names):
            self = .location(error, districtNames: names)
        case .boundariesNotLoaded:
            self = .unavailable("District boundaries are not loaded, so a point cannot be placed (hotline migrate loads them).")
        }
    }

    /// 422 for a point that does not fit: outside its stated district by more than the tolerance (naming both
    /// districts), or outside Beijing.
    static func location(_ error: LocatingError, districtNames: [String: String]) -> Problem {
        func named(_ code: DistrictCode) -> String {
            districtNames[code.rawValue].map { "\(code.rawValue) (\($0))" } ?? code.rawValue
        }
        switch error {
        case .outsideStatedDistrict(let stated, let pointDistrict, let distance, let tolerance):
            let whereabouts = pointDistrict.map { "in district \(named($0))" } ?? "outside Beijing"
            let message = "the point lies \(whereabouts), \(Self.metres(distance)) outside district \(named(stated)) (at most \(Int(tolerance)) m is accepted)"
            var problem = Problem(
                .unprocessableContent, type: "/problems/point-outside-district", title: "Point outside the stated district",
                detail: "The point lies \(whereabouts), \(Self.metres(distance)) outside the stated district \(named(stated)); a point may lie at most \(Int(tolerance)) m outside its district.",
                errors: [.init(field: "location.districtCode", message: message)])
            problem.point = PointMismatch(
                statedDistrictCode: stated.rawValue, pointDistrictCode: pointDistrict?.rawValue,
                distanceMetres: Int(distance.rounded()), toleranceMetres: Int(tolerance))
            return problem
        case .outsideBeijing(let tolerance):
            var problem = Problem(
                .unprocessableContent, type: "/problems/point-outside-beijing", title: "Point outside Beijing",
                detail: "The point lies in none of Beijing's 16 districts, nor within \(Int(tolerance)) m of one.",
                errors: [.init(field: "location.lat", message: "a point in Beijing (or give the district)")])
            problem.point = PointMismatch(
                statedDistrictCode: nil, pointDistrictCode: nil, distanceMetres: nil, toleranceMetres: Int(tolerance))
            return problem
        }
    }

    /// `320 m`, `4.5 km`.
    static func metres(_ value: Double) -> String {
        value < 1000 ? "\(Int(value.rounded())) m" : "\((value / 100).rounded() / 10) km"
    }
}
