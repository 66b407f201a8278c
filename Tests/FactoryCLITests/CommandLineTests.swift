// Runs the built `factory` executable as a user would and checks its output and exit codes.

import Foundation
import Testing

@Suite struct CommandLineTests {
    @Test func versionFlagPrintsTheVersion() throws {
        let result = try runFactory(["--version"])
        #expect(result.status == 0)
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("factory 0."))
    }

    @Test func helpListsTheBenchCommand() throws {
        let result = try runFactory(["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("bench"))
    }

    @Test func benchPrintsOneJSONLinePerWorkloadAndNothingElse() throws {
        let result = try runFactory(["bench", "gemm-1024"])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["workload"] as? String == "gemm-1024")
        #expect((object["engine"] as? String)?.hasPrefix("factory-") == true)
        let samples = try #require(object["samples_per_s"] as? Double)
        #expect(samples > 0)
        let gflops = try #require(object["gflops"] as? Double)
        // 2 * 1024^3 flops per sample: the two fields must agree.
        #expect(Swift.abs(gflops - samples * 2 * 1_073_741_824 / 1e9) / gflops < 0.01)
        #expect(result.error.contains("round 5/5"))
    }

    @Test func fmaPeakReportsTheFLOPsItRan() throws {
        let result = try runFactory(["bench", "fma-peak"])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let samples = try #require(object["samples_per_s"] as? Double)
        let gflops = try #require(object["gflops"] as? Double)
        let threads = try #require(object["threads"] as? Double)
        let lanes = try #require(object["lanes"] as? Double)
        #expect(lanes == 8 || lanes == 16)
        #expect(threads >= 1)
        // One round: every thread runs 40 M steps of 16 chains of `lanes`-wide multiply-adds (2 FLOPs each).
        let flopsPerRound = 2 * lanes * 16 * 40_000_000 * threads
        #expect(Swift.abs(gflops - samples * flopsPerRound / 1e9) / gflops < 0.01)
    }

    @Test func unknownWorkloadIsAClearErrorWithNonZeroExit() throws {
        let result = try runFactory(["bench", "no-such-workload"])
        #expect(result.status != 0)
        #expect(result.error.contains("unknown workload 'no-such-workload'"))
        #expect(result.error.contains("gemm-1024"))
        #expect(result.output.isEmpty)
    }

    @Test func benchListNamesEveryWorkload() throws {
        let result = try runFactory(["bench", "--list"])
        #expect(result.status == 0)
        for name in ["gemm-1024", "fma-peak", "add-16m", "exp-16m", "sum-16m"] { #expect(result.output.contains(name)) }
    }
}
