import Foundation
import XCTest
import LoupeMES

final class ResultRecordTests: XCTestCase {
    func testJSONCarriesSchemaAndOPCUAFieldsAndRoundTrips() throws {
        let r = record(1, verdict: .reject)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: r.json()) as? [String: Any])
        for key in ["schema", "resultId", "jobId", "partId", "measId", "station", "modelId", "modelSha256", "recipeId",
                    "creationTime", "processingTimesMs", "verdict", "defectClass", "score", "threshold", "imageRef", "isPartial", "replayed"] {
            XCTAssertNotNil(object[key], "missing \(key)")
        }
        XCTAssertEqual(object["schema"] as? String, "loupe.result/1")
        XCTAssertEqual(object["verdict"] as? String, "reject")
        XCTAssertEqual(try ResultRecord.decode(r.json(), source: "t"), r)
        XCTAssertEqual(r.json(), r.json(), "sorted keys: same bytes for the same record")
    }

    func testTimestampIsISO8601UTCWithMilliseconds() {
        XCTAssertEqual(ResultRecord.iso8601(Date(timeIntervalSince1970: 1_700_000_000.123)), "2023-11-14T22:13:20.123Z")
    }

    func testOtherSchemaVersionIsRefusedWithWhatWasReceived() throws {
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: record(1).json()) as? [String: Any])
        object["schema"] = "loupe.result/99"
        let data = try JSONSerialization.data(withJSONObject: object)
        XCTAssertThrowsError(try ResultRecord.decode(data, source: "t")) { e in
            XCTAssertTrue("\(e)".contains("loupe.result/99") && "\(e)".contains("expected loupe.result/1"), "\(e)")
        }
    }
}

final class StationCommandTests: XCTestCase {
    func parse(_ s: String) throws -> StationCommand { try StationCommand.parse(topic: "t/cmd", payload: Data(s.utf8)) }

    func testValidCommands() throws {
        XCTAssertEqual(try parse(#"{"id":"1","command":"pause"}"#), StationCommand(id: "1", name: .pause))
        XCTAssertEqual(try parse(#"{"id":"2","command":"switch-recipe","recipeId":"R-9"}"#), StationCommand(id: "2", name: .switchRecipe, argument: "R-9"))
        XCTAssertEqual(try parse(#"{"id":"3","command":"switch-model","modelId":"m2"}"#), StationCommand(id: "3", name: .switchModel, argument: "m2"))
    }

    func testMalformedAndUnknownCommandsAreClearErrors() {
        XCTAssertThrowsError(try parse("pause")) { e in
            guard case .malformedCommand(let topic, let received, _) = e as? MESError else { return XCTFail("\(e)") }
            XCTAssertEqual(topic, "t/cmd"); XCTAssertEqual(received, "pause")
        }
        XCTAssertThrowsError(try parse(#"{"command":"pause"}"#)) { e in XCTAssertTrue("\(e)".contains("\"id\""), "\(e)") }
        XCTAssertThrowsError(try parse(#"{"id":"4","command":"switch-model"}"#)) { e in XCTAssertTrue("\(e)".contains("modelId"), "\(e)") }
        XCTAssertThrowsError(try parse(#"{"id":"5","command":"selfdestruct"}"#)) { e in
            guard case .unknownCommand(let name, let known) = e as? MESError else { return XCTFail("\(e)") }
            XCTAssertEqual(name, "selfdestruct"); XCTAssertTrue(known.contains("pause"))
        }
    }
}
