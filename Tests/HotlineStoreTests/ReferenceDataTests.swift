import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// The seeded reference data and the unit import path.
@Suite struct ReferenceDataTests {
    let logger = TestEnvironment.logger

    @Test func catalogueIsRealisticAndConsistent() async throws {
        try await withTestDatabase { config in
            let database = Database(configuration: config, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await database.client.run() }
                defer { group.cancelAll() }
                let store = ReferenceStore(database: database)
                let categories = try await store.categories(logger: logger)
                let classes = categories.filter { !$0.isArea }
                #expect(classes.count >= 40)
                #expect(classes.allSatisfy { $0.tier != nil && $0.direction != nil })
                #expect(Set(classes.compactMap(\.tier)) == Set(TimeLimitTier.allCases))
                let units = Dictionary(uniqueKeysWithValues: try await store.units(districtCode: nil, kind: nil, logger: logger).map { ($0.id, $0) })
                for c in classes where c.direction == .department || c.direction == .enterprise {
                    let unit = try #require(units[c.defaultUnitId ?? ""], "class \(c.code) names no unit")
                    #expect(unit.kind.rawValue == c.direction?.rawValue, "class \(c.code)")
                }
                // Every district has its government, the fallback for unclear orders.
                let districts = try await store.districts(logger: logger)
                #expect(districts.count == 16)
                for d in districts { #expect(units["gov.\(d.code)"]?.kind == .districtGovernment) }
                #expect(units["dept.housing"]?.kind == .department)
            }
        }
    }

    @Test func demoUnitsCoverEveryDistrict() throws {
        let text = try String(contentsOfFile: TestEnvironment.projectRoot + "/data/demo-units.csv", encoding: .utf8)
        let units = try UnitImport.parse(text).get()
        let byDistrict = Dictionary(grouping: units, by: { $0.districtCode?.rawValue ?? "" })
        #expect(byDistrict.count == 16)
        #expect(byDistrict.values.allSatisfy { $0.count >= 5 })
        #expect(units.allSatisfy { $0.kind == .street })
    }

    @Test func importReportsEveryBadLine() {
        let csv = """
            id,kind,name_zh,name_en,district_code,street_type
            110105001,street,建外街道,Jianwai Subdistrict,110105,subdistrict
            110108001,street,万寿路街道,Wanshoulu Subdistrict,110105,subdistrict
            110105002,village,朝外街道,Chaowai,110105,subdistrict
            110105003,street,"呼家楼街道, 东",Hujialou,110105,subdistrict
            dept.Bad,department,x,y,,
            110105001,street,建外街道,Jianwai Subdistrict,110105,subdistrict
            110105004,street,三里屯街道,Sanlitun,110105
            """
        guard case .failure(let failure) = UnitImport.parse(csv) else {
            Issue.record("expected errors")
            return
        }
        #expect(failure.errors.map(\.line) == [3, 4, 6, 7, 8])
    }

    @Test func importUpsertsAllOrNothing() async throws {
        try await withTestDatabase { config in
            let good = Unit(id: "110105001", kind: .street, nameZh: "建外街道", nameEn: "Jianwai", districtCode: DistrictCode("110105"), streetType: .subdistrict)
            let renamed = Unit(id: "110105001", kind: .street, nameZh: "建外街道", nameEn: "Jianwai Subdistrict", districtCode: DistrictCode("110105"), streetType: .subdistrict)
            let first = try await config.withOwnerConnection(logger: logger) { try await UnitImport.upsert([good], on: $0, logger: logger) }
            #expect(first.inserted == 1 && first.updated == 0)
            let second = try await config.withOwnerConnection(logger: logger) { try await UnitImport.upsert([renamed], on: $0, logger: logger) }
            #expect(second.inserted == 0 && second.updated == 1)
            // A row the database refuses (its street code does not match its district) rolls back the whole batch.
            let other = Unit(id: "110105002", kind: .street, nameZh: "朝外街道", nameEn: "Chaowai", districtCode: DistrictCode("110105"), streetType: .subdistrict)
            let broken = Unit(id: "110108999", kind: .street, nameZh: "x", nameEn: "x", districtCode: DistrictCode("110105"), streetType: .subdistrict)
            await #expect(throws: PSQLError.self) {
                try await config.withOwnerConnection(logger: logger) { try await UnitImport.upsert([other, broken], on: $0, logger: logger) }
            }
            let count = try await config.withOwnerConnection(logger: logger) { connection in
                var n = 0
                for try await c in try await connection.query("SELECT count(*) FROM hotline.units WHERE kind = 'street'", logger: logger).decode(Int.self) { n = c }
                return n
            }
            #expect(count == 1)
        }
    }
}
