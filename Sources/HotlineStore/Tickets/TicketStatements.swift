import Foundation
import HotlineCore
import PostgresNIO

// The hot statements of the ticket workflow, as named prepared statements (PostgresNIO's
// `PostgresPreparedStatement`): each is prepared once per pooled connection and then runs without being parsed or
// planned again, as pgbench `-M prepared` runs them. Unnamed statements are planned on every execution, and for a
// statement over the sixteen district partitions under row-level security that planning costs more than the
// execution (about 1.5 ms for a ticket read by id: docs/benchmarks.md).

/// A prepared statement whose values are bound by the caller and whose rows are read as they come.
protocol BoundStatement: PostgresPreparedStatement where Row == PostgresRow {
    var bindings: PostgresBindings { get }
}

extension BoundStatement {
    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A ticket by id through `ticket_view`. The id names no district, so an unnamed statement would plan all sixteen
/// partitions every time; prepared, it soon runs on a generic plan.
struct TicketByID: PostgresPreparedStatement {
    static let sql = "SELECT \(TicketStore.ticketColumns) FROM hotline.ticket_view WHERE id = $1"
    typealias Row = PostgresRow

    var id: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Locks a ticket for an action (through the base table: a view with CASE columns cannot be locked).
struct LockTicketByID: PostgresPreparedStatement {
    static let sql = "SELECT 1 FROM hotline.tickets WHERE id = $1 FOR UPDATE"
    typealias Row = Int32

    var id: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int32 { try row.decode(Int32.self) }
}

/// A ticket's dispatches, oldest first.
struct DispatchesOfTicket: PostgresPreparedStatement {
    static let sql = """
        SELECT id, unit_id, role, whistle, status, dispatched_at, dispatched_by, sign_by, respond_by, handle_by,
               accepted_at, contacted_at, replied_at, reply_outcome, reply_text, return_reason, extension_state,
               extension_until, extension_reason, closed_at, responded_in_time
        FROM hotline.dispatches
        WHERE district_code = $1 AND ticket_id = $2
        ORDER BY dispatched_at, id
        """
    typealias Row = PostgresRow

    var districtCode: String
    var ticketID: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(districtCode)
        bindings.append(ticketID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// What an intake checks against the reference data, in one round trip instead of three: whether the district is
/// one of the sixteen, the class (an active class, not an area: its direction, default unit and tier) and the
/// street named, if any (its kind and district). A missing class or street comes back as NULLs.
struct IntakeReferences: PostgresPreparedStatement {
    static let sql = """
        SELECT EXISTS (SELECT 1 FROM hotline.districts WHERE code = $1),
               c.direction, c.default_unit_id, c.tier, u.kind, u.district_code
        FROM (VALUES (1)) AS one (x)
        LEFT JOIN hotline.categories c ON c.code = $2 AND c.active AND c.parent_code IS NOT NULL
        LEFT JOIN hotline.units u ON u.id = $3 AND u.active
        """
    typealias Row = (districtExists: Bool, direction: String?, defaultUnit: String?, tier: String?, streetKind: String?, streetDistrict: String?)

    var districtCode: String
    var categoryCode: String
    var streetCode: String?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(districtCode)
        bindings.append(categoryCode)
        bindings.append(streetCode)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (exists, direction, unit, tier, kind, district) = try row.decode((Bool, String?, String?, String?, String?, String?).self)
        return (exists, direction, unit, tier, kind, district)
    }
}

/// Where an intake's point lies (`hotline.locate_point`, sql/0015): its district, its distance from the stated
/// district, its street. One round trip, only for requests that come with a point.
struct LocatePoint: PostgresPreparedStatement {
    static let sql = """
        SELECT boundaries_loaded, located_district, located_district_name, stated_district_name, stated_distance_m,
               located_street, located_street_approximate
        FROM hotline.locate_point($1, $2, $3, $4)
        """
    typealias Row = (
        boundariesLoaded: Bool, district: String?, districtName: String?, statedName: String?, statedDistance: Double?,
        street: String?, streetApproximate: Bool?)

