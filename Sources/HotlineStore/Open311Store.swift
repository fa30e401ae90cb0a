import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// A service request as the public sees it through Open311: the columns `hotline.open311_requests` returns, and
/// nothing else (no requester, no timeline, no internal notes).
public struct PublicRequest: Sendable, Equatable {
    public var id: UUID
    /// The ticket number (工单号), which is also the request's Open311 token.
    public var number: String
    public var status: TicketStatus
    public var categoryCode: String
    public var description: String
    public var address: String
    public var lat: Double?
    public var lon: Double?
    public var leadUnitID: String?
    /// A consultation's answer given at intake.
    public var answer: String?
    public var mergedInto: UUID?
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    /// The live lead's reply (反馈), while it stands.
    public var replyText: String?
    /// The live lead's handling deadline.
    public var handleBy: Date?
}

/// What an Open311 list asks for.
public struct PublicRequestFilter: Sendable {
    /// When set, exactly these requests (the other fields are ignored).
    public var ids: [UUID]?
    public var classCodes: [String]?
    public var from: Date
    public var to: Date
    /// `open` or `closed`; nil for both.
    public var status: String?
    public var limit: Int

    public init(ids: [UUID]? = nil, classCodes: [String]? = nil, from: Date, to: Date, status: String? = nil, limit: Int = Open311.maxResults) {
        self.ids = ids
        self.classCodes = classCodes
        self.from = from
        self.to = to
        self.status = status
        self.limit = limit
    }
}

/// Open311's reads. They have no caller, so they set no identity and read only through the SECURITY DEFINER
/// functions of `sql/0010_open311.sql`, which return public columns only. (Creating a request goes through
/// ``TicketStore/intake(_:as:idempotencyKey:requestHash:now:logger:)`` as the API client, like any intake.)
public struct Open311Store: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func requests(_ filter: PublicRequestFilter, logger: Logger) async throws -> [PublicRequest] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, number, status, category_code, description, address, lat, lon, lead_unit_id, answer,
                       merged_into, created_at, updated_at, closed_at, reply_text, handle_by
                FROM hotline.open311_requests(\(filter.ids), \(filter.classCodes), \(filter.from), \(filter.to),
                                              \(filter.status), \(Int32(clamping: filter.limit)))
                """, logger: logger)
            var result: [PublicRequest] = []
            for try await row in rows {
                let r = row.makeRandomAccess()
                guard let status = TicketStatus(rawValue: try r["status"].decode(String.self)) else {
                    throw PostgresError.protocol("unexpected ticket status")
                }
                result.append(PublicRequest(
                    id: try r["id"].decode(UUID.self), number: try r["number"].decode(String.self), status: status,
                    categoryCode: try r["category_code"].decode(String.self),
                    description: try r["description"].decode(String.self), address: try r["address"].decode(String.self),
                    lat: try r["lat"].decode(Double?.self), lon: try r["lon"].decode(Double?.self),
                    leadUnitID: try r["lead_unit_id"].decode(String?.self), answer: try r["answer"].decode(String?.self),
                    mergedInto: try r["merged_into"].decode(UUID?.self), createdAt: try r["created_at"].decode(Date.self),
                    updatedAt: try r["updated_at"].decode(Date.self), closedAt: try r["closed_at"].decode(Date?.self),
                    replyText: try r["reply_text"].decode(String?.self), handleBy: try r["handle_by"].decode(Date?.self)))
            }
            return result
        }
    }

    /// The request a token (its ticket number) stands for.
    public func request(forToken token: String, logger: Logger) async throws -> UUID? {
        try await database.withConnection { connection in
            for try await id in try await connection.query(
                "SELECT hotline.open311_token(\(token))", logger: logger
            ).decode(UUID?.self) { return id }
            return nil
        }
    }
}
