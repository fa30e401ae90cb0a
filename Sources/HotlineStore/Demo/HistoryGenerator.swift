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
/// With two writers (connections), one generates a day in Swift while the other writes. A stopped run leaves whole
/// days behind; run again and it writes the days still missing (each day's rows follow from the seed and the
/// calendar day, so the result is the same as one uninterrupted run).
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

    /// Runs (or resumes) the generation on one connection; returns what this run wrote.
    public func run(
        on connection: PostgresConnection, cipher: PersonalDataCipher, logger: Logger,
        compareWithCopy: (@Sendable (CopyComparison) -> Void)? = nil,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> DemoHistory.Summary {
        try await run(on: [connection], cipher: cipher, logger: logger, compareWithCopy: compareWithCopy, progress: progress)
    }

    /// Runs (or resumes) the generation with `writers` owner connections of `configuration`.
    public func run(
        configuration: DatabaseConfiguration, writers: Int, cipher: PersonalDataCipher, logger: Logger,
        compareWithCopy: (@Sendable (CopyComparison) -> Void)? = nil,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> DemoHistory.Summary {
        try await configuration.withOwnerConnections(max(1, writers), logger: logger) { connections in
            try await run(on: connections, cipher: cipher, logger: logger, compareWithCopy: compareWithCopy, progress: progress)
        }
    }

    /// Runs (or resumes) the generation with one writer per connection (owner connections); each writer makes a day
    /// and writes it, so with two writers one generates while the other writes. `progress` is called after each day.
    public func run(
        on connections: [PostgresConnection], cipher: PersonalDataCipher, logger: Logger,
        compareWithCopy: (@Sendable (CopyComparison) -> Void)? = nil,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> DemoHistory.Summary {
        guard let connection = connections.first else { return DemoHistory.Summary() }
        let reference = try await DemoHistory.reference(on: connection, logger: logger)
        let setting = model.setting(reference)
        let days = plan(calendar: setting.calendar)
        // Carry on with the days not written yet (each day is written whole or not at all).
        var written = Set<Int>()
        for try await day in try await connection.query(
            """
            SELECT DISTINCT ((created_at AT TIME ZONE 'Asia/Shanghai')::date - date '1970-01-01')::int
            FROM hotline.tickets
            WHERE created_by = \(creator) AND created_at >= \(model.from) AND created_at < \(model.to)
            """, logger: logger
        ).decode(Int32.self) { written.insert(Int(day)) }
        let remaining = days.indices.filter { !written.contains(CivilDate(days[$0].start).daysSinceEpoch) && days[$0].count > 0 }
        let planned = remaining.reduce(0) { $0 + days[$1].count }
        guard planned > 0 else { return DemoHistory.Summary() }
        // Ticket numbers: one block from the shared sequence, handed out day by day.
        let lastNumber = try await connection.first(Int64.self, """
            SELECT setval('hotline.ticket_number_seq', nextval('hotline.ticket_number_seq') + \(planned) - 1)
            """, logger: logger) ?? Int64(planned)
        var jobs: [(index: Int, firstNumber: Int64)] = []
        var number = lastNumber - Int64(planned) + 1
        for index in remaining {
            jobs.append((index, number))
            number += Int64(days[index].count)
        }
        for c in connections { try await Self.createStaging(on: c, logger: logger) }

        let model = self.model
        let creator = self.creator
        let now = model.to
        let queue = DayQueue(jobs)
        let tally = Tally(days: days.count, planned: planned)
        let sample = try await withThrowingTaskGroup(of: HistoryBatch.Encoded?.self) { group in
            for writer in connections {
                group.addTask {
                    var last: HistoryBatch.Encoded?
                    while let job = await queue.next() {
                        let (start, count) = days[job.index]
                        // The day's stream follows from the seed and the calendar day (not its place in the range).
                        let batch = model.generateDay(
                            CivilDate(start).daysSinceEpoch, day: start, count: count, now: now, setting: setting, cipher: cipher)
                        let encoded = batch.encode(firstNumber: job.firstNumber, creator: creator, dispatcher: "demo-operator")
                        try await AccountMaintenance.inTransaction(writer, logger: logger) {
                            try await Self.write(encoded, on: writer, logger: logger)
                        }
                        let p = await tally.add(batch, bytes: encoded.bytes, day: job.index + 1)
                        progress?(p)
                        last = encoded
                    }
                    return last
                }
            }
            var sample: HistoryBatch.Encoded?
            for try await last in group where last != nil { sample = last }
            return sample
        }
        if let compareWithCopy, let sample {
            compareWithCopy(try await Self.plainCopy(sample, on: connection, logger: logger))
        }
        return await tally.summary
    }

    /// Hands the days out to the writers, in order.
    actor DayQueue {
        private var jobs: [(index: Int, firstNumber: Int64)]
        private var position = 0

        init(_ jobs: [(index: Int, firstNumber: Int64)]) { self.jobs = jobs }

        func next() -> (index: Int, firstNumber: Int64)? {
            guard position < jobs.count else { return nil }
            defer { position += 1 }
            return jobs[position]
        }
    }

    /// What all writers have written so far.
    actor Tally {
        let days: Int
        let planned: Int
        let started = ContinuousClock.now
        var summary = DemoHistory.Summary()
        var bytes = 0

        init(days: Int, planned: Int) {
            self.days = days
            self.planned = planned
        }

        func add(_ batch: HistoryBatch, bytes: Int, day: Int) -> Progress {
            summary.tickets += batch.tickets.count
            summary.dispatches += batch.dispatches.count
            summary.callbacks += batch.callbacks.count
            summary.events += batch.events.count
            self.bytes += bytes
            return Progress(
                day: day, days: days, tickets: summary.tickets, ticketsPlanned: planned,
                rows: summary.tickets + summary.dispatches + summary.callbacks + summary.events, bytes: self.bytes,
                elapsed: ContinuousClock.now - started)
        }
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
        // What the tickets' unit-list trigger would write (sql/0013), in one statement.
        try await connection.query("""
            INSERT INTO hotline.ticket_units (district_code, unit_id, ticket_id, created_at)
            SELECT t.district_code, u, t.id, t.created_at FROM gen_tickets t, unnest(t.unit_ids) AS u
            """, logger: logger)
        for (table, trigger) in quietTriggers {
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ENABLE TRIGGER \(trigger)"), logger: logger)
        }
    }

    /// Row triggers on insert whose work the generated rows already did.
    static let quietTriggers = [
        ("hotline.tickets", "tickets_index_units"),
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