    var lat: Double
    var lon: Double
    var statedDistrict: String?
    var toleranceMetres: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(lat)
        bindings.append(lon)
        bindings.append(statedDistrict)
        bindings.append(toleranceMetres)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (loaded, district, name, statedName, distance, street, approximate) =
            try row.decode((Bool, String?, String?, String?, Double?, String?, Bool?).self)
        return (loaded, district, name, statedName, distance, street, approximate)
    }
}

/// Inserts a new ticket; its number comes from the sequence (`BJ` + Beijing date + eight digits).
struct InsertTicket: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO hotline.tickets (
            district_code, id, number, status, type, category_code, tier, title, description,
            requester_name_enc, requester_phone_enc, requester_phone_hash, requester_name_masked,
            requester_phone_masked, street_code, address, lat, lon, urgent, channel, unit_ids, lead_unit_id,
            answer, next_deadline, created_by, created_at, updated_at, closed_at)
        VALUES (
            $1, $2, 'BJ' || to_char($3::timestamptz AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                         || lpad(nextval('hotline.ticket_number_seq')::text, 8, '0'),
            $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25,
            $3, $3, $26)
        RETURNING number
        """
    typealias Row = String

    var bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}

/// Inserts one dispatch (its ticket's unit list is taken by the insert trigger).
struct InsertDispatch: BoundStatement {
    static let sql = """
        INSERT INTO hotline.dispatches (
            district_code, id, ticket_id, unit_id, role, whistle, status, dispatched_at, dispatched_by,
            sign_by, respond_by, handle_by, next_deadline, unit_ids)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        """
    var bindings: PostgresBindings
}

/// Appends an action's timeline entries in one statement: `$9` is a JSON array of
/// `{"dispatchId", "kind", "unitId", "note", "data"}`, inserted in array order (so ids, from the sequence, follow
/// it). The insert trigger fills the actor's kind, id and role, and the unit list, from the transaction's identity
/// and the ticket for the app role.
struct InsertEvents: BoundStatement {
    static let sql = """
        INSERT INTO hotline.ticket_events (
            district_code, ticket_id, dispatch_id, at, kind, actor_kind, actor_id, actor_name, actor_role,
            actor_unit_id, unit_id, note, data, unit_ids)
        SELECT $1, $2, (e.v ->> 'dispatchId')::uuid, $3, e.v ->> 'kind', $4, $5, $6, $7, $8, e.v ->> 'unitId',
               e.v ->> 'note', coalesce(e.v -> 'data', '{}'::jsonb), $10
        FROM jsonb_array_elements($9::text::jsonb) WITH ORDINALITY AS e (v, n)
        ORDER BY e.n
        """
    var bindings: PostgresBindings
}

/// The ticket list's SQL for one filter: only the conditions the filter sets, each value bound, newest first by the
/// keyset `(created_at, id)`. Naming only what is asked lets PostgreSQL prune partitions on the district and use
/// the `(district_code, created_at, id)` index.
///
/// A list about one unit (a street or department handler's own list, or a `unitId` filter) reads that unit's rows of
/// `ticket_units` (sql/0013) in list order and joins their tickets, which pass through the tickets' own policy: the
/// same rows as `unit_ids @> ARRAY[unit]`, from an index range instead of a scan.
///
/// The unfiltered shapes (everything, one district or one unit; first page or after a cursor) are what list screens
/// ask for most and run as named prepared statements.
struct TicketListQuery {
    enum Shape { case all, allAfter, district, districtAfter, unit, unitAfter }

    private(set) var sql = ""
    private(set) var bindings = PostgresBindings()
    private(set) var shape: Shape?

    /// `unit`: read through that unit's `ticket_units` rows (the caller's own unit for a handler).
    init(_ filter: TicketFilter, unit: String?, pattern: String?, now: Date) {
        var conditions: [String] = []
        var count = 0
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            bindings.append(value)
            count += 1
            return "$\(count)"
        }
        // The list order: the unit's index when reading through a unit, else the tickets' own.
        let (at, id) = unit == nil ? ("t.created_at", "t.id") : ("u.created_at", "u.ticket_id")
        let from = unit.map { "hotline.ticket_units u JOIN hotline.ticket_view t ON t.district_code = u.district_code AND t.id = u.ticket_id"
            + " AND u.unit_id = \(bind($0))" } ?? "hotline.ticket_view t"
        if let district = filter.districtCode {
            let code = bind(district.rawValue)
            conditions.append(unit == nil ? "t.district_code = \(code)" : "u.district_code = \(code)")
        }
        if let status = filter.status { conditions.append("t.status = \(bind(status.rawValue))") }
        if let street = filter.streetCode { conditions.append("t.street_code = \(bind(street))") }
        if let other = filter.unitID, other != unit { conditions.append("t.unit_ids @> ARRAY[\(bind(other))::text]") }
        if let category = filter.categoryCode { conditions.append("t.category_code = \(bind(category))") }
        if let type = filter.type { conditions.append("t.type = \(bind(type.rawValue))") }
        if let overdue = filter.overdue {
            let before = bind(now)
            conditions.append(overdue
                ? "t.next_deadline < \(before)"
                : "(t.next_deadline IS NULL OR t.next_deadline >= \(before))")
        }
        if let supervised = filter.supervised { conditions.append("t.supervised = \(bind(supervised))") }
        if let from = filter.from { conditions.append("\(at) >= \(bind(from))") }
        if let to = filter.to { conditions.append("\(at) < \(bind(to))") }
        if let query = filter.query, let pattern {
            let exact = bind(query), like = bind(pattern)
            conditions.append("(t.number = \(exact) OR t.title ILIKE \(like) OR t.description ILIKE \(like))")
        }
        if let (after, afterID) = filter.after { conditions.append("(\(at), \(id)) < (\(bind(after)), \(bind(afterID)))") }
        let limit = bind(Int64(filter.limit))
        sql = "SELECT \(TicketStore.ticketColumns(prefix: "t.")) FROM \(from)"
            + (conditions.isEmpty ? "" : "\nWHERE " + conditions.joined(separator: "\n  AND "))
            + "\nORDER BY \(at) DESC, \(id) DESC\nLIMIT \(limit)"

        var rest = filter
        rest.after = nil
        if let unit {
            if rest.unitID == unit { rest.unitID = nil }
            guard rest.isUnfiltered else { return }
            shape = filter.after == nil ? .unit : .unitAfter
            // Nothing but the unit and the cursor: take the page from the unit's index first, then its tickets. As a
            // join with the LIMIT outside, the planner may read all the unit's rows and sort them (about 20 ms a page
            // for a street at 1 million tickets, against 0.5 ms; docs/benchmarks.md). No condition on the tickets
            // could drop a row after the LIMIT: the unit's rows are the tickets the caller sees with that unit.
            bindings = PostgresBindings()
            count = 0
            let unitValue = bind(unit)
            let cursor = filter.after.map { " AND (u.created_at, u.ticket_id) < (\(bind($0.0)), \(bind($0.1)))" } ?? ""
            let limit = bind(Int64(filter.limit))
            sql = """
                SELECT \(TicketStore.ticketColumns(prefix: "t.")) FROM (
                    SELECT u.district_code, u.ticket_id, u.created_at FROM hotline.ticket_units u
                    WHERE u.unit_id = \(unitValue)\(cursor)
                    ORDER BY u.created_at DESC, u.ticket_id DESC LIMIT \(limit)) u
                JOIN hotline.ticket_view t ON t.district_code = u.district_code AND t.id = u.ticket_id
                ORDER BY u.created_at DESC, u.ticket_id DESC
                """
        } else {
            rest.districtCode = nil
            guard rest.isUnfiltered else { return }
            switch (filter.districtCode != nil, filter.after != nil) {
            case (false, false): shape = .all
            case (false, true): shape = .allAfter
            case (true, false): shape = .district
            case (true, true): shape = .districtAfter
            }
        }
    }

    /// The SQL of a prepared shape: what `init` builds for such a filter.
    static func shapeSQL(_ shape: Shape) -> String {
        var filter = TicketFilter()
        if shape == .district || shape == .districtAfter { filter.districtCode = DistrictCode("110105") }
        if [.allAfter, .districtAfter, .unitAfter].contains(shape) { filter.after = (Date(timeIntervalSince1970: 0), UUID()) }
        let unit = shape == .unit || shape == .unitAfter ? "110105001" : nil
        return TicketListQuery(filter, unit: unit, pattern: nil, now: Date(timeIntervalSince1970: 0)).sql
    }
}

extension TicketFilter {
    /// No condition but the keyset limit.
    var isUnfiltered: Bool {
        districtCode == nil && status == nil && streetCode == nil && unitID == nil && categoryCode == nil && type == nil
            && overdue == nil && supervised == nil && from == nil && to == nil && query == nil && after == nil
    }
}

struct TicketPageAll: BoundStatement {
    static let sql = TicketListQuery.shapeSQL(.all)
    var bindings: PostgresBindings
}

struct TicketPageAllAfter: BoundStatement {
    static let sql = TicketListQuery.shapeSQL(.allAfter)
    var bindings: PostgresBindings
}

struct TicketPageDistrict: BoundStatement {
    static let sql = TicketListQuery.shapeSQL(.district)
    var bindings: PostgresBindings
}

struct TicketPageDistrictAfter: BoundStatement {
    static let sql = TicketListQuery.shapeSQL(.districtAfter)
    var bindings: PostgresBindings
}

struct TicketPageUnit: BoundStatement {
    static let sql = TicketListQuery.shapeSQL(.unit)
    var bindings: PostgresBindings
}

struct TicketPageUnitAfter: BoundStatement {
    static let sql = TicketListQuery.shapeSQL(.unitAfter)
    var bindings: PostgresBindings
}
