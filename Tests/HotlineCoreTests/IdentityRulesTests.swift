import HotlineCore
import Testing

@Suite struct LoginThrottleTests {
    let throttle = LoginThrottle(maxFailures: 5, window: .seconds(900))

    @Test func allowsUntilTheFifthFailure() {
        #expect(throttle.retryAfter(recentFailures: [], now: 1000) == nil)
        #expect(throttle.retryAfter(recentFailures: [996, 997, 998, 999], now: 1000) == nil)
    }

    @Test func waitsUntilTheFifthNewestFailureLeavesTheWindow() {
        // Failures at 100, 200, …, 600: the five newest are 200…600; allowed again at 200 + 900 = 1100.
        let failures: [Double] = [100, 200, 300, 400, 500, 600]
        #expect(throttle.retryAfter(recentFailures: failures, now: 700) == 400)
        #expect(throttle.retryAfter(recentFailures: failures, now: 1099.5) == 1)
        #expect(throttle.retryAfter(recentFailures: failures, now: 1100) == nil)
    }

    @Test func ignoresFailuresOutsideTheWindow() {
        #expect(throttle.retryAfter(recentFailures: [0, 1, 2, 3, 950], now: 1000) == nil)
    }
}

@Suite struct AccountRulesTests {
    let chaoyang = DistrictCode("110105")!
    let haidian = DistrictCode("110108")!

    @Test func scopesFitTheirRoles() {
        #expect(AccountRules.scopeProblem(role: .cityAdmin, districtCode: nil, unitID: nil, unitKind: nil, unitDistrict: nil) == nil)
        #expect(AccountRules.scopeProblem(role: .cityAdmin, districtCode: chaoyang, unitID: nil, unitKind: nil, unitDistrict: nil) != nil)
        #expect(AccountRules.scopeProblem(role: .districtAdmin, districtCode: nil, unitID: nil, unitKind: nil, unitDistrict: nil) != nil)
        #expect(AccountRules.scopeProblem(role: .streetHandler, districtCode: chaoyang, unitID: "110105001", unitKind: .street, unitDistrict: chaoyang) == nil)
        #expect(AccountRules.scopeProblem(role: .streetHandler, districtCode: chaoyang, unitID: "110108001", unitKind: .street, unitDistrict: haidian) != nil)
        #expect(AccountRules.scopeProblem(role: .streetHandler, districtCode: chaoyang, unitID: "dept.housing", unitKind: .department, unitDistrict: nil) != nil)
        #expect(AccountRules.scopeProblem(role: .departmentHandler, districtCode: nil, unitID: "ent.water", unitKind: .enterprise, unitDistrict: nil) == nil)
        #expect(AccountRules.scopeProblem(role: .departmentHandler, districtCode: nil, unitID: nil, unitKind: nil, unitDistrict: nil) != nil)
        #expect(AccountRules.scopeProblem(role: .analyst, districtCode: nil, unitID: "ent.water", unitKind: .enterprise, unitDistrict: nil) != nil)
    }

    @Test func districtAdminsManageStreetsAndPeersOfTheirOwnDistrict() {
        let admin = Identity(kind: .user, id: "a", name: "a", role: .districtAdmin, districtCode: chaoyang, unitID: nil)
        #expect(AccountRules.mayManage(actor: admin, role: .streetHandler, districtCode: chaoyang))
        #expect(AccountRules.mayManage(actor: admin, role: .districtAdmin, districtCode: chaoyang))
        #expect(!AccountRules.mayManage(actor: admin, role: .streetHandler, districtCode: haidian))
        #expect(!AccountRules.mayManage(actor: admin, role: .centreOperator, districtCode: nil))
        let city = Identity(kind: .user, id: "c", name: "c", role: .cityAdmin, districtCode: nil, unitID: nil)
        #expect(AccountRules.mayManage(actor: city, role: .centreOperator, districtCode: nil))
        let analyst = Identity(kind: .user, id: "x", name: "x", role: .analyst, districtCode: nil, unitID: nil)
        #expect(!AccountRules.mayManage(actor: analyst, role: .analyst, districtCode: nil))
    }

    @Test func usernamesAndPasswords() {
        #expect(AccountRules.usernameProblem("chaoyang-street") == nil)
        #expect(AccountRules.usernameProblem("ab") != nil)
        #expect(AccountRules.usernameProblem("Admin") != nil)
        #expect(AccountRules.usernameProblem("-lead") != nil)
        #expect(AccountRules.passwordProblem("demo-12345") == nil)
        #expect(AccountRules.passwordProblem("short") != nil)
        #expect(AccountRules.passwordProblem(String(repeating: "x", count: 73)) != nil)
        // Characters, not bytes, for the minimum (four Chinese characters are 12 bytes but still too short); bytes
        // for bcrypt's maximum.
        #expect(AccountRules.passwordProblem("密码密码") == "must be at least 10 characters")
        #expect(AccountRules.passwordProblem("长城长城长城长城长城") == nil)
        #expect(AccountRules.passwordProblem(String(repeating: "密", count: 25)) == "must be at most 72 bytes")
    }
}
