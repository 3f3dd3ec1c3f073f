import Foundation

/// An MES → station command from the command topic, e.g.
/// `{"id":"c-17","command":"switch-recipe","recipeId":"R-42"}`.
public struct StationCommand: Sendable, Equatable {
    public enum Name: String, Sendable, CaseIterable {
        case pause, resume
        case switchModel = "switch-model"
        case switchRecipe = "switch-recipe"
    }
    public var id: String
    public var name: Name
    /// `modelId` for switch-model, `recipeId` for switch-recipe.
    public var argument: String?

    public init(id: String, name: Name, argument: String? = nil) { self.id = id; self.name = name; self.argument = argument }

    /// Parses a command payload.
    /// - Throws: `.malformedCommand` (not a JSON object, missing `id`/`command`, missing argument)
    ///   or `.unknownCommand`.
    public static func parse(topic: String, payload: Data) throws -> StationCommand {
        let text = String(decoding: payload, as: UTF8.self)
        let expected = #"a JSON object {"id": "...", "command": "pause|resume|switch-model|switch-recipe", "modelId"|"recipeId": "..."}"#
        guard let object = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any] else {
            throw MESError.malformedCommand(topic: topic, received: text, expected: expected)
        }
        guard let id = object["id"] as? String, !id.isEmpty else {
            throw MESError.malformedCommand(topic: topic, received: text, expected: "a non-empty string \"id\" in " + expected)
        }
        guard let nameText = object["command"] as? String else {
            throw MESError.malformedCommand(topic: topic, received: text, expected: "a string \"command\" in " + expected)
        }
        guard let name = Name(rawValue: nameText) else {
            throw MESError.unknownCommand(name: nameText, known: Name.allCases.map(\.rawValue))
        }
        switch name {
        case .pause, .resume: return StationCommand(id: id, name: name)
        case .switchModel, .switchRecipe:
            let key = name == .switchModel ? "modelId" : "recipeId"
            guard let arg = object[key] as? String, !arg.isEmpty else {
                throw MESError.malformedCommand(topic: topic, received: text, expected: "a non-empty string \"\(key)\" for \(name.rawValue)")
            }
            return StationCommand(id: id, name: name, argument: arg)
        }
    }

    /// The id from a payload that failed to parse, for the acknowledgement (best effort).
    static func bestEffortId(_ payload: Data) -> String? {
        ((try? JSONSerialization.jsonObject(with: payload)) as? [String: Any])?["id"] as? String
    }
}

/// What the station answers on the command-ack topic, and what the audit trail keeps.
public struct CommandAck: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case done, rejected, failed }
    public var id: String?
    public var command: String?
    public var status: Status
    public var detail: String
    public var station: String
    public var time: String
}
