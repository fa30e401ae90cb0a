import Foundation
import HotlineCore
import Logging
import NIOCore
import PostgresNIO

/// A realistic, deterministic history of tickets for demos and later analytics: districts weighted by size,
/// classes with seasonal peaks (heating November–March, flooding July–August), the daily busy hours (09–11, 14–16),
/// multi-unit dispatches, whistles, returns, callbacks with mostly good outcomes and a few weak streets.
///
/// Rows are generated in Swift one day at a time (personal data encrypted like real intake) and written by
/// ``HistoryGenerator`` on an owner connection; `hotline generate` uses the same model at any volume.
public struct DemoHistory: Sendable {
    public var seed: UInt64
    public var from: Date
    public var to: Date
    /// Tickets a year (Beijing: about 25 million contacts a year; the demo default is 1/500 of that).
    public var ticketsPerYear: Int

    public init(seed: UInt64, from: Date, to: Date, ticketsPerYear: Int) {
        self.seed = seed
        self.from = from
        self.to = to
        self.ticketsPerYear = ticketsPerYear
    }

    /// How much was written.
    public struct Summary: Sendable, Equatable {
        public var tickets = 0
        public var dispatches = 0
        public var callbacks = 0
        public var events = 0
        public init() {}
    }

    /// The marker on generated rows (`created_by`), so a second run can tell they are there.
    public static let creator = "demo-history"

    // MARK: the reference data it draws from

    struct Category {
        var code: String
        var direction: HandlingDirection
        var defaultUnit: String?
        var tier: TimeLimitTier
        var peakMonth: Int?
        var name: String
    }

    struct Reference {
        var streets: [DistrictCode: [String]] = [:]
        var departments: [String] = []
        var categories: [Category] = []
        var points = PointPool()
    }

    /// A point as PostgreSQL prints float8 (the shortest text that reads back exactly): written into COPY as it is.
    struct PointText: Sendable, Equatable {
        var lat: String
        var lon: String
    }

    /// Where generated tickets are: points drawn once, in SQL, uniformly inside each street's boundary (real or
    /// approximate) and each district's, with fixed seeds (the same boundaries give the same points). A ticket takes
    /// one of its street's points, or of its district's when the street has no boundary (or the ticket no street).
    /// Per ticket this is an array lookup, so it costs the generator nothing measurable (docs/benchmarks.md).
    struct PointPool: Sendable {
        static let perStreet = 1024
        static let perDistrict = 4096
        var streets: [String: [PointText]] = [:]
        var districts: [String: [PointText]] = [:]

        /// A point of the street (else the district), chosen by the ticket's id: the day's random stream is not
        /// touched, so a history with boundaries differs from one without only in its points.
        func point(district: DistrictCode, street: String?, ticket: UUID) -> PointText? {
            guard let pool = street.flatMap({ streets[$0] }) ?? districts[district.rawValue], !pool.isEmpty else { return nil }
            let u = ticket.uuid
            let bits = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            var mix = SplitMix64(seed: bits)
            return pool[Int(mix.next() % UInt64(pool.count))]
        }
    }

    static let districtWeights: [String: Double] = [
        "110105": 18, "110108": 14, "110106": 9, "110114": 9, "110115": 8, "110112": 7, "110102": 6, "110101": 5,
        "110113": 5, "110111": 5, "110107": 3, "110109": 2, "110116": 2, "110117": 2, "110118": 2, "110119": 1.5,
    ]

    /// Relative calls by hour of day (Asia/Shanghai): quiet nights, peaks 09–11 and 14–16.
    static let hourWeights: [Double] = [
        0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 3.0, 4.5, 5.0, 4.5, 2.5, 2.8, 4.2, 4.6, 4.3, 3.4, 2.2, 1.8, 1.5, 1.2, 0.8, 0.5,
    ]

    /// How much more often a class comes up in `month` (1–12).
    static func seasonalFactor(_ c: Category, month: Int) -> Double {
        if c.code.hasPrefix("01") {  // heating season: mid-November to mid-March, complaints from November
            return [11: 6, 12: 5, 1: 5, 2: 4, 3: 2.5, 10: 1.2][month] ?? 0.2
        }
        if c.code.hasPrefix("10") {  // drains and flooding: the rainy season
            return [7: 6, 8: 5, 6: 1.5, 9: 1.2][month] ?? 0.4
        }
        guard let peak = c.peakMonth else { return 1 }
        let distance = min(abs(month - peak), 12 - abs(month - peak))
        return [0: 4, 1: 2.2][distance] ?? 0.8
    }

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤").map(String.init)
    static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞宇浩凯婷雪琳晨阳欣怡子涵梓轩一诺").map(String.init)

