import Foundation
import HotlineCore
import Logging
import NIOCore
import PostgresNIO

/// Writes a history of `tickets` tickets over [from, to) with the demo model (``DemoHistory``), one Beijing day at
/// a time, each day in its own transaction: COPY into session staging tables shaped like the real ones, then one
/// INSERT … SELECT per table (COPY cannot write into tables under row-level security, even for their owner).
/// The rows arrive complete (unit lists, each dispatch's latest callback), so the insert triggers that would fill
/// those in are switched off inside each day's transaction; callbacks still go in before dispatches.
///
/// The next day is generated (in Swift, on another core) while the current one is written. A stopped run leaves
/// whole days behind; run again and it carries on after the last day written (days are generated from the seed and
/// the day's number, so the result is the same as one uninterrupted run).
public struct HistoryGenerator: Sendable {
    public var model: DemoHistory
    public var tickets: Int
    /// `created_by` of the generated tickets: how a later run recognises them.
    public var creator: String

    public init(model: DemoHistory, tickets: Int, creator: String) {
        self.model = model
        self.tickets = tickets
        self.creator = creator
    }

    /// Where a run stands, reported after every day.
    public struct Progress: Sendable {
        public var day: Int
        public var days: Int
        public var tickets: Int
        public var ticketsPlanned: Int
        public var rows: Int
        public var bytes: Int
        public var elapsed: Duration
    }

    /// What COPY alone does with one day's rows, for comparison with the whole pipeline.
    public struct CopyComparison: Sendable {
        public var rows: Int
        public var elapsed: Duration
    }

