import HotlineCore
import Testing

@Suite struct DistrictCodeTests {
    @Test func acceptsBeijingDistrictCodes() {
        #expect(DistrictCode("110105")?.rawValue == "110105")
        #expect(DistrictCode("110119") != nil)
    }

    @Test(arguments: ["", "11010", "1101055", "120105", "11010a", "１１０１０５"])
    func rejectsOtherStrings(_ raw: String) {
        #expect(DistrictCode(raw) == nil)
    }
}

@Suite struct TimeLimitTierTests {
    @Test func tiersAreOrderedByTheirLimits() {
        #expect(TimeLimitTier.allCases.sorted() == [.twoHours, .oneDay, .sevenDays, .fifteenDays])
        #expect(TimeLimitTier.twoHours.seconds == 7_200)
        #expect(TimeLimitTier.oneDay.seconds == 86_400)
        #expect(TimeLimitTier.sevenDays.seconds == 604_800)
        #expect(TimeLimitTier.fifteenDays.seconds == 1_296_000)
    }

    @Test func rawValuesMatchTheCatalogue() {
        #expect(TimeLimitTier(rawValue: "2h") == .twoHours)
        #expect(TimeLimitTier(rawValue: "15d") == .fifteenDays)
        #expect(TimeLimitTier(rawValue: "3d") == nil)
    }
}

@Suite struct UnitIDTests {
    let chaoyang = DistrictCode("110105")!

    @Test func validShapes() {
        #expect(UnitID.validate(id: "110105001", kind: .street, districtCode: chaoyang, streetType: .subdistrict) == nil)
        #expect(UnitID.validate(id: "gov.110105", kind: .districtGovernment, districtCode: chaoyang, streetType: nil) == nil)
        #expect(UnitID.validate(id: "dept.housing", kind: .department, districtCode: nil, streetType: nil) == nil)
        #expect(UnitID.validate(id: "ent.water", kind: .enterprise, districtCode: nil, streetType: nil) == nil)
    }

    @Test func streetCodeMustSitUnderItsDistrict() {
        let problem = UnitID.validate(id: "110108001", kind: .street, districtCode: chaoyang, streetType: .subdistrict)
        #expect(problem?.contains("does not start with its district code") == true)
    }

    @Test func invalidShapes() {
        #expect(UnitID.validate(id: "11010500", kind: .street, districtCode: chaoyang, streetType: .town) != nil)
        #expect(UnitID.validate(id: "110105001", kind: .street, districtCode: nil, streetType: .town) != nil)
        #expect(UnitID.validate(id: "110105001", kind: .street, districtCode: chaoyang, streetType: nil) != nil)
        #expect(UnitID.validate(id: "gov.110108", kind: .districtGovernment, districtCode: chaoyang, streetType: nil) != nil)
        #expect(UnitID.validate(id: "dept.Housing", kind: .department, districtCode: nil, streetType: nil) != nil)
        #expect(UnitID.validate(id: "dept.housing", kind: .department, districtCode: chaoyang, streetType: nil) != nil)
        #expect(UnitID.validate(id: "ent.water", kind: .department, districtCode: nil, streetType: nil) != nil)
    }

    @Test func wellFormedIdsWithoutAKind() {
        for id in ["110105001", "gov.110105", "dept.housing", "ent.water-supply"] { #expect(UnitID.isWellFormed(id), "\(id)") }
        for id in ["", "11010500", "999999001", "gov.999999", "gov.", "dept.", "dept.Housing", "ent.water supply", "not a unit", "110105"] {
            #expect(!UnitID.isWellFormed(id), "\(id)")
        }
    }
}