    // MARK: generation

    /// Writes the history unless one is there already (or finishes one a stopped run began); returns what it wrote.
    /// Each day is one transaction (``HistoryGenerator``).
    public func load(
        on connection: PostgresConnection, cipher: PersonalDataCipher, logger: Logger
    ) async throws -> Summary {
        let days = max(1, Int((to.timeIntervalSince(from) / 86_400).rounded(.up)))
        let generator = HistoryGenerator(
            model: self, tickets: Int((Double(ticketsPerYear) * Double(days) / 365).rounded()), creator: Self.creator)
        return try await generator.run(on: connection, cipher: cipher, logger: logger)
    }

    static func reference(on connection: PostgresConnection, logger: Logger) async throws -> Reference {
        var r = Reference()
        for try await (id, kind, district) in try await connection.query(
            "SELECT id, kind, district_code FROM hotline.units WHERE active ORDER BY id", logger: logger
        ).decode((String, String, String?).self) {
            if kind == "street", let d = district.flatMap(DistrictCode.init) { r.streets[d, default: []].append(id) }
            if kind == "department" || kind == "enterprise" { r.departments.append(id) }
        }
        for try await (code, direction, unit, tier, peak, name) in try await connection.query(
            """
            SELECT code, direction, default_unit_id, tier, seasonal_peak_month, name_zh FROM hotline.categories
            WHERE active AND parent_code IS NOT NULL ORDER BY code
            """, logger: logger
        ).decode((String, String, String?, String, Int32?, String).self) {
            guard let d = HandlingDirection(rawValue: direction), let t = TimeLimitTier(rawValue: tier) else { continue }
            r.categories.append(Category(code: code, direction: d, defaultUnit: unit, tier: t, peakMonth: peak.map(Int.init), name: name))
        }
        for try await (street, lat, lon) in try await connection.query(
            """
            SELECT s.street_code, public.ST_Y(p.geom)::text, public.ST_X(p.geom)::text
            FROM hotline.street_boundaries s,
                 public.ST_Dump(public.ST_GeneratePoints(s.geom, \(PointPool.perStreet)::int, s.street_code::int)) p
            ORDER BY s.street_code, p.path
            """, logger: logger
        ).decode((String, String, String).self) { r.points.streets[street, default: []].append(PointText(lat: lat, lon: lon)) }
        for try await (district, lat, lon) in try await connection.query(
            """
            SELECT b.district_code, public.ST_Y(p.geom)::text, public.ST_X(p.geom)::text
            FROM hotline.district_boundaries b,
                 public.ST_Dump(public.ST_GeneratePoints(b.geom, \(PointPool.perDistrict)::int, b.district_code::int)) p
            ORDER BY b.district_code, p.path
            """, logger: logger
        ).decode((String, String, String).self) { r.points.districts[district, default: []].append(PointText(lat: lat, lon: lon)) }
        return r
    }

    /// What one day's generation needs besides the day: reference data and fixed pools drawn from the seed.
    struct Setting {
        var reference: Reference
        var districts: [DistrictCode]
        var districtWeights: [Double]
        var weak: Set<String>
        /// Repeat callers: a fixed pool drawn from the seed, so any day can be generated on its own.
        var phonePool: [String]
        var calendar: Calendar
    }

    func setting(_ reference: Reference) -> Setting {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let districts = Self.districtWeights.keys.sorted().compactMap(DistrictCode.init).filter { reference.streets[$0] != nil }
        // A few streets with weak outcomes (slow, less resolved, less satisfied): every 37th street.
        let allStreets = reference.streets.values.flatMap { $0 }.sorted()
        var rng = SplitMix64(seed: seed ^ 0x5EED_CA11)
        let pool = (0..<5000).map { _ in Self.phone(&rng) }
        return Setting(
            reference: reference, districts: districts, districtWeights: districts.map { Self.districtWeights[$0.rawValue] ?? 1 },
            weak: Set(allStreets.enumerated().filter { $0.offset % 37 == 5 }.map(\.element)), phonePool: pool, calendar: calendar)
    }