    /// The Beijing days of the range, with how many tickets each gets: weekdays 1.07, weekends 0.8, the total exact.
    func plan(calendar: Calendar) -> [(start: Date, count: Int)] {
        var starts: [Date] = []
        var day = calendar.startOfDay(for: model.from)
        while day < model.to {
            starts.append(day)
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        let weights = starts.map { d -> Double in
            let weekday = calendar.component(.weekday, from: d)
            return weekday == 1 || weekday == 7 ? 0.8 : 1.07
        }
        let total = weights.reduce(0, +)
        var cumulative = 0.0
        var assigned = 0
        return zip(starts, weights).map { start, w in
            cumulative += w
            let upTo = Int((Double(tickets) * cumulative / total).rounded())
            defer { assigned = upTo }
            return (start, upTo - assigned)
        }
    }

    /// Runs (or resumes) the generation; returns what this run wrote. `progress` is called after each day.
    public func run(
        on connection: PostgresConnection, cipher: PersonalDataCipher, logger: Logger,
        compareWithCopy: (@Sendable (CopyComparison) -> Void)? = nil,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> DemoHistory.Summary {
        let reference = try await DemoHistory.reference(on: connection, logger: logger)
        let setting = model.setting(reference)
        let days = plan(calendar: setting.calendar)
        // Carry on after the last day written.
        var first = 0
        let last = try await connection.first(Date?.self, """
            SELECT max(created_at) FROM hotline.tickets
            WHERE created_by = \(creator) AND created_at >= \(model.from) AND created_at < \(model.to)
            """, logger: logger) ?? nil
        if let last {
            first = (days.lastIndex { $0.start <= last } ?? -1) + 1
        }
        let remaining = Array(days[first...].enumerated().map { (first + $0.offset, $0.element) })
        let planned = remaining.reduce(0) { $0 + $1.1.count }
        guard planned > 0 else { return DemoHistory.Summary() }
        // Ticket numbers: one block from the shared sequence.
        let lastNumber = try await connection.first(Int64.self, """
            SELECT setval('hotline.ticket_number_seq', nextval('hotline.ticket_number_seq') + \(planned) - 1)
            """, logger: logger) ?? Int64(planned)
        var nextNumber = lastNumber - Int64(planned) + 1
        try await Self.createStaging(on: connection, logger: logger)

        let model = self.model
        let creator = self.creator
        let now = model.to
        func make(_ index: Int, _ number: Int64) -> Task<(HistoryBatch.Encoded, DemoHistory.Summary), Never> {
            let (start, count) = days[index]
            return Task {
                // The day's stream follows from the seed and the calendar day (not its place in the range).
                let dayNumber = CivilDate(start).daysSinceEpoch
                let batch = model.generateDay(dayNumber, day: start, count: count, now: now, setting: setting, cipher: cipher)
                var summary = DemoHistory.Summary()
                summary.tickets = batch.tickets.count
                summary.dispatches = batch.dispatches.count
                summary.callbacks = batch.callbacks.count
                summary.events = batch.events.count
                return (batch.encode(firstNumber: number, creator: creator, dispatcher: "demo-operator"), summary)
            }
        }
        let started = ContinuousClock.now
        var total = DemoHistory.Summary()
        var bytes = 0
        var pending = make(remaining[0].0, nextNumber)
        nextNumber += Int64(remaining[0].1.count)
        var lastEncoded: HistoryBatch.Encoded?
        for (position, (index, _)) in remaining.enumerated() {
            let (encoded, summary) = await pending.value
            if position + 1 < remaining.count {
                pending = make(remaining[position + 1].0, nextNumber)
                nextNumber += Int64(remaining[position + 1].1.count)
            }
            try await AccountMaintenance.inTransaction(connection, logger: logger) {
                try await Self.write(encoded, on: connection, logger: logger)
            }
            total.tickets += summary.tickets
            total.dispatches += summary.dispatches
            total.callbacks += summary.callbacks
            total.events += summary.events
            bytes += encoded.bytes
            lastEncoded = encoded
            progress?(Progress(
                day: index + 1, days: days.count, tickets: total.tickets, ticketsPlanned: planned,
                rows: total.tickets + total.dispatches + total.callbacks + total.events, bytes: bytes,
                elapsed: ContinuousClock.now - started))
        }
        if let compareWithCopy, let sample = lastEncoded {
            compareWithCopy(try await Self.plainCopy(sample, on: connection, logger: logger))
        }
        return total
    }

    static let staging: [(name: String, table: String, columns: String)] = [
        ("gen_tickets", "hotline.tickets", HistoryBatch.ticketColumns),
        ("gen_callbacks", "hotline.callbacks", HistoryBatch.callbackColumns),
        ("gen_dispatches", "hotline.dispatches", HistoryBatch.dispatchColumns),
        ("gen_events", "hotline.ticket_events", HistoryBatch.eventColumns),
    ]

    /// Session tables with the target columns and types, emptied at every commit.
    static func createStaging(on connection: PostgresConnection, logger: Logger) async throws {
        for s in staging {
            try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE TEMP TABLE IF NOT EXISTS \(s.name) ON COMMIT DELETE ROWS AS
                SELECT \(s.columns) FROM \(s.table) WITH NO DATA
                """), logger: logger)
        }
    }

    static func columns(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    static func copy(_ buffer: ByteBuffer, into table: String, columns: String, on connection: PostgresConnection, logger: Logger) async throws {
        guard buffer.readableBytes > 0 else { return }
        try await connection.copyFrom(table: table, columns: Self.columns(columns), logger: logger) { writer in
            var rest = buffer
            while rest.readableBytes > 0 {
                try await writer.write(rest.readSlice(length: min(rest.readableBytes, 1 << 20))!)
            }
        }
    }

    /// One day: COPY into staging, then into the tables (callbacks before dispatches).
    static func write(_ encoded: HistoryBatch.Encoded, on connection: PostgresConnection, logger: Logger) async throws {
        let buffers = [encoded.tickets.buffer, encoded.callbacks.buffer, encoded.dispatches.buffer, encoded.events.buffer]
        for (s, buffer) in zip(staging, buffers) {
            try await copy(buffer, into: s.name, columns: s.columns, on: connection, logger: logger)
        }
        // The insert triggers only fill in what these rows already carry (unit lists, callbacks): off for this
        // transaction (ALTER … DISABLE TRIGGER recurses to the partitions and rolls back with a failed day).
        for (table, trigger) in quietTriggers {
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) DISABLE TRIGGER \(trigger)"), logger: logger)
        }
        for s in staging {
            try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(s.table) (\(s.columns)) SELECT \(s.columns) FROM \(s.name)"), logger: logger)
        }
        for (table, trigger) in quietTriggers {
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ENABLE TRIGGER \(trigger)"), logger: logger)
        }
    }

    /// Row triggers on insert whose work the generated rows already did.
    static let quietTriggers = [
        ("hotline.dispatches", "dispatches_inherit"), ("hotline.dispatches", "dispatches_start_from_ticket"),
        ("hotline.callbacks", "callbacks_inherit"), ("hotline.callbacks", "callbacks_reach_dispatches"),
        ("hotline.ticket_events", "ticket_events_inherit"),
    ]

    /// The same day's COPY text into plain tables with the same columns, constraints and indexes (no row-level
    /// security, no triggers, empty), made in `public` (COPY names its table unqualified) in a transaction rolled back
    /// afterwards: what COPY alone costs for these rows.
    static func plainCopy(_ encoded: HistoryBatch.Encoded, on connection: PostgresConnection, logger: Logger) async throws -> CopyComparison {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SET LOCAL search_path TO public", logger: logger)
            for s in staging {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    CREATE TABLE public.copy_probe_\(s.name) (LIKE \(s.table) INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)
                    """), logger: logger)
            }
            let buffers = [encoded.tickets.buffer, encoded.callbacks.buffer, encoded.dispatches.buffer, encoded.events.buffer]
            let started = ContinuousClock.now
            for (s, buffer) in zip(staging, buffers) {
                try await copy(buffer, into: "copy_probe_\(s.name)", columns: s.columns, on: connection, logger: logger)
            }
            let elapsed = ContinuousClock.now - started
            try await connection.query("ROLLBACK", logger: logger)
            let rows = buffers.reduce(0) { total, b in total + b.readableBytesView.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } }
            return CopyComparison(rows: rows, elapsed: elapsed)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