    static func phone(_ rng: inout SplitMix64) -> String {
        let n = rng.next() % 1_000_000_000
        let digits = String(n)
        return "1" + ["3", "5", "7", "8", "9"][Int(rng.next() % 5)] + String(repeating: "0", count: 9 - digits.count) + digits
    }

    /// `count` tickets created on the day starting at `day` (Beijing midnight), their lives simulated up to `now`.
    /// The day's own random stream comes from the seed and the day's number, so days can be made in any order.
    func generateDay(_ dayNumber: Int, day: Date, count: Int, now: Date, setting: Setting, cipher: PersonalDataCipher) -> HistoryBatch {
        // Hashed, not added: SplitMix64 streams whose seeds differ by its step are one stream shifted.
        var mixer = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: dayNumber) &* 0xD1B5_4A32_D192_ED03))
        var rng = SplitMix64(seed: mixer.next())
        var batch = HistoryBatch()
        let month = setting.calendar.component(.month, from: day)
        let categoryWeights = setting.reference.categories.map { Self.seasonalFactor($0, month: month) }
        var created: [Date] = (0..<count).map { _ in
            let hour = rng.pick(weights: Self.hourWeights)
            return day.addingTimeInterval(Double(hour * 3600) + rng.nextDouble() * 3600)
        }
        created.sort()
        for at in created where at < now {
            let district = setting.districts[rng.pick(weights: setting.districtWeights)]
            let category = setting.reference.categories[rng.pick(weights: categoryWeights)]
            let streets = setting.reference.streets[district] ?? []
            let street: String? = rng.nextDouble() < 0.9 && !streets.isEmpty ? streets[Int(rng.next() % UInt64(streets.count))] : nil
            let phone = rng.nextDouble() < 0.06
                ? setting.phonePool[Int(rng.next() % UInt64(setting.phonePool.count))]  // a repeat caller
                : Self.phone(&rng)
            let name = Self.surnames[Int(rng.next() % UInt64(Self.surnames.count))]
                + Self.givenNames[Int(rng.next() % UInt64(Self.givenNames.count))]
                + (rng.nextDouble() < 0.5 ? Self.givenNames[Int(rng.next() % UInt64(Self.givenNames.count))] : "")
            simulate(
                &batch, rng: &rng, created: at, now: now, district: district, category: category, street: street,
                weak: street.map { setting.weak.contains($0) } ?? false, name: name, phone: phone,
                reference: setting.reference, cipher: cipher)
        }
        batch.events.sort { ($0.at, $0.sequence) < ($1.at, $1.sequence) }
        return batch
    }

    /// One ticket's whole life up to `now`.
    func simulate(
        _ rows: inout HistoryBatch, rng: inout SplitMix64, created: Date, now: Date, district: DistrictCode, category: Category,
        street: String?, weak: Bool, name: String, phone: String, reference: Reference, cipher: PersonalDataCipher
    ) {
        let ticketID = rng.uuid()
        let types: [(RequestType, Double)] = [(.complaint, 40), (.help, 30), (.report, 10), (.suggestion, 8), (.consultation, 12)]
        let type = types[rng.pick(weights: types.map(\.1))].0
        let urgent = category.tier == .twoHours || rng.nextDouble() < 0.02
        let tier = urgent ? TimeLimitTier.twoHours : category.tier
        let policy = DeadlinePolicy()
        let channel = ["phone", "phone", "phone", "phone", "phone", "phone", "phone", "phone", "phone", "app", "web", "wechat"][Int(rng.next() % 12)]
        var unitIDs: [String] = []
        var events: [(Date, String, UUID?, String?, String?, (String, String, String, String?))] = []
        func actor(_ role: String, _ unit: String?) -> (String, String, String, String?) {
            switch role {
            case "centre_operator": ("demo-operator", "operator", "centre_operator", nil)
            case "centre_supervisor": ("demo-supervisor", "supervisor", "centre_supervisor", nil)
            default: ("demo-" + (unit ?? "unit"), unit ?? "unit", role, unit)
            }
        }
        func handlerRole(_ unit: String) -> String {
            unit.hasPrefix("gov.") ? "district_admin" : (unit.hasPrefix("dept.") || unit.hasPrefix("ent.") ? "department_handler" : "street_handler")
        }
        events.append((created, "received", nil, nil, nil, actor("centre_operator", nil)))
        var status = "received"
        var closedAt: Date?
        var leadUnit: String?
        var dispatchRows: [HistoryBatch.Dispatch] = []
        var nextDeadlines: [Date] = []

        // Consultations answered at once.
        if type == .consultation && rng.nextDouble() < 0.6 {
            let at = created.addingTimeInterval(120 + rng.nextDouble() * 300)
            events.append((at, "answered", nil, nil, "已按知识库答复", actor("centre_operator", nil)))
            events.append((at, "closed", nil, nil, nil, actor("centre_operator", nil)))
            status = "closed"
            closedAt = at
        } else {
            var lead = DispatchRules.autoTarget(direction: category.direction, defaultUnitID: category.defaultUnit, streetCode: street, district: district)
            var dispatchedAt = created.addingTimeInterval(120 + rng.nextDouble() * 360)
            // A return now and then (3%), approved and re-dispatched to another street or the district.
            if rng.nextDouble() < 0.03 && dispatchedAt < now {
                let d = rng.uuid()
                let deadlines = policy.deadlines(from: dispatchedAt, tier: tier)
                let returnAt = dispatchedAt.addingTimeInterval(1800 + rng.nextDouble() * 5400)
                let approvedAt = returnAt.addingTimeInterval(1800 + rng.nextDouble() * 7200)
                unitIDs.append(lead)
                events.append((dispatchedAt, "dispatched", d, lead, "auto", actor("centre_operator", nil)))
                if approvedAt < now {
                    events.append((returnAt, "return_requested", d, lead, "非本单位职责", actor(handlerRole(lead), lead)))
                    events.append((approvedAt, "return_approved", d, lead, nil, actor("centre_supervisor", nil)))
                    dispatchRows.append(Self.dispatchRecord(
                        district: district, id: d, ticket: ticketID, unit: lead, role: "lead", whistle: false, status: "returned",
                        at: dispatchedAt, deadlines: deadlines, accepted: nil, contacted: nil, replied: nil, outcome: nil,
                        reply: nil, returnReason: "非本单位职责", closed: approvedAt))
                    let others = (reference.streets[district] ?? []).filter { $0 != lead }
                    lead = others.isEmpty || rng.nextDouble() < 0.3 ? "gov.\(district)" : others[Int(rng.next() % UInt64(others.count))]
                    dispatchedAt = approvedAt
                } else {
                    dispatchRows.append(Self.dispatchRecord(
                        district: district, id: d, ticket: ticketID, unit: lead, role: "lead", whistle: false, status: "pending",
                        at: dispatchedAt, deadlines: deadlines, accepted: nil, contacted: nil, replied: nil, outcome: nil,
                        reply: nil, returnReason: nil, closed: nil))
                    nextDeadlines.append(deadlines.signBy)
                    status = "dispatched"
                    leadUnit = lead
                    dispatchedAt = now.addingTimeInterval(1)  // nothing more happens
                }
            }
            if dispatchedAt < now {
                leadUnit = lead
                // Who holds it: the lead, sometimes an assisting department (双派), sometimes a whistle later.
                var holders: [(String, String, Bool, Date)] = [(lead, "lead", false, dispatchedAt)]
                if rng.nextDouble() < 0.12, !reference.departments.isEmpty {
                    let dept = reference.departments[Int(rng.next() % UInt64(reference.departments.count))]
                    if dept != lead { holders.append((dept, "assist", false, dispatchedAt)) }
                }
                if !lead.hasPrefix("dept."), !lead.hasPrefix("ent."), !lead.hasPrefix("gov."), rng.nextDouble() < 0.04,
                   !reference.departments.isEmpty {
                    let dept = reference.departments[Int(rng.next() % UInt64(reference.departments.count))]
                    if !holders.contains(where: { $0.0 == dept }) {
                        holders.append((dept, "assist", true, dispatchedAt.addingTimeInterval(86_400 * (0.2 + rng.nextDouble()))))
                    }
                }
                var leadReplied: Date?
                var leadOutcome = "resolved"
                for (unit, role, whistle, at) in holders where at < now {
                    let d = rng.uuid()
                    unitIDs.append(unit)
                    let deadlines = policy.deadlines(from: at, tier: tier)
                    let late = weak || rng.nextDouble() < 0.1
                    let accepted = at.addingTimeInterval(late ? 7200 + rng.nextDouble() * 21_600 : 300 + rng.nextDouble() * 5100)
                    let contacted = accepted.addingTimeInterval(late ? 20 * 3600 + rng.nextDouble() * 30 * 3600 : 1800 + rng.nextDouble() * 18 * 3600)
                    let handle = Double(tier.seconds)
                    let replyLate = rng.nextDouble() < (weak ? 0.3 : 0.07)
                    let replied = max(contacted.addingTimeInterval(600), at.addingTimeInterval(handle * (replyLate ? 1.0 + rng.nextDouble() * 0.5 : 0.1 + rng.nextDouble() * 0.8)))
                    let outcomes: [(String, Double)] = weak
                        ? [("resolved", 55), ("partly_resolved", 20), ("explained", 15), ("unresolvable", 10)]
                        : [("resolved", 78), ("partly_resolved", 10), ("explained", 9), ("unresolvable", 3)]
                    let outcome = outcomes[rng.pick(weights: outcomes.map(\.1))].0
                    events.append((at, whistle ? "whistled" : "dispatched", d, unit, whistle ? "吹哨报到" : (role == "lead" ? "auto" : "双派"),
                                   whistle ? actor("street_handler", lead) : actor("centre_operator", nil)))
                    var dStatus = "pending"
                    var a: Date?, c: Date?, r: Date?
                    if accepted < now { a = accepted; dStatus = "accepted"; events.append((accepted, "accepted", d, unit, nil, actor(handlerRole(unit), unit))) }
                    if contacted < now { c = contacted; dStatus = "contacted"; events.append((contacted, "contacted", d, unit, nil, actor(handlerRole(unit), unit))) }
                    if replied < now {
                        r = replied
                        dStatus = "replied"
                        events.append((replied, "replied", d, unit, "已办理：\(category.name)", actor(handlerRole(unit), unit)))
                    }
                    if role == "lead" { leadReplied = r; leadOutcome = outcome }
                    let progress = DeadlinePolicy.Progress(status: DispatchStatus(rawValue: dStatus)!, acceptedAt: a, contactedAt: c, repliedAt: r)
                    if let next = DeadlinePolicy.nextDeadline(deadlines, progress: progress) { nextDeadlines.append(next) }
                    dispatchRows.append(Self.dispatchRecord(
                        district: district, id: d, ticket: ticketID, unit: unit, role: role, whistle: whistle, status: dStatus,
                        at: at, deadlines: deadlines, accepted: a, contacted: c, replied: r, outcome: r == nil ? nil : outcome,
                        reply: r == nil ? nil : "已办理：\(category.name)", returnReason: nil, closed: nil))
                }
                status = leadReplied == nil ? (events.contains { $0.1 == "accepted" && $0.3 == lead } ? "in_progress" : "dispatched") : "replied"
                // The callback, a day or two after the reply.
                if let replied = leadReplied {
                    let at = replied.addingTimeInterval(3600 * (4 + rng.nextDouble() * 40))
                    if at < now {
                        let reached = rng.nextDouble() < 0.92
                        var resolved: Bool?
                        var satisfaction: String?
                        if reached {
                            let resolveChance = (weak ? 0.6 : 0.9) * (leadOutcome == "resolved" ? 1.0 : 0.5)
                            resolved = rng.nextDouble() < resolveChance
                            let levels: [(String, Double)] = resolved! ? (weak ? [("satisfied", 60), ("basically_satisfied", 25), ("unsatisfied", 15)] : [("satisfied", 85), ("basically_satisfied", 11), ("unsatisfied", 4)])
                                : [("satisfied", 10), ("basically_satisfied", 30), ("unsatisfied", 60)]
                            satisfaction = levels[rng.pick(weights: levels.map(\.1))].0
                        }
                        rows.callbacks.append(HistoryBatch.Callback(
                            district: district.rawValue, ticket: ticketID, at: at, reached: reached, resolved: resolved,
                            satisfaction: satisfaction, byID: "demo-operator"))
                        if reached {
                            // The dispatches carry their ticket's latest reached callback (the trigger's work, done here).
                            for i in dispatchRows.indices where dispatchRows[i].dispatched <= at {
                                dispatchRows[i].callback = (at, resolved, satisfaction)
                            }
                        }
                        events.append((at, "callback", nil, nil, nil, actor("centre_operator", nil)))
                        if reached {
                            events.append((at, "closed", nil, nil, nil, actor("centre_operator", nil)))
                            status = "closed"
                            closedAt = at
                        }
                    }
                }
            }
        }
        if closedAt != nil { nextDeadlines = [] }
        // Dispatch rows carry the ticket's final unit_ids; a closed ticket closes its dispatches too.
        let units = HistoryBatch.unique(unitIDs)
        for var d in dispatchRows {
            if let closedAt, d.closed == nil, d.status != "returned" {
                d.closed = closedAt
                d.next = nil
            }
            d.unitIDs = units
            rows.dispatches.append(d)
        }
        for i in rows.callbacks.indices.reversed() {
            guard rows.callbacks[i].ticket == ticketID else { break }
            rows.callbacks[i].unitIDs = units
        }
        let nameSealed = (try? cipher.seal(name, context: TicketStore.context(ticketID, "name"))) ?? []
        let phoneSealed = (try? cipher.seal(phone, context: TicketStore.context(ticketID, "phone"))) ?? []
        let updated = events.map(\.0).max() ?? created
        rows.tickets.append(HistoryBatch.Ticket(
            district: district.rawValue, id: ticketID, status: status, type: type.rawValue, category: category.code,
            tier: tier.rawValue, title: category.name, description: "\(category.name)（演示数据）", nameEnc: nameSealed,
            phoneEnc: phoneSealed, phoneHash: cipher.phoneHash(phone), nameMasked: PersonalData.maskName(name),
            phoneMasked: PersonalData.maskPhone(phone), street: street,
            address: "北京市\(district.rawValue)区 演示地址 \(Int(rng.next() % 300) + 1)号",
            point: reference.points.point(district: district, street: street, ticket: ticketID), urgent: urgent, channel: channel,
            unitIDs: units, lead: leadUnit, nextDeadline: nextDeadlines.min(), created: created, updated: updated, closed: closedAt))
        for (at, kind, dispatch, unit, note, who) in events {
            rows.events.append(HistoryBatch.Event(
                district: district.rawValue, ticket: ticketID, dispatch: dispatch, at: at, kind: kind, actorKind: "user",
                actorID: who.0, actorName: who.1, actorRole: who.2, actorUnit: who.3, unit: unit, note: note, unitIDs: units,
                sequence: rows.events.count))
        }
    }

    static func dispatchRecord(
        district: DistrictCode, id: UUID, ticket: UUID, unit: String, role: String, whistle: Bool, status: String, at: Date,
        deadlines: DispatchDeadlines, accepted: Date?, contacted: Date?, replied: Date?, outcome: String?, reply: String?,
        returnReason: String?, closed: Date?
    ) -> HistoryBatch.Dispatch {
        let progress = DeadlinePolicy.Progress(status: DispatchStatus(rawValue: status)!, acceptedAt: accepted, contactedAt: contacted, repliedAt: replied)
        var inTime: Bool?
        if let contacted {
            let signed = accepted.map { $0 <= deadlines.signBy } ?? false
            inTime = signed && contacted <= deadlines.respondBy
        }
        return HistoryBatch.Dispatch(
            district: district.rawValue, id: id, ticket: ticket, unit: unit, role: role, whistle: whistle, status: status,
            dispatched: at, deadlines: deadlines,
            next: closed == nil ? DeadlinePolicy.nextDeadline(deadlines, progress: progress) : nil,
            accepted: accepted, contacted: contacted, replied: replied, outcome: outcome, reply: reply, closed: closed,
            unitIDs: [], returnReason: returnReason, inTime: inTime, callback: nil)
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same history on every machine.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// An index drawn with the given weights.
    mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = nextDouble() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }

    /// A version-4 UUID from the stream.
    mutating func uuid() -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        let a = next(), b = next()
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * i)); bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * i)) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
